"""Exceptions that carry one plain sentence for the user.

The CLI prints ``str(error)`` and exits with ``error.exit_code``; it never shows a traceback
for these.
"""

from __future__ import annotations


class TrialkitError(Exception):
    """Base class: a problem the user can fix, described in one sentence."""

    exit_code = 2


class DataError(TrialkitError):
    """A data file is missing, unreadable, or does not match the plan."""


class PlanError(TrialkitError):
    """The analysis plan is missing keys, misspelled or inconsistent."""


class ModelError(TrialkitError):
    """A model cannot be fitted as specified (singular design, no convergence, ...)."""

    exit_code = 3
