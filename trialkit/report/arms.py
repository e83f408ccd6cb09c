"""The arms and between-arm comparisons as the report shows them, for any number of arms.

Arms come in model order (the control first; :func:`trialkit.summaries.assessment.arm_order`)
with their display labels and randomised N. A model's comparisons come from its tidy
``differences`` frame (``comparison`` column, ``"a - b"`` in arm values) and its
``comparisons`` pairs; the report shows them with the arms' labels. In a two-arm trial there
is one comparison, treatment - control.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from trialkit.data.trial import Trial
from trialkit.specs.comparisons import comparison_label
from trialkit.summaries.assessment import arm_label, arm_order


@dataclass(frozen=True)
class ReportArm:
    """One arm: its value in the data, its display label and its randomised N."""

    value: str
    label: str
    n: int

    @property
    def header(self) -> str:
        """Column header: the label over its randomised N."""
        return f"{self.label}\n(N = {self.n})"


def report_arms(trial: Trial) -> tuple[ReportArm, ...]:
    """Every arm in model order (the control first)."""
    n = trial.subjects[trial.arm_col].astype(str).value_counts()
    return tuple(ReportArm(a, arm_label(trial, a), int(n.get(a, 0))) for a in arm_order(trial))


def comparison_pairs(result: object, arms: tuple[ReportArm, ...]) -> tuple[tuple[str, str], ...]:
    """A fitted model's compared pairs ``(a, b)`` (``a - b``); each arm - control when there
    is no model or it does not list them (treatment - control in a two-arm trial)."""
    pairs = tuple(getattr(result, "comparisons", ()) or ())
    return pairs or tuple((a.value, arms[0].value) for a in arms[1:])


def comparison_names(result: object, arms: tuple[ReportArm, ...]) -> dict[str, str]:
    """``{"a - b" (as in the model's frames): "label a - label b"}`` in comparison order."""
    labels = {a.value: a.label for a in arms}
    return {
        comparison_label(a, b): f"{labels.get(a, a)} - {labels.get(b, b)}"
        for a, b in comparison_pairs(result, arms)
    }


def with_comparison(
    frame: pd.DataFrame, result: object, arms: tuple[ReportArm, ...]
) -> pd.DataFrame:
    """``frame`` with a ``comparison`` column (the single comparison when it has none)."""
    if "comparison" in frame.columns:
        return frame
    (a, b), *_ = comparison_pairs(result, arms)
    return frame.assign(comparison=comparison_label(a, b))


def model_trend(result: object | None) -> pd.DataFrame | None:
    """A fitted model's dose-response test (``visit`` + statistics), or None without one."""
    return getattr(result, "trend", None)
