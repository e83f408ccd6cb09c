"""Vectorised conversions of data columns: key values to text, measurements to numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd


def text_values(s: pd.Series) -> pd.Series:
    """Values as text for matching against the plan: ``9`` and ``9.0`` become ``"9"``.

    Missing values stay missing; text is stripped of surrounding blanks. The result has the
    pandas string dtype.
    """
    if pd.api.types.is_bool_dtype(s):
        return s.astype("str")
    if pd.api.types.is_numeric_dtype(s):
        # convert each distinct value once (ids and visits repeat), then expand
        codes, uniq = pd.factorize(s.to_numpy(dtype=float, na_value=np.nan))
        arr = np.asarray(uniq, dtype=float)
        finite = np.isfinite(arr)
        is_int = finite & (np.mod(np.where(finite, arr, 0.0), 1.0) == 0.0)
        text = np.where(
            is_int,
            np.where(finite, arr, 0.0).astype(np.int64).astype(str),
            arr.astype(str),
        ).astype(object)
        text[~finite] = None
        out = np.append(text, None)[codes]  # code -1 (missing) picks the trailing None
        return pd.Series(out, index=s.index, dtype="str", name=s.name)

    if pd.api.types.is_string_dtype(s) and not s.dtype == object:
        stripped = s.str.strip()
        return stripped.where(stripped != "", None).astype("str")

    def one(v: object) -> object:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            return None
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        text = str(v).strip()
        return text or None

    return pd.Series(s.map(one).to_numpy(dtype=object), index=s.index, dtype="str", name=s.name)


def numeric_values(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Values as float, and a mask of cells that are present but not numbers.

    Returns
    -------
    values
        Float series (NaN where missing or non-numeric).
    bad
        Boolean array: True where a cell holds something that is not a number.
    """
    if pd.api.types.is_bool_dtype(s):
        return s.astype(float), np.zeros(len(s), dtype=bool)
    if pd.api.types.is_numeric_dtype(s):
        return s.astype(float), np.zeros(len(s), dtype=bool)
    present = s.notna().to_numpy()
    values = pd.to_numeric(s, errors="coerce").astype(float)
    bad = present & values.isna().to_numpy()
    return values, bad
