"""Shared by the k-arm tests: the data and R references of tests/reference/karm."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
from mmrm_reference import REF

KARM = REF / "karm"
VISITS = ["W4", "W8", "W12", "W16"]
ARMS3 = ["Placebo", "Low Dose", "High Dose"]
ARMS4 = ["Placebo", "D1", "D2", "D3"]
ARMS = {"data3.csv": ARMS3, "data4.csv": ARMS4}
RBMI_KARM = REF / "rbmi_karm"
#: data3's arms as the rbmi_karm references name them (``trt_Low_W4``, ``lsm_Placebo_W4``)
SHORT = {"Placebo": "Placebo", "Low Dose": "Low", "High Dose": "High"}


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


def rbmi_arguments(dropouts: dict[str, list[str]], strategy: str, **options: Any) -> dict:
    """``impute_and_analyse`` arguments matching the rbmi references of
    tests/reference/rbmi_karm on data3.csv: the references' dropouts as events under
    ``strategy``, both dose arms referencing Placebo, BASE x visit, conditional mean imputation
    with the jackknife; ``options`` add to or replace these."""
    events = pd.DataFrame(
        {"USUBJID": dropouts["PATIENT"], "VISIT": dropouts["VISIT"], "strategy": strategy}
    )
    return {
        "outcome": "Y",
        "arm": "ARM",
        "control": "Placebo",
        "visit": "VISIT",
        "subject": "USUBJID",
        "visit_covariates": ["BASE"],
        "events": events,
        "visits": VISITS,
        "reference": {"Low Dose": "Placebo", "High Dose": "Placebo", "Placebo": "Placebo"},
        "method": "condmean",
        "resampling": "jackknife",
        "n_jobs": 1,
        **options,
    }


def rbmi_parameters(frame: pd.DataFrame) -> list[str]:
    """The rbmi_karm parameter of each row of a ``differences`` frame (``trt_<arm>_<visit>``:
    the arm minus Placebo) or of an ``lsmeans`` frame (``lsm_<arm>_<visit>``)."""
    if "comparison" in frame:
        arms = [c.split(" - ")[0] for c in frame["comparison"]]
        return [f"trt_{SHORT[a]}_{v}" for a, v in zip(arms, frame["visit"], strict=True)]
    return [f"lsm_{SHORT[a]}_{v}" for a, v in zip(frame["arm"], frame["visit"], strict=True)]


def assert_matches_rbmi(
    frame: pd.DataFrame, table: pd.DataFrame, estimate: float, se: float
) -> pd.DataFrame:
    """``frame``'s estimates and SEs against rbmi's (``table``: est, se by parameter) at the
    relative tolerances given; returns rbmi's rows in ``frame``'s order."""
    theirs = table.loc[rbmi_parameters(frame)]
    np.testing.assert_allclose(frame["estimate"], theirs["est"], rtol=estimate)
    np.testing.assert_allclose(frame["std_error"], theirs["se"], rtol=se)
    return theirs
