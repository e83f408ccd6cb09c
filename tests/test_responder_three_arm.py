"""Responder tables list the arms in the trial's arm order (control, then the plan's
``[arms] order`` or ascending dose), as every other table of the report does, and say why
subjects were not analysed with the outcome's and the visit's labels.

The SYNTHETIC three-arm trial (tests/data/three_arm/, seeded generator) has arms Placebo,
Low Dose and High Dose (``[arms] order = ["Low Dose", "High Dose"]``): sorted text would put
High Dose before Low Dose, so the order tested here is the plan's, not an accident of sorting.
The numbers are not checked here (the engine is validated against R beeca in
test_responder_beeca.py); only the order and labels of what the report shows.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from three_arm_data import ARMS, DATA, PLAN, raw
from typer.testing import CliRunner

from trialkit.analysis.frames import outcome_frame
from trialkit.analysis.responders import analyze_responders
from trialkit.data.read import read_trial
from trialkit.data.trial import arm_order
from trialkit.models.responder import fit_responder

RESPONDER = """
[[responders]]
name = "score_response"
label = "Score improved by >= 5 points"
outcome = "score"
on = "improvement"
operator = ">="
threshold = 5
"""


@pytest.fixture(scope="module")
def plan_with_responder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the three-arm plan with one derived responder."""
    path = tmp_path_factory.mktemp("three_arm_resp") / "three_arm.toml"
    path.write_text(PLAN.read_text("utf-8") + RESPONDER, "utf-8")
    return path


@pytest.fixture(scope="module")
def cli_run(plan_with_responder: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    from trialkit.cli.app import _register, app

    _register()
    out = tmp_path_factory.mktemp("three_arm_resp_out")
    args = ["analyze", str(DATA), "--plan", str(plan_with_responder), "--json", str(out / "r.json")]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return {"output": result.output, "json": json.loads((out / "r.json").read_text("utf-8"))}


def test_json_responder_counts_follow_the_arm_order(cli_run: dict) -> None:
    (resp,) = cli_run["json"]["responders"]
    assert resp["error"] is None
    for visit in ("4", "8"):
        arms = [r["arm"] for r in resp["counts"] if r["visit"] == visit]
        assert tuple(arms) == ARMS
    comparisons = [r["comparison"] for r in resp["unadjusted"] if r["visit"] == "4"]
    assert comparisons == [f"{a} - {ARMS[0]}" for a in ARMS[1:]]


def test_terminal_responder_table_columns_follow_the_arm_order(cli_run: dict) -> None:
    out = cli_run["output"]
    start = out.index("Score improved by >= 5 points: responders by visit")
    header = out[start:].split("\n")[1:4]  # the table's top border and its two header lines
    names = next(line for line in header if "Placebo" in line)
    positions = [names.index(a) for a in ARMS]
    assert positions == sorted(positions), names


def test_a_trial_without_a_categorical_arm_column_keeps_the_plan_order(
    plan_with_responder: Path,
) -> None:
    """A Trial built by hand with a text arm column (not read_trial's Categorical): the
    responder arms still follow the plan's [arms] order, not sorted text."""
    trial = read_trial(DATA, plan_with_responder)
    col = trial.arm_col
    plain = dataclasses.replace(
        trial,
        data=trial.data.assign(**{col: trial.data[col].astype(str)}),
        subjects=trial.subjects.assign(**{col: trial.subjects[col].astype(str)}),
    )
    assert arm_order(plain) == ARMS
    (ra,) = analyze_responders(plain)
    assert ra.error is None
    assert ra.result is not None
    assert ra.result.arms == ARMS
    counts = ra.result.counts
    assert tuple(counts.loc[counts["visit"] == "4", "arm"]) == ARMS


def test_exclusion_sentence_names_the_outcome_and_visit_by_label(
    plan_with_responder: Path, tmp_path: Path
) -> None:
    """The report's sentence under the responder tables uses the outcome's and the visit's
    labels; the counts are worked out from the raw data file."""
    from trialkit.cli.app import _register, app

    _register()
    args = ["analyze", str(DATA), "--plan", str(plan_with_responder)]
    args += ["--markdown", str(tmp_path / "r.md")]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    md = (tmp_path / "r.md").read_text("utf-8")
    md = md[md.index("## Responder: Score improved") :]  # the responder section
    md = md[: md.find("\n## ")] if "\n## " in md else md
    d = raw()
    n_all = d["subject"].nunique()
    base = d[d["week"] == 0].set_index("subject")["score"]
    assert base.notna().all()  # so every exclusion is for a missing post-baseline score
    for week, label in ((4, "Week 4"), (8, "Week 8")):
        n_missing = int(d.loc[d["week"] == week, "score"].isna().sum())
        sentence = (
            f"{label}: {n_all - n_missing} of {n_all} randomised subjects analysed; "
            f"{n_missing} not analysed (no observed Symptom score (0-60) at {label}: "
            f"{n_missing})."
        )
        assert sentence in md
    assert "no observed score" not in md


def test_exclusion_reasons_use_labels_for_baseline_covariates_and_visits(
    plan_with_responder: Path,
) -> None:
    """Every kind of reason, from the engine with and without display labels."""
    trial = read_trial(DATA, plan_with_responder)
    frame, base = outcome_frame(trial, trial.plan.outcome("score"))
    frame = frame.astype({"week": str})
    at8 = frame[(frame["week"] == "8") & frame["score"].notna()]
    no_row, no_base, no_age = at8["subject"].iloc[:3]
    frame = frame[~((frame["subject"] == no_row) & (frame["week"] == "8"))].copy()
    frame.loc[frame["subject"] == no_base, base] = np.nan
    frame.loc[frame["subject"] == no_age, "age"] = np.nan
    kwargs = dict(
        outcome="score",
        arm="arm",
        control="Placebo",
        visit="week",
        subject="subject",
        covariates=[base, "age"],
        responder="change <= -5",
        baseline=base,
        visits=["4", "8"],
    )
    labelled = fit_responder(
        frame,
        **kwargs,  # type: ignore[arg-type]
        labels={"score": "Symptom score", base: "Symptom score", "age": "Age, years"},
        visit_labels={"4": "Week 4", "8": "Week 8"},
    )
    plain = fit_responder(frame, **kwargs)  # type: ignore[arg-type]

    def reasons(fit: object) -> dict[str, str]:
        ex = fit.excluded  # type: ignore[attr-defined]
        ex = ex[ex["visit"] == "8"].set_index("subject")["reason"]
        return {s: ex[s] for s in (no_row, no_base, no_age)}

    assert reasons(labelled) == {
        no_row: "no record at Week 8",
        no_base: "missing baseline Symptom score",
        no_age: "missing covariate value(s): Age, years",
    }
    assert reasons(plain) == {
        no_row: "no record at visit 8",
        no_base: f"missing baseline {base}",
        no_age: "missing covariate value(s): age",
    }
    missing = frame[(frame["week"] == "8") & frame["score"].isna()]["subject"].iloc[0]
    ex = labelled.excluded.set_index(["visit", "subject"])["reason"]
    assert ex[("8", missing)] == "no observed Symptom score at Week 8"
    ex = plain.excluded.set_index(["visit", "subject"])["reason"]
    assert ex[("8", missing)] == "no observed score (change <= -5) at visit 8"
