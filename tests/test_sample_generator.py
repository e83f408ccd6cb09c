"""Tests of the SYNTHETIC online-DBT sample trial in ``sample_data/``.

Source of the expected figures: the published summary of Norman-Nott et al., JAMA Netw Open
2025 (doi:10.1001/jamanetworkopen.2025.6908) as recorded in ``sample_data/README.md`` and the
``[[published]]`` entries of ``sample_data/dbt_long.toml``; counts that the summary gives as
percentages are the exact counts the README lists (e.g. 89% of 89 = 79).
"""

from __future__ import annotations

import importlib.util
import io
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from scipy import stats

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
OUTCOME_COLUMNS = [
    "ders",
    "pain_intensity",
    "pain_interference",
    "depression",
    "anxiety",
    "stress",
    "ptsd",
    "sleep",
    "wellbeing",
]
WEEKS = (0, 9, 21)
DBT, CONTROL = "DBT + standard care", "Standard care"
OTHER_SEED = 7

# Calibration tolerances. The generator matches the ANCOVA difference by shifting integer (or
# 0.1 / 4-point step) scores, so the difference can only move in steps of about
# step / (number of DBT participants assessed); SEs are matched before rounding and clipping,
# which move them by a few percent.
DIFFERENCE_STEP_TOL = 1.0  # in units of (instrument step / DBT participants assessed)
CI_HALFWIDTH_REL_TOL = 0.05
P_VALUE_RATIO_TOL = 2.0


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_dbt", SAMPLE / "generate_dbt.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["generate_dbt"] = module
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


def _csv_roundtrip(df: pd.DataFrame) -> pd.DataFrame:
    buffer = io.StringIO()
    df.to_csv(buffer, index=False)
    buffer.seek(0)
    return pd.read_csv(buffer)


@pytest.fixture(scope="module")
def generated() -> tuple[pd.DataFrame, pd.DataFrame]:
    return gen.generate(seed=gen.SEED)


@pytest.fixture(scope="module")
def other_seed() -> tuple[pd.DataFrame, pd.DataFrame]:
    return gen.generate(seed=OTHER_SEED)


@pytest.fixture(scope="module")
def long() -> pd.DataFrame:
    return pd.read_csv(SAMPLE / "dbt_trial_long.csv")


@pytest.fixture(scope="module")
def sav() -> tuple[pd.DataFrame, object]:
    return pyreadstat.read_sav(str(SAMPLE / "dbt_trial_wide.sav"))


@pytest.fixture(scope="module")
def plans() -> dict[str, dict]:
    return {k: tomllib.loads((SAMPLE / f"dbt_{k}.toml").read_text()) for k in ("long", "wide")}


def _subjects(long_df: pd.DataFrame) -> pd.DataFrame:
    return long_df.drop_duplicates("participant_id").set_index("participant_id")


def _complete_grid(long_df: pd.DataFrame) -> pd.DataFrame:
    """Long data over the full participant x week grid (absent rows become blank)."""
    ids = long_df["participant_id"].unique()
    grid = pd.MultiIndex.from_product([ids, WEEKS], names=["participant_id", "week"])
    return long_df.set_index(["participant_id", "week"])[OUTCOME_COLUMNS].reindex(grid)


# --- reproducibility -------------------------------------------------------------------


def test_regenerating_with_the_seed_reproduces_the_csv(generated, long) -> None:
    pd.testing.assert_frame_equal(_csv_roundtrip(generated[0]), long)


def test_regenerating_with_the_seed_reproduces_the_sav(generated) -> None:
    shipped, _ = pyreadstat.read_sav(str(SAMPLE / "dbt_trial_wide.sav"), user_missing=True)
    expected = generated[1]
    assert list(shipped.columns) == list(expected.columns)
    for col in expected.columns:
        if expected[col].dtype.kind in "if":
            np.testing.assert_array_equal(
                shipped[col].to_numpy(float), expected[col].to_numpy(float)
            )
        else:
            assert shipped[col].tolist() == expected[col].tolist(), col


