"""CSV cells that a spreadsheet would run as a formula are written as text.

A cell beginning with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) is evaluated
by Excel, LibreOffice and Google Sheets when a CSV file is opened (OWASP "CSV injection").
Data strings such as subject ids, study names or reasons reach the exported tables, so
:func:`guard_formulas` prefixes such text cells with a single quote, which spreadsheets show
as text. Numbers are never changed: numeric columns are left alone, and a text cell that is
a plain number (``-1.5``, ``+2e-3``) is not a formula and is kept as it is.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def guard_cell(value: object) -> object:
    """``value`` with a leading ``'`` when it is text that a spreadsheet would evaluate."""
    if isinstance(value, str) and value.startswith(TRIGGERS) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def guard_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and text column names) are safe to open."""
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            s = s.astype(object)
        if pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s):
            out[col] = s.map(guard_cell, na_action="ignore")
    out.columns = [guard_cell(c) for c in out.columns]
    return out


def write_csv(frame: pd.DataFrame, path: str | Path, float_format: str | None = "%.17g") -> None:
    """``frame.to_csv(path, index=False)`` (full precision by default) with formulas guarded."""
    guard_formulas(frame).to_csv(path, index=False, float_format=float_format)
