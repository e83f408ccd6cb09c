"""Observed (unadjusted) summaries of an outcome by arm and visit.

``n`` counts subjects with the outcome observed; ``mean`` and ``sd`` (n - 1 denominator) are
over those subjects. :func:`derived_summary` adds the median and range, for an outcome
whose ANCOVA also analyses derived records (ADaM ``DTYPE``, e.g. LOCF): the descriptive rows
of a table such as the CDISC pilot's Table 14-3.01.

Validated against: pandas ``groupby`` definitions, hand-checked in tests/test_analysis_runner.py;
the derived summary against the CDISC pilot's published Table 14-3.01
(tests/test_adam_pilot_table.py).
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
    return _summary(trial, trial.outcome_column(outcome), spread=False)


def derived_summary(trial: Trial, outcome: Outcome) -> pd.DataFrame | None:
    """``arm, visit, n, mean, sd, median, min, max`` of the column the ANCOVA analyses when
    it includes derived records (``[adam] derived``), else None."""
    column = trial.ancova_column(outcome)
    if column == trial.outcome_column(outcome):
        return None
    return _summary(trial, column, spread=True)


def _summary(trial: Trial, column: str, spread: bool) -> pd.DataFrame:
    d = trial.data
    arm, visit = _categorical(d[trial.arm_col]), _categorical(d[trial.visit_col])
    y = pd.to_numeric(d[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
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
    out = pd.DataFrame(
        {
            "arm": np.repeat([str(c) for c in arm.cat.categories], n_v),
            "visit": np.tile([str(c) for c in visit.cat.categories], n_a),
            "n": n.astype(int),
            "mean": mean,
            "sd": sd,
        }
    )
    if spread:  # per cell (arms x visits, not subjects): values sorted once by cell
        order = np.lexsort((y[ok], cell))
        values, cells = y[ok][order], cell[order]
        starts = np.searchsorted(cells, np.arange(n_a * n_v))
        stats = [
            (np.median(values[s : s + k]), values[s], values[s + k - 1]) if k else (np.nan,) * 3
            for s, k in zip(starts, n, strict=True)
        ]
        arr = np.array(stats, dtype=float).reshape(-1, 3)
        out["median"], out["min"], out["max"] = arr[:, 0], arr[:, 1], arr[:, 2]
    return out


def _categorical(series: pd.Series) -> pd.Series:
    """The column as a Categorical (a trial's arm and visit columns already are)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series
    return series.astype("category")
