"""Wide -> long reshaping, the complete subject x visit grid, and read_trial's Trial."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from conftest import CONTROL, TREATMENT, VISITS, long_frame, plan_dict, to_toml, wide_frame
from hypothesis import given, settings
from hypothesis import strategies as st

from trialkit import load_plan, read_trial
from trialkit.data import wide_to_long
from trialkit.plan.schema import Columns, Outcome

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"


def wide_plan(tmp_path: Path):
    (tmp_path / "plan.toml").write_text(to_toml(plan_dict("wide", "w.csv")))
    return load_plan(tmp_path / "plan.toml")


def test_wide_to_long_layout(tmp_path: Path) -> None:
    plan = wide_plan(tmp_path)
    wide = pd.DataFrame(
        {
            "pid": ["A", "B"],
            "arm": [CONTROL, TREATMENT],
            "ders_0": [50.0, 60.0],
            "ders_9": [40.0, np.nan],
            "ders_21": [30.0, 55.0],
            "age": [31, 42],
            "sessions": [0, 7],
            "pain_0": [5.0, 6.0],
            "pain_9": [4.0, 6.5],
            "pain_21": [3.0, 7.0],
        }
    )
    long = wide_to_long(wide, plan)
    assert list(long.columns) == ["pid", "visit", "arm", "age", "sessions", "ders", "pain"]
    assert long["pid"].tolist() == ["A", "A", "A", "B", "B", "B"]
    assert long["visit"].tolist() == ["0", "9", "21"] * 2
    assert long["age"].tolist() == [31, 31, 31, 42, 42, 42]
    np.testing.assert_array_equal(long["ders"], [50, 40, 30, 60, np.nan, 55])
    np.testing.assert_array_equal(long["pain"], [5, 4, 3, 6, 6.5, 7])


def test_wide_to_long_keeps_text_for_validation(tmp_path: Path) -> None:
    plan = wide_plan(tmp_path)
    wide = wide_frame(long_frame(2)).astype({"ders_9": object})
    wide.loc[0, "ders_9"] = "n.a."
    long = wide_to_long(wide, plan)
    assert long.loc[1, "ders"] == "n.a."


def test_wide_to_long_visit_column_name(tmp_path: Path) -> None:
    plan = wide_plan(tmp_path)
    plan = replace(plan, columns=Columns(subject="pid", arm="arm", visit="week"))
    long = wide_to_long(wide_frame(long_frame(2)), plan)
    assert "week" in long.columns and "visit" not in long.columns


def test_wide_to_long_rejects_long_plan(tmp_path: Path) -> None:
    (tmp_path / "plan.toml").write_text(to_toml(plan_dict("long")))
    with pytest.raises(ValueError, match="layout = 'wide'"):
        wide_to_long(long_frame(2), load_plan(tmp_path / "plan.toml"))


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=15),
    k=st.integers(min_value=2, max_value=5),
    seed=st.integers(min_value=0, max_value=2**31 - 1),
)
def test_wide_to_long_round_trip(tmp_path_factory, n: int, k: int, seed: int) -> None:
    """Pivoting the long result back gives the wide outcome matrix exactly."""
    rng = np.random.default_rng(seed)
    tmp = tmp_path_factory.mktemp("rt")
    plan = wide_plan(tmp)
    order = tuple(str(v) for v in range(k))
    cols = tuple(f"y_{v}" for v in order)
    plan = replace(
        plan,
        visits=replace(plan.visits, order=order, baseline="0", labels=(), weeks=()),
        outcomes=(Outcome(name="y", label="Y", columns=cols),),
    )
    values = rng.normal(size=(n, k))
    values[rng.random((n, k)) < 0.2] = np.nan
    wide = pd.DataFrame(values, columns=list(cols))
    wide.insert(0, "pid", [f"s{i}" for i in range(n)])
    wide.insert(1, "arm", rng.choice(["a", "b"], n))
    long = wide_to_long(wide, plan)
    assert len(long) == n * k
    back = long.pivot(index="pid", columns="visit", values="y").loc[wide["pid"], list(order)]
    np.testing.assert_array_equal(back.to_numpy(), values)
    assert (long.groupby("pid")["arm"].first().loc[wide["pid"]].to_numpy() == wide["arm"]).all()


def test_read_trial_long_complete_grid(write_trial) -> None:
    df = long_frame(6)
    dropped = df[~((df["pid"] == "P002") & (df["week"] == 21))]  # P002 missed week 21
    files = write_trial(dropped)
    trial = read_trial(None, files.plan)
    assert len(trial.data) == 6 * len(VISITS)
    row = trial.data[(trial.data["pid"] == "P002") & (trial.data["week"] == "21")]
    assert len(row) == 1
    assert np.isnan(row["ders"].iloc[0])
    # Subject-level columns are filled on the added row.
    assert row["arm"].iloc[0] == TREATMENT
    assert row["age"].iloc[0] == df.loc[df["pid"] == "P002", "age"].iloc[0]
    assert list(trial.data["arm"].cat.categories) == [CONTROL, TREATMENT]
    assert trial.data["week"].cat.ordered
    assert list(trial.data["week"].cat.categories) == ["0", "9", "21"]
    assert trial.plan.arms.treatment == TREATMENT
    assert trial.visit_col == "week"
    assert list(trial.subjects.index) == [f"P{i:03d}" for i in range(1, 7)]
    assert list(trial.subjects["arm"].cat.categories) == [CONTROL, TREATMENT]
    assert {"age", "sessions"} <= set(trial.subjects.columns)
    assert trial.label("ders") == "DERS-18"


def test_read_trial_wide_equals_long(write_trial, tmp_path: Path) -> None:
    df = long_frame(10)
    long_files = write_trial(df, name="trial.csv")
    long_trial = read_trial(long_files.data, long_files.plan)
    wide_files = write_trial(wide_frame(df), name="wide.csv", layout="wide")
    wide_trial = read_trial(None, wide_files.plan)
    a = long_trial.data.rename(columns={"week": "visit"})[["pid", "visit", "arm", "ders", "pain"]]
    b = wide_trial.data[["pid", "visit", "arm", "ders", "pain"]]
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
    pd.testing.assert_frame_equal(
        long_trial.subjects[["arm", "age"]], wide_trial.subjects[["arm", "age"]]
    )


def test_read_trial_spss_wide_with_value_labels(tmp_path: Path) -> None:
    wide = wide_frame(long_frame(4))
    codes = {CONTROL: 1.0, TREATMENT: 2.0}
    wide["arm"] = wide["arm"].map(codes)
    wide.loc[1, "ders_9"] = -99.0
    pyreadstat.write_sav(
        wide,
        str(tmp_path / "w.sav"),
        variable_value_labels={"arm": {v: k for k, v in codes.items()}},
        missing_ranges={"ders_9": [-99.0]},
        column_labels={"age": "Age, years"},
    )
    (tmp_path / "plan.toml").write_text(to_toml(plan_dict("wide", "w.sav")))
    trial = read_trial(None, tmp_path / "plan.toml")
    assert trial.subjects["arm"].tolist() == [CONTROL, TREATMENT, CONTROL, TREATMENT]
    second = trial.data[trial.data["pid"] == wide.loc[1, "pid"]]
    assert np.isnan(second.loc[second["visit"] == "9", "ders"].iloc[0])
    assert trial.label("age") == "Age, years"


@pytest.mark.parametrize("plan", ["dbt_long.toml", "dbt_wide.toml"])
def test_sample_trial_reads(plan: str) -> None:
    trial = read_trial(None, SAMPLE / plan)
    assert len(trial.subjects) == 89
    assert trial.subjects[trial.arm_col].value_counts().to_dict() == {
        "DBT + standard care": 45,
        "Standard care": 44,
    }
    assert len(trial.data) == 89 * 3


def test_sample_wide_and_long_agree() -> None:
    long = read_trial(None, SAMPLE / "dbt_long.toml")
    wide = read_trial(None, SAMPLE / "dbt_wide.toml")
    names = [o.name for o in long.plan.outcomes]
    a = long.data.set_index([long.subject_col, long.visit_col])[names].sort_index()
    b = wide.data.set_index([wide.subject_col, wide.visit_col])[names].sort_index()
    np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())
