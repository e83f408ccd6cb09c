"""Trial-level analysis: every model and summary a plan names, ready for the report."""

from trialkit.analysis.runner import (
    OutcomeAnalysis,
    TrialAnalysis,
    analyze_outcomes,
    analyze_trial,
    consort_with_models,
    model_samples,
)

__all__ = [
    "OutcomeAnalysis",
    "TrialAnalysis",
    "analyze_outcomes",
    "analyze_trial",
    "consort_with_models",
    "model_samples",
]
