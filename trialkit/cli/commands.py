"""Imports every command module so that each registers itself on the app."""

# One import per command module; keep this list sorted.
from trialkit.cli import (
    analyze,  # noqa: F401
    init,  # noqa: F401
    meta,  # noqa: F401
    multiplicity,  # noqa: F401
    power,  # noqa: F401
    summarize,  # noqa: F401
    validate,  # noqa: F401
)
