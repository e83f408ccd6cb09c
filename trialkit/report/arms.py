"""The arms and between-arm comparisons as the report shows them, for any number of arms.

Arms come in model order (the control first; :func:`trialkit.data.trial.arm_order`)
with their display labels and randomised N. A model's comparisons are its ``comparisons`` pairs,
labelled ``"a - b"`` (arm values) in the ``comparison`` column of its tidy frames; the report
shows them with the arms' labels. In a two-arm trial there
is one comparison, treatment - control.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from trialkit.data.trial import Trial, arm_label, arm_order
from trialkit.models.ancova import AncovaResult
from trialkit.models.mmrm import MMRMResult
from trialkit.report.memo import once_per
from trialkit.specs.comparisons import comparison_label


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


@once_per
def report_arms(trial: Trial) -> tuple[ReportArm, ...]:
    """Every arm in model order (the control first); computed once per trial (every report
    builder asks)."""
    n = trial.subjects[trial.arm_col].astype(str).value_counts()
    return tuple(ReportArm(a, arm_label(trial, a), int(n.get(a, 0))) for a in arm_order(trial))


def comparison_pairs(
    result: MMRMResult | AncovaResult | None, arms: tuple[ReportArm, ...]
) -> tuple[tuple[str, str], ...]:
    """A fitted model's compared pairs ``(a, b)`` (``a - b``); each arm - control without a
    model (treatment - control in a two-arm trial)."""
    if result is not None:
        return result.comparisons
    return tuple((a.value, arms[0].value) for a in arms[1:])


def comparison_names(
    result: MMRMResult | AncovaResult | None, arms: tuple[ReportArm, ...]
) -> dict[str, str]:
    """``{"a - b" (as in the model's frames): "label a - label b"}`` in comparison order."""
    labels = {a.value: a.label for a in arms}
    return {
        comparison_label(a, b): f"{labels.get(a, a)} - {labels.get(b, b)}"
        for a, b in comparison_pairs(result, arms)
    }


def model_trend(result: MMRMResult | AncovaResult | None) -> pd.DataFrame | None:
    """A fitted model's dose-response test (``visit`` + statistics), or None without one."""
    return None if result is None else result.trend
