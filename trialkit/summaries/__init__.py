"""Trial summaries: CONSORT flow, baseline table, adherence, attrition and their cross-checks.

Results are frozen dataclasses of numbers with tidy DataFrame views; formatting lives in
:mod:`trialkit.report`.
"""

from trialkit.summaries.adherence import AdherenceSummary, ArmAdherence, adherence_summary
from trialkit.summaries.assessment import AssessmentGrid, assessment_grid
from trialkit.summaries.attrition import AttritionSummary, attrition_summary
from trialkit.summaries.baseline import BaselineSummary, baseline_table
from trialkit.summaries.consort import ArmFlow, ConsortFlow, summarize_consort
from trialkit.summaries.enrolment import EnrolmentFlow, read_screening_log
from trialkit.summaries.reconcile import Discrepancy, reconcile

__all__ = [
    "AdherenceSummary",
    "ArmAdherence",
    "ArmFlow",
    "AssessmentGrid",
    "AttritionSummary",
    "BaselineSummary",
    "ConsortFlow",
    "Discrepancy",
    "EnrolmentFlow",
    "adherence_summary",
    "assessment_grid",
    "attrition_summary",
    "baseline_table",
    "read_screening_log",
    "reconcile",
    "summarize_consort",
]