def test_running_the_script_writes_identical_files(tmp_path) -> None:
    shutil.copy(SAMPLE / "generate_dbt.py", tmp_path / "generate_dbt.py")
    run = subprocess.run(
        [sys.executable, str(tmp_path / "generate_dbt.py")], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert "SYNTHETIC" in run.stdout
    written = (tmp_path / "dbt_trial_long.csv").read_bytes()
    assert written == (SAMPLE / "dbt_trial_long.csv").read_bytes()
    new, _ = pyreadstat.read_sav(str(tmp_path / "dbt_trial_wide.sav"), user_missing=True)
    old, _ = pyreadstat.read_sav(str(SAMPLE / "dbt_trial_wide.sav"), user_missing=True)
    pd.testing.assert_frame_equal(new, old)


def test_a_different_seed_gives_different_values(generated, other_seed) -> None:
    assert not np.array_equal(
        generated[1]["ders_9"].to_numpy(float), other_seed[1]["ders_9"].to_numpy(float)
    )


# --- design counts (exact by construction, so they hold for any seed) --------------------


@pytest.mark.parametrize("source", ["shipped", "other_seed"])
def test_design_counts(source, long, other_seed) -> None:
    data = long if source == "shipped" else _csv_roundtrip(other_seed[0])
    subj = _subjects(data)
    assert subj["arm"].value_counts().to_dict() == {DBT: 45, CONTROL: 44}
    assert (subj["gender"] == "Woman").sum() == 74
    assert round(100 * 74 / 89) == 83
    pain = subj[["pain_neuropathic", "pain_low_back", "pain_arthritis"]].sum().tolist()
    assert pain == [48, 39, 33]
    assert [round(100 * c / 89) for c in pain] == [54, 44, 37]
    assert round(subj["age"].mean(), 1) == 51.5
    assert round(subj["age"].std(ddof=1), 1) == 14.2
    assert round(subj["pain_duration_years"].mean(), 1) == 15.9
    assert subj["age"].between(18, 90).all()
    assert (subj["pain_duration_years"] >= 0.25).all()
    assert (subj["pain_duration_years"] <= subj["age"] - 15).all()


@pytest.mark.parametrize("source", ["shipped", "other_seed"])
def test_follow_up_counts(source, long, other_seed) -> None:
    grid = _complete_grid(long if source == "shipped" else _csv_roundtrip(other_seed[0]))
    assessed = grid["ders"].notna().groupby(level="week").sum()
    assert assessed.to_dict() == {0: 89, 9: 79, 21: 72}
    assert (round(100 * 79 / 89), round(100 * 72 / 89)) == (89, 81)
    ders = grid["ders"].unstack("week")
    intermittent = ders[9].isna() & ders[21].notna()
    assert intermittent.sum() >= 1
    # Every outcome is missing at the same visits as DERS (questionnaire battery missed as a whole).
    for col in OUTCOME_COLUMNS:
        assert grid[col].isna().equals(grid["ders"].isna()), col


@pytest.mark.parametrize("source", ["shipped", "other_seed"])
def test_adherence_among_starters(source, long, other_seed) -> None:
    subj = _subjects(long if source == "shipped" else _csv_roundtrip(other_seed[0]))
    dbt = subj[subj["arm"] == DBT]
    started = dbt[dbt["received_intervention"] == 1]
    assert len(dbt) - len(started) == 3
    assert dbt.loc[dbt["received_intervention"] == 0, "not_received_reason"].notna().all()
    assert len(started) == 42
    adherent = (started["sessions_attended"] >= 7).sum()
    assert adherent == 34
    assert round(100 * adherent / len(started)) == 81
    assert dbt["sessions_attended"].between(0, 8).all()
    assert dbt["app_modules_completed"].between(0, 8).all()
    control = subj[subj["arm"] == CONTROL]
    assert control["sessions_attended"].isna().all()
    assert control["app_modules_completed"].isna().all()
    assert (control["received_intervention"] == 0).all()


def test_disposition_is_consistent(long) -> None:
    subj = _subjects(long)
    ders = _complete_grid(long)["ders"].unstack("week")
    withdrew = subj["withdrew"] == 1
    assert (subj.loc[withdrew, "withdrawal_reason"].notna()).all()
    assert subj.loc[~withdrew, "withdrawal_reason"].isna().all()
    after_9 = subj["withdrawal_before_week"] == 9
    assert ders.loc[after_9[after_9].index, [9, 21]].isna().all().all()
    before_21 = subj["withdrawal_before_week"] == 21
    assert ders.loc[before_21[before_21].index, 21].isna().all()
    # Everyone missing the 21-week assessment withdrew or was lost to follow-up, with a reason.
    missing_21 = ders[21].isna()
    assert (subj.loc[missing_21[missing_21].index, "withdrew"] == 1).all()
    disc = subj["discontinued_intervention"] == 1
    assert (subj.loc[disc, "received_intervention"] == 1).all()
    assert subj.loc[disc, "discontinuation_reason"].notna().all()
    assert subj.loc[~disc, "discontinuation_reason"].isna().all()


def test_long_file_has_both_absent_and_blank_missed_visits(long) -> None:
    rows = long.groupby("participant_id").size()
    withdrawn = _subjects(long)["withdrew"] == 1
    assert (rows[withdrawn[withdrawn].index] < 3).any()
    blank_rows = long[long["ders"].isna()]
    assert (blank_rows["withdrew"] == 1).any()
    assert (blank_rows["withdrew"] == 0).any()  # intermittent misses keep their row


def test_subject_level_columns_are_constant_within_subject(long) -> None:
    subject_cols = [c for c in long.columns if c not in OUTCOME_COLUMNS + ["week"]]
    assert (long.groupby("participant_id")[subject_cols].nunique(dropna=False) == 1).all().all()


# --- outcome values --------------------------------------------------------------------


def test_every_outcome_is_inside_its_plan_range(long, plans) -> None:
    for outcome in plans["long"]["outcomes"]:
        lo, hi = outcome["range"]
        values = long[outcome["column"]].dropna()
        assert values.between(lo, hi).all(), outcome["name"]
    baseline_pain = long.loc[long["week"] == 0, "pain_intensity"]
    assert (baseline_pain >= 3).all()  # inclusion criterion: pain >= 3 of 10


def test_plans_agree_with_the_generator_and_each_other(plans, long, sav) -> None:
    specs = {s.name: s for s in gen.OUTCOMES}
    wide_cols = set(sav[0].columns)
    for o_long, o_wide in zip(plans["long"]["outcomes"], plans["wide"]["outcomes"], strict=True):
        assert o_long["name"] == o_wide["name"]
        assert (
            o_long["range"]
            == o_wide["range"]
            == [specs[o_long["name"]].lo, specs[o_long["name"]].hi]
        )
        assert o_long["column"] in long.columns
        assert set(o_wide["columns"]) <= wide_cols
        assert o_long["lower_is_better"] == (o_long["name"] != "wellbeing")
    assert plans["long"]["published"] == plans["wide"]["published"]
    for key in ("adherence", "disposition", "enrolment", "baseline_table", "analysis", "model"):
        assert plans["long"][key] == plans["wide"][key], key
    enrol = plans["long"]["enrolment"]
    assert enrol["assessed"] - sum(enrol["excluded"].values()) == 89
    assert "SYNTHETIC" in plans["long"]["trial"]["title"]


def test_wide_and_long_files_hold_the_same_values(long, sav) -> None:
    wide = sav[0].set_index("participant_id")
    grid = _complete_grid(long)
    for col in OUTCOME_COLUMNS:
        from_wide = wide[[f"{col}_{w}" for w in WEEKS]].to_numpy(float)
        from_long = grid[col].unstack("week").loc[wide.index, list(WEEKS)].to_numpy(float)
        np.testing.assert_array_equal(from_wide, from_long)
    subj = _subjects(long).loc[wide.index]
    arm_codes = wide["arm"].map({1.0: DBT, 2.0: CONTROL})
    assert arm_codes.tolist() == subj["arm"].tolist()


# --- the SPSS file's metadata ----------------------------------------------------------


def test_sav_declares_user_missing_and_labels(sav) -> None:
    data, meta = sav
    assert "SYNTHETIC" in meta.file_label
    assert meta.variable_value_labels["arm"] == {1.0: DBT, 2.0: CONTROL}
    assert meta.variable_value_labels["gender"] == {1.0: "Woman", 2.0: "Man"}
    outcome_cols = [f"{c}_{w}" for c in OUTCOME_COLUMNS for w in WEEKS]
    assert all(meta.column_names_to_labels[c] for c in data.columns)
    assert not (data[outcome_cols] == -99).any().any()  # default read: -99 is missing
    raw, raw_meta = pyreadstat.read_sav(str(SAMPLE / "dbt_trial_wide.sav"), user_missing=True)
    for col in outcome_cols:
        assert raw_meta.missing_ranges[col] == [{"lo": -99.0, "hi": -99.0}], col
    n_user_missing = int((raw[outcome_cols] == -99).sum().sum())
    assert 0 < n_user_missing < int(data[outcome_cols].isna().sum().sum())


# --- calibration against the published results -------------------------------------------


def _ancova(long_df: pd.DataFrame, outcome: str, week: int) -> tuple[float, float, float, int]:
    """Complete-case ANCOVA by normal equations (independent of the generator's statsmodels)."""
    scores = _complete_grid(long_df)[outcome].unstack("week")
    arm = _subjects(long_df).loc[scores.index, "arm"]
    ok = scores[week].notna()
    x = np.column_stack([np.ones(ok.sum()), (arm[ok] == DBT).to_numpy(float), scores.loc[ok, 0]])
    y = scores.loc[ok, week].to_numpy(float)
    xtx_inv = np.linalg.inv(x.T @ x)
    beta = xtx_inv @ x.T @ y
    df = len(y) - 3
    se = float(np.sqrt((y - x @ beta) @ (y - x @ beta) / df * xtx_inv[1, 1]))
    return float(beta[1]), se, float(df), int((arm[ok] == DBT).sum())


def test_published_differences_are_reproduced(long, plans) -> None:
    steps = {s.name: s.step for s in gen.OUTCOMES}
    for pub in plans["long"]["published"]:
        est, se, df, n_dbt = _ancova(long, pub["outcome"], int(pub["visit"]))
        tol = DIFFERENCE_STEP_TOL * steps[pub["outcome"]] / n_dbt
        assert abs(est - pub["difference"]) <= tol, pub
        if "ci" in pub:
            half = stats.t.ppf(0.975, df) * se
            published_half = (pub["ci"][1] - pub["ci"][0]) / 2
            assert abs(half / published_half - 1) <= CI_HALFWIDTH_REL_TOL, pub
        if "p" in pub:
            p = 2 * stats.t.sf(abs(est / se), df)
            if pub["outcome"] == "depression" and pub["visit"] == "9":
                assert p < pub["p"]  # published as "P < .001"
            else:
                assert 1 / P_VALUE_RATIO_TOL <= p / pub["p"] <= P_VALUE_RATIO_TOL, pub


@pytest.mark.parametrize(
    ("outcome", "significant_9", "significant_21"),
    [
        ("stress", True, False),  # "significant improvement ... at 9 weeks ... no longer ... by 21"
        ("ptsd", True, False),
        ("sleep", True, False),
        ("wellbeing", True, False),
        ("anxiety", True, False),  # "anxiety at 9 weeks ... but not at 21 weeks"
        ("pain_intensity", False, True),  # "no significant reduction ... until 21 weeks"
        ("pain_interference", False, False),  # "no significant between-group difference"
    ],
)
def test_significance_pattern_matches_the_summary(long, outcome, significant_9, significant_21):
    for week, expected in ((9, significant_9), (21, significant_21)):
        est, se, df, _ = _ancova(long, outcome, week)
        assert (2 * stats.t.sf(abs(est / se), df) < 0.05) == expected, (outcome, week)
    est_9 = _ancova(long, outcome, 9)[0]
    improves = est_9 > 0 if outcome == "wellbeing" else est_9 < 0
    assert improves or not significant_9


# --- through trialkit's reader ---------------------------------------------------------


def test_long_and_wide_files_give_the_same_trial_through_read_trial() -> None:
    from trialkit import read_trial

    from_long = read_trial(None, SAMPLE / "dbt_long.toml")
    from_wide = read_trial(None, SAMPLE / "dbt_wide.toml")
    assert from_long.warnings == () and from_wide.warnings == ()

    def keyed(trial) -> pd.DataFrame:
        data = trial.data.rename(columns={trial.visit_col: "visit"})
        data["visit"] = data["visit"].astype(str)
        return data.set_index(["participant_id", "visit"]).sort_index()

    long_data, wide_data = keyed(from_long), keyed(from_wide)
    assert len(long_data) == len(wide_data) == 89 * 3
    assert long_data.index.equals(wide_data.index)
    assert long_data["arm"].astype(str).tolist() == wide_data["arm"].astype(str).tolist()
    for col in OUTCOME_COLUMNS:
        np.testing.assert_array_equal(
            long_data[col].to_numpy(float), wide_data[col].to_numpy(float), err_msg=col
        )
    subj_long = from_long.subjects.sort_index()
    subj_wide = from_wide.subjects.sort_index()[subj_long.columns]
    for col in subj_long.columns:
        a, b = subj_long[col], subj_wide[col]
        if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b):
            np.testing.assert_array_equal(a.to_numpy(float), b.to_numpy(float), err_msg=col)
        else:  # the plan format reads a blank reason as "none": SPSS stores it as ""
            assert _text(a) == _text(b), col


def _text(values: pd.Series) -> list[str]:
    return values.astype(object).where(values.notna(), "").astype(str).tolist()
