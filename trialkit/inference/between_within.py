"""Between-within degrees of freedom (SAS ``DDFM=BW``, R mmrm "Between-Within").

A design column is *within-subject* if it varies within any subject, else *between-subject*.
With ``n`` subjects, ``N`` observations, ``b`` between-subject columns (intercept excluded)
and ``w`` within-subject columns (intercept excluded):
between df = ``n - b - 1``; within df = ``N - n - w``. A contrast takes the smallest df
among the columns it involves.

Validated against: the definition in R mmrm (``h_df_1d_bw``) on fev_data, see tests.
"""

from __future__ import annotations

import numpy as np


def column_df(
    within: np.ndarray, columns: tuple[str, ...], n_subjects: int, n_obs: int
) -> np.ndarray:
    """df of each design column."""
    is_int = np.array([c == "(Intercept)" for c in columns])
    n_between = int(np.sum(~within & ~is_int))
    n_within = int(np.sum(within & ~is_int))
    ddf_between = n_subjects - n_between - int(is_int.any())
    ddf_within = n_obs - n_subjects - n_within
    out = np.where(within, ddf_within, ddf_between).astype(float)
    out[is_int] = ddf_within
    return out


def df(L: np.ndarray, col_df: np.ndarray) -> float:
    """Smallest df among the columns a contrast involves."""
    used = np.any(np.abs(L) > 0, axis=0)
    return float(np.min(col_df[used]))
