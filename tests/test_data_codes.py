"""trialkit.data.codes: levels, level codes and first rows of a column, checked against the
plain pandas definitions they replace (sort_values, astype(str) + isin, drop_duplicates)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trialkit.data.codes import first_rows, level_codes, levels


def _columns() -> dict[str, pd.Series]:
    return {
        "text": pd.Series(["b", "a", None, "c", "a", "b"]),
        "integer": pd.Series([12, 4, 8, 4, 12, 8]),
        "float with nan": pd.Series([9.0, np.nan, 21.0, 9.0, 21.0, np.nan]),
        "categorical": pd.Series(
            pd.Categorical(["W8", "W4", None, "W8", "W4", "W4"], categories=["W4", "W8", "W12"])
        ),
        "boolean": pd.Series([True, False, True, True, False, False]),
    }


@pytest.mark.parametrize("name", list(_columns()))
def test_level_codes_equal_text_positions(name: str) -> None:
    s = _columns()[name]
    names = levels(s)
    want = np.array(
        [names.index(str(v)) if pd.notna(v) and str(v) in names else -1 for v in s], dtype=np.int64
    )
    np.testing.assert_array_equal(level_codes(s, names), want)
    # a value not listed, and a level with no value, get -1 / no row
    shorter = names[1:]
    np.testing.assert_array_equal(
        level_codes(s, shorter), np.where(want >= 1, want - 1, -1).astype(np.int64)
    )


def test_levels_order() -> None:
    cols = _columns()
    assert levels(cols["text"]) == ["a", "b", "c"]
    assert levels(cols["integer"]) == ["4", "8", "12"]  # numeric order, not text order
    assert levels(cols["float with nan"]) == ["9.0", "21.0"]
    assert levels(cols["categorical"]) == ["W4", "W8"]  # category order, used categories only
    assert levels(cols["boolean"]) == ["False", "True"]


@pytest.mark.parametrize("name", list(_columns()))
def test_first_rows_are_drop_duplicates(name: str) -> None:
    s = _columns()[name]
    codes, first, values = first_rows(s)
    kept = s.dropna().drop_duplicates()
    np.testing.assert_array_equal(first, kept.index.to_numpy())
    assert [str(v) for v in values] == [str(v) for v in kept]
    assert np.all((codes == -1) == s.isna().to_numpy())
    np.testing.assert_array_equal(values[codes[codes >= 0]], s.dropna().to_numpy())
