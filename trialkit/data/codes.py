"""Factor levels of a data column as text, each row's level code, and each distinct value's
first row.

All hash the column once (``pandas.factorize`` / ``pandas.unique``) and convert only its
distinct values to text, so they cost the same on 100 rows as the pandas call itself and
scale with the column in C.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["first_rows", "level_codes", "levels"]


def levels(series: pd.Series) -> list[str]:
    """Levels as text: category order for a Categorical, numeric order for numbers (weeks
    4 < 8 < 12), else sorted text."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        used = np.unique(series.cat.codes.to_numpy())
        return [str(c) for c in series.cat.categories[used[used >= 0]]]
    values = pd.unique(series.dropna())
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return [str(v) for v in np.sort(np.asarray(values))]
    return sorted({str(v) for v in values})


def level_codes(series: pd.Series, level_names: Sequence[str]) -> np.ndarray:
    """The position of each value (as text) in ``level_names``; -1 for a missing value or
    one not listed. Hashes the column once and converts only its distinct values to text."""
    lookup = {lev: j for j, lev in enumerate(level_names)}
    if isinstance(series.dtype, pd.CategoricalDtype):  # codes and categories are at hand
        codes, uniques = series.cat.codes.to_numpy(), series.cat.categories
    else:
        codes, uniques = pd.factorize(series)
    pos = np.array([lookup.get(str(u), -1) for u in uniques] + [-1], dtype=np.int64)
    return pos[codes]  # code -1 (missing) picks the appended -1


def first_rows(series: pd.Series) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """``(codes, first, values)``: each row's code (the position of its value in ``values``,
    -1 where missing), the row position of each distinct value's first row, and the distinct
    values in order of first appearance (``drop_duplicates`` keeps the rows ``first``)."""
    codes, uniques = pd.factorize(series)
    present = np.flatnonzero(codes >= 0)
    first = present[np.unique(codes[present], return_index=True)[1]]  # by code: 0, 1, ...
    return codes, first, pd.Index(uniques)
