r"""Standardised effect size of a treatment difference.

Cohen's d at each visit (and comparison) is the model-based difference divided by the pooled
within-arm baseline SD of the subjects analysed (pooled over all arms),

.. math::  d = \frac{\hat\Delta}{s_p},\qquad
    s_p = \sqrt{\frac{\sum_a (n_a-1)s_a^2}{\sum_a (n_a - 1)}},

and its CI is the difference's CI divided by :math:`s_p` (treating :math:`s_p` as known).

Validated against: direct computation from the reference differences (tests/test_mmrm_fev.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trialkit.data.codes import first_rows
from trialkit.models.design import Design

EFFECT_SIZE_DEFINITION = (
    "Cohen's d = model-based difference / pooled baseline SD of the subjects analysed; "
    "its CI is the difference's CI divided by the same SD"
)


def pooled_baseline_sd(values: np.ndarray, groups: np.ndarray) -> float:
    """Pooled within-arm SD of baseline values (one value per subject)."""
    ok = np.isfinite(values)
    v, g = values[ok], groups[ok]
    num, den = 0.0, 0
    for level in np.unique(g):
        x = v[g == level]
        if x.size > 1:
            num += (x.size - 1) * float(np.var(x, ddof=1))
            den += x.size - 1
    return float(np.sqrt(num / den)) if den > 0 else float("nan")


def cohens_d(
    differences: pd.DataFrame,
    data: pd.DataFrame,
    design: Design,
    *,
    subject: str,
    baseline: str,
    arm: str,
) -> pd.DataFrame:
    """Cohen's d per visit from the difference table and the subjects' baseline values."""
    # each analysed subject's first row in ``data`` (as drop_duplicates(subject) keeps)
    _, first_row, subjects = first_rows(data[subject])
    rows = first_row[subjects.get_indexer(list(design.subject_ids))]
    sd = pooled_baseline_sd(
        pd.to_numeric(data[baseline].iloc[rows], errors="coerce").to_numpy(
            dtype=float, na_value=np.nan
        ),
        data[arm].iloc[rows].astype(str).to_numpy(),
    )
    keys = [c for c in ("comparison", "visit") if c in differences.columns]
    columns = {c: differences[c].array for c in keys}
    for col in ("estimate", "std_error", "df", "ci_lower", "ci_upper", "p_value"):
        values = differences[col].to_numpy(dtype=float)
        columns[col] = values if col in ("df", "p_value") else values / sd
    columns["sd_pooled"] = np.full(len(differences), sd)
    return pd.DataFrame(columns)
