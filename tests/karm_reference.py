"""Shared by the k-arm tests: the data and R references of tests/reference/karm."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
from mmrm_reference import REF

KARM = REF / "karm"
VISITS = ["W4", "W8", "W12", "W16"]
ARMS3 = ["Placebo", "Low Dose", "High Dose"]
ARMS4 = ["Placebo", "D1", "D2", "D3"]
ARMS = {"data3.csv": ARMS3, "data4.csv": ARMS4}


def reference(name: str) -> dict[str, Any]:
    """A JSON golden of tests/reference/karm."""
    with open(KARM / name) as fh:
        return json.load(fh)


def load(name: str, arms: list[str] | None) -> pd.DataFrame:
    """The data with ARM a Categorical in ``arms`` order (``None``: ARM stays text) and
    VISIT a Categorical W4 < W8 < W12 < W16."""
    d = pd.read_csv(KARM / name)
    if arms is not None:
        d["ARM"] = pd.Categorical(d["ARM"], categories=arms)
    d["VISIT"] = pd.Categorical(d["VISIT"], categories=VISITS)
    return d


def stat_columns(
    coefficient: float, se: float, df: float, p: float
) -> tuple[tuple[str, str, float], ...]:
    """``(our column, R key, relative tolerance)`` of the contrast statistics."""
    return (
        ("estimate", "estimate", coefficient),
        ("std_error", "se", se),
        ("df", "df", df),
        ("ci_lower", "lower", coefficient),
        ("ci_upper", "upper", coefficient),
        ("p_value", "p", p),
    )
