"""Trial-level analysis: every model and summary a plan names, ready for the report."""

from trialkit.analysis.runner import OutcomeAnalysis, TrialAnalysis, analyze_trial

__all__ = ["OutcomeAnalysis", "TrialAnalysis", "analyze_trial"]
