"""The rows of small tidy result frames as plain Python values, for the document builders.

With pandas 3 and pyarrow strings every small DataFrame operation costs tens of
microseconds, and reading a frame row by row (``.loc``, ``.iloc``, ``iterrows``) builds a
Series per row. The builders instead read a frame once (one object array: Python scalars,
as ``Series.tolist`` gives them, missing values as NaN, ``pd.NA`` or None as stored) and look
rows up by the text of their key columns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

Record = dict[str, Any]


def columns(frame: pd.DataFrame, names: Sequence[str] | None = None) -> dict[str, list[Any]]:
    """``{column: its values as a list}`` for ``names`` (every column by default)."""
    if names is not None:
        frame = frame[list(names)]
    return dict(zip(map(str, frame.columns), frame.to_numpy(object).T.tolist(), strict=True))


def records(frame: pd.DataFrame) -> list[Record]:
    """One dict per row (column name -> Python value), in row order."""
    cols = columns(frame)
    return [dict(zip(cols, row, strict=True)) for row in zip(*cols.values(), strict=True)]


def keyed(frame: pd.DataFrame | None, keys: Sequence[str]) -> dict[tuple[str, ...], Record]:
    """Every row by the text of its ``keys`` columns (a later row with the same key values
    replaces an earlier one); empty for None or an empty frame."""
    if frame is None or frame.empty:
        return {}
    return {tuple(str(r[k]) for k in keys): r for r in records(frame)}


def lookup(frame: pd.DataFrame | None, keys: Sequence[str]) -> Callable[..., Record | None]:
    """``get(*key_values)``: the frame's row (:func:`keyed`) with those key values, or None."""
    index = keyed(frame, keys)

    def get(*values: object) -> Record | None:
        return index.get(tuple(str(v) for v in values))

    return get


def value(row: Record | None, col: str) -> Any:
    """The row's value in ``col``; None without the row or the column."""
    return None if row is None else row.get(col)
