"""The installed trialkit version (``0.1.0`` when run from a source tree that is not installed)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("trialkit")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.1.0"
