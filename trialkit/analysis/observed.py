"""Observed (unadjusted) summaries of an outcome by arm and visit.

``n`` counts subjects with the outcome observed; ``mean`` and ``sd`` (n - 1 denominator) are
over those subjects.

Validated against: pandas ``groupby`` definitions, hand-checked in tests/test_analysis_runner.py.
"""

from __future__ import annotations

import pandas as pd

from trialkit.data.trial import Trial
from trialkit.plan.schema import Outcome


def observed_summary(trial: Trial, outcome: Outcome) -> pd.DataFrame:
    """Columns ``arm, visit, n, mean, sd`` in arm (control, treatment) x visit order."""
    d = trial.data
    g = d.groupby([trial.arm_col, trial.visit_col], observed=False)[trial.outcome_column(outcome)]
    out = g.agg(n="count", mean="mean", sd="std").reset_index()
    out = out.rename(columns={trial.arm_col: "arm", trial.visit_col: "visit"})
    out["arm"] = out["arm"].astype(str)
    out["visit"] = out["visit"].astype(str)
    out["n"] = out["n"].astype(int)
    return out
