"""Observed (unadjusted) summaries of an outcome by arm and visit.

``n`` counts subjects with the outcome observed; ``mean`` and ``sd`` (n - 1 denominator) are
over those subjects.

Validated against: pandas ``groupby`` definitions, hand-checked in tests/test_analysis_runner.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trialkit.data.trial import Trial
from trialkit.plan.schema import Outcome


def observed_summary(trial: Trial, outcome: Outcome) -> pd.DataFrame:
    """Columns ``arm, visit, n, mean, sd`` in arm (control, treatment) x visit order.

    Every arm x visit cell of the trial's Categorical arm and visit columns has a row (a cell
    without observations has ``n = 0`` and NaN mean and SD).
    """
    d = trial.data
    arm, visit = _categorical(d[trial.arm_col]), _categorical(d[trial.visit_col])
    y = pd.to_numeric(d[trial.outcome_column(outcome)], errors="coerce").to_numpy(
        dtype=float, na_value=np.nan
    )
    a, v = arm.cat.codes.to_numpy(), visit.cat.codes.to_numpy()
    n_a, n_v = len(arm.cat.categories), len(visit.cat.categories)
    ok = (a >= 0) & (v >= 0) & ~np.isnan(y)
    cell = a[ok].astype(np.int64) * n_v + v[ok]
    n = np.bincount(cell, minlength=n_a * n_v)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(cell, weights=y[ok], minlength=n_a * n_v) / n
        dev = np.bincount(cell, weights=(y[ok] - mean[cell]) ** 2, minlength=n_a * n_v)
        sd = np.sqrt(dev / (n - 1))
    sd[n < 2] = np.nan
    return pd.DataFrame(
        {
            "arm": np.repeat([str(c) for c in arm.cat.categories], n_v),
            "visit": np.tile([str(c) for c in visit.cat.categories], n_a),
            "n": n.astype(int),
            "mean": mean,
            "sd": sd,
        }
    )


def _categorical(series: pd.Series) -> pd.Series:
    """The column as a Categorical (a trial's arm and visit columns already are)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series
    return series.astype("category")
