"""Imports every command module so that each registers itself on the app."""

# One import per command module; keep this list sorted.
from trialkit.cli import analyze  # noqa: F401
from trialkit.cli import init  # noqa: F401
from trialkit.cli import meta  # noqa: F401
from trialkit.cli import summarize  # noqa: F401
from trialkit.cli import validate  # noqa: F401
