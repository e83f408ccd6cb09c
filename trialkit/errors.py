"""The public exception classes (defined in :mod:`trialkit.core.errors`).

``except trialkit.errors.TrialkitError`` catches every error trialkit raises for the user.
"""

from trialkit.core.errors import DataError, ModelError, PlanError, TrialkitError

__all__ = ["DataError", "ModelError", "PlanError", "TrialkitError"]
