"""Trials with more than two arms through the command line (``trialkit validate`` and
``trialkit analyze``): k arms are accepted, bad comparisons and doses stop with one sentence
(file, column, row), and the analysis fits all arms in one model.

Data: tests/reference/karm/data3.csv (3 arms, simulate_data.R) with a baseline visit W0 added
(Y = BASE), so the plan's MMRM ``Y ~ SITE + baseline * VISIT + ARM * VISIT`` is the model of
tests/reference/karm/fit_mmrm.R.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import assert_clean_failure, to_toml
from karm_reference import KARM

from trialkit import read_trial
from trialkit.analysis.runner import analyze_outcomes

VISITS = ["W0", "W4", "W8", "W12", "W16"]


def data3() -> pd.DataFrame:
    d = pd.read_csv(KARM / "data3.csv")
    base = d.drop_duplicates("USUBJID").assign(VISIT="W0", Y=lambda x: x["BASE"])
    long = pd.concat([base, d], ignore_index=True)
    long["_v"] = long["VISIT"].map(VISITS.index)
    return long.sort_values(["USUBJID", "_v"], kind="stable").drop(columns="_v")


def plan3(**arms: Any) -> dict[str, Any]:
    return {
        "trial": {"title": "Three-arm trial", "data": "trial3.csv", "layout": "long"},
        "columns": {"subject": "USUBJID", "arm": "ARM", "visit": "VISIT"},
        "arms": {"control": "Placebo", **arms},
        "visits": {"order": VISITS, "baseline": "W0"},
        "outcomes": [{"name": "Y", "label": "Score", "role": "primary"}],
        "model": {"covariates": ["baseline", "SITE"], "visit_covariates": ["baseline"]},
        "baseline_table": {"categorical": ["SITE"]},
    }


def write(tmp_path: Path, df: pd.DataFrame, plan: dict[str, Any]) -> tuple[Path, Path]:
    data, path = tmp_path / "trial3.csv", tmp_path / "plan3.toml"
    df.to_csv(data, index=False)
    path.write_text(to_toml(plan), encoding="utf-8")
    return data, path


def test_validate_accepts_three_arms(cli, tmp_path: Path) -> None:
    data, plan = write(
        tmp_path, data3(), plan3(comparisons="pairwise", order=["Low Dose", "High Dose"])
    )
    result = cli("validate", data, "--plan", plan)
    assert result.exit_code == 0, result.output
    assert "OK: the data match the plan (180 subjects x 5 visits, 1 outcome(s)" in result.output


@pytest.mark.parametrize(
    ("arms", "mutate", "sentence"),
    [
        (
            {"comparisons": [["Low Dose", "Medium Dose"]]},
            None,
            "Plan key 'arms.comparisons' names arm 'Medium Dose', which is not a value of arm "
            "column 'ARM' ('Placebo', 'Low Dose', 'High Dose')",
        ),
        (
            {"comparisons": [["Low Dose", "Low Dose"]]},
            None,
            "Key 'arms.comparisons': comparison 1 compares arm 'Low Dose' with itself.",
        ),
        (
            {"comparisons": "everything"},
            None,
            "Key 'arms.comparisons' has 'everything', which is not allowed.",
        ),
        (
            {"dose": "DOSE"},
            lambda d: d.assign(DOSE=d["DOSE"].astype(object)).pipe(_set, 7, "DOSE", "high"),
            "Column 'DOSE' (dose) has 1 non-numeric value(s): 'high' (row 9, subject S002)",
        ),
        (
            {"dose": "DOSE"},
            lambda d: _set(d, 3, "DOSE", np.nan),
            "Column 'DOSE' (dose) is blank at row 5; every subject needs a numeric dose.",
        ),
        (
            {"dose": {"Placebo": 0, "Low Dose": "54 mg", "High Dose": 81}},
            None,
            "Key 'arms.dose' gives arm 'Low Dose' the dose '54 mg', which is not a number.",
        ),
        (
            {"dose": {"Placebo": 0, "Low Dose": 54}},
            None,
            "Plan key 'arms.dose' gives no dose for arm(s) 'High Dose' of arm column 'ARM'.",
        ),
        (
            {"dose": "TRT01PN"},
            None,
            "Column 'TRT01PN' named by plan key 'arms.dose' is not in trial3.csv.",
        ),
    ],
)
def test_validate_rejects_bad_pairs_and_doses(cli, tmp_path: Path, arms, mutate, sentence) -> None:
    df = data3()
    if mutate is not None:
        df = mutate(df)
    data, plan = write(tmp_path, df, plan3(**arms))
    result = cli("validate", data, "--plan", plan)
    assert_clean_failure(result, sentence)
    assert "1 error(s)" in result.output


def _set(d: pd.DataFrame, pos: int, col: str, value: object) -> pd.DataFrame:
    d = d.reset_index(drop=True)
    d.loc[pos, col] = value
    return d


@pytest.mark.parametrize(
    ("arms", "order"),
    [
        ({}, ["Placebo", "High Dose", "Low Dose"]),  # sorted
        ({"dose": "DOSE"}, ["Placebo", "Low Dose", "High Dose"]),  # ascending dose column
        (
            {"dose": {"Placebo": 0, "Low Dose": 81, "High Dose": 54}},
            ["Placebo", "High Dose", "Low Dose"],
        ),
        ({"dose": "DOSE", "order": ["High Dose"]}, ["Placebo", "High Dose", "Low Dose"]),
    ],
)
def test_arm_order(tmp_path: Path, arms: dict, order: list[str]) -> None:
    data, plan = write(tmp_path, data3(), plan3(**arms))
    assert list(read_trial(data, plan).data["ARM"].cat.categories) == order


def test_plan_arms_reach_the_models(tmp_path: Path) -> None:
    data, plan = write(
        tmp_path,
        data3(),
        plan3(comparisons="pairwise", dose={"Placebo": 0, "Low Dose": 54, "High Dose": 81}),
    )
    trial = read_trial(data, plan)
    # ascending dose is the arm order when the plan gives a dose table and no order
    assert list(trial.data["ARM"].cat.categories) == ["Placebo", "Low Dose", "High Dose"]
    (oa,) = analyze_outcomes(trial)
    for fit in (oa.mmrm, oa.ancova):
        assert fit.arms == ("Placebo", "Low Dose", "High Dose")
        assert list(dict.fromkeys(fit.differences["comparison"])) == [
            "Low Dose - Placebo",
            "High Dose - Placebo",
            "High Dose - Low Dose",
        ]
        assert list(fit.trend["visit"]) == ["W4", "W8", "W12", "W16"]
    # every randomised subject is analysed or excluded with a reason, in every arm
    sample = oa.mmrm.sample
    excluded = sample.excluded["arm"].value_counts()
    for arm, n in sample.n_subjects.items():
        assert n + excluded.get(arm, 0) == 60
    # named by the outcome's label (the plan's "Score"), not its column Y
    assert set(sample.excluded["reason"]) == {
        f"no observed {oa.outcome.label} at any analysed visit"
    }


def test_estimands_with_three_arms_estimate_every_comparison(cli, tmp_path: Path) -> None:
    """`trialkit analyze` on a three-arm plan with an [[estimands]] table: the MMRM, the
    reference-based imputation (one model with all arms, both dose arms referencing Placebo)
    and the tipping point are run for every comparison, and the JSON carries each one.
    (The numbers of the three-arm imputation are checked against rbmi in
    tests/test_imputation_karm.py; here the command's plumbing.)"""
    import json

    import jsonschema

    from trialkit.report.json_report import load_schema

    df = data3()
    first = df.drop_duplicates("USUBJID")["USUBJID"].iloc[:5]
    df["DISC"] = np.where(df["USUBJID"].isin(first), "W12", "")
    plan = plan3()
    jr = {"method": "condmean", "assumption": "JR"}
    plan["estimands"] = [
        {
            "name": "Hypothetical",
            "outcome": "Y",
            "visits": ["W16"],
            "events": [{"name": "Stopped", "column": "DISC", "strategy": "hypothetical"}],
            "main": {"name": "MMRM", "method": "mmrm"},
            "sensitivity": [
                {"name": "J2R", **jr},
                {"name": "J2R tipping", **jr, "tipping_point": [0, 4, 2]},
            ],
        }
    ]
    data, path = write(tmp_path, df, plan)
    out = tmp_path / "r.json"
    result = cli("analyze", data, "--plan", path, "--json", out)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    doc = json.loads(out.read_text())
    jsonschema.validate(doc, load_schema())
    (est,) = doc["estimands"]
    comparisons = ["High Dose - Placebo", "Low Dose - Placebo"]  # arms in the data's order
    assert [e["name"] for e in est["estimators"]] == ["MMRM", "J2R", "J2R tipping"]
    assert est["estimators"][2]["label"].startswith("conditional mean imputation, jump to")
    for e in est["estimators"]:
        assert e["error"] is None, e["error"]
        assert [(d["comparison"], d["visit"]) for d in e["differences"]] == [
            (c, "W16") for c in comparisons
        ]
        assert all(np.isfinite(d["estimate"]) and d["std_error"] > 0 for d in e["differences"])
    # the J2R estimator shares the tipping grid's delta = 0 imputation: same numbers
    assert est["estimators"][1]["differences"] == est["estimators"][2]["differences"]
    tp = est["estimators"][2]["tipping_point"]
    assert [b["comparison"] for b in tp["by_comparison"]] == comparisons
    grid = tp["grid"]
    assert [(g["comparison"], g["delta"]) for g in grid] == [
        (c, d) for c in comparisons for d in (0, 2, 4)
    ]
    for c in comparisons:
        (row,) = [d for d in est["estimators"][1]["differences"] if d["comparison"] == c]
        (zero,) = [g for g in grid if g["comparison"] == c and g["delta"] == 0]
        assert zero["estimate"] == pytest.approx(row["estimate"], rel=1e-12)
    events = est["events"]
    assert len(events) == 5
    text = " ".join(result.output.split())
    assert "Main and sensitivity estimates (each comparison)" in text
    assert "Tipping point: J2R tipping, High Dose - Placebo at W16" in text
    assert "Tipping point: J2R tipping, Low Dose - Placebo at W16" in text


@pytest.mark.parametrize("command", ["validate", "analyze"])
def test_estimands_on_three_arms_still_check_their_events(cli, tmp_path: Path, command) -> None:
    """Lifting the two-arm limit keeps the event checks: an event visit that is not a
    post-baseline visit stops with one sentence naming the file and column."""
    df = data3()
    first = df.drop_duplicates("USUBJID")["USUBJID"].iloc[:5]
    df["DISC"] = np.where(df["USUBJID"].isin(first), "W99", "")
    plan = plan3()
    plan["estimands"] = [
        {
            "name": "Hypothetical",
            "outcome": "Y",
            "events": [{"name": "Stopped", "column": "DISC", "strategy": "hypothetical"}],
            "main": {"name": "MMRM", "method": "mmrm"},
        }
    ]
    data, path = write(tmp_path, df, plan)
    result = cli(command, data, "--plan", path)
    assert_clean_failure(result, "DISC", "W99")
