"""Reading, checking and reshaping trial data."""

from trialkit.core.problems import (
    DataValidationError,
    PlanValidationError,
    Problem,
    ValidationReport,
)
from trialkit.data.read import build_trial, read_trial
from trialkit.data.readers import RawTable, read_table
from trialkit.data.reshape import wide_to_long
from trialkit.data.summary import TrialSummary, summarize_trial
from trialkit.data.trial import Trial
from trialkit.data.validate import validate

__all__ = [
    "DataValidationError",
    "PlanValidationError",
    "Problem",
    "RawTable",
    "Trial",
    "TrialSummary",
    "ValidationReport",
    "build_trial",
    "read_table",
    "read_trial",
    "summarize_trial",
    "validate",
    "wide_to_long",
]
