"""Estimands in the plan: loading, checks against the data, strategies and estimators.

Sources: the ICH E9(R1) strategies as defined in trialkit/specs/estimand.py; the main MMRM
estimator is checked against fit_mmrm on data masked by hand (which itself is validated against
R mmrm, tests/test_mmrm_fev.py); the imputation estimators against impute_and_analyse called
directly (validated against rbmi, tests/test_imputation_rbmi.py).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import CONTROL, assert_clean_failure, long_frame, plan_dict

from trialkit import read_trial
from trialkit.analysis.estimands import analyze_estimand
from trialkit.models.mmrm import fit_mmrm

ROOT = Path(__file__).resolve().parents[1]


def _with_events(df: pd.DataFrame) -> pd.DataFrame:
    """Events for 3 treatment subjects: first affected visits 9, 21 and 21."""
    df = df.copy()
    subjects = sorted(df.loc[df["arm"] != CONTROL, "pid"].unique())[:3]
    first = dict(zip(subjects, ["9", "21", "21"], strict=True))
    df["stop_visit"] = df["pid"].map(first)
    return df


def _estimand_plan(**estimand: object) -> dict:
    d = plan_dict()
    e = {
        "name": "Hypothetical",
        "outcome": "ders",
        "events": [{"name": "Stopped", "column": "stop_visit", "strategy": "hypothetical"}],
        "main": {"method": "mmrm"},
    }
    e.update(estimand)
    d["estimands"] = [e]
    return d


def _trial(write_trial, plan: dict, df: pd.DataFrame | None = None):
    files = write_trial(df=_with_events(long_frame(40)) if df is None else df, plan=plan)
    return read_trial(files.data, files.plan), files


def test_plan_loads_estimand_with_defaults(write_trial) -> None:
    trial, _ = _trial(write_trial, _estimand_plan())
    (e,) = trial.plan.estimands
    assert e.visits == trial.plan.visits.post_baseline
    assert e.events[0].strategy == "hypothetical"
    assert e.main.method == "mmrm" and e.main.assumption == "MAR"
    assert e.summary == "difference in means"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"events": [{"name": "S", "column": "stop_visit", "strategy": "hypothetic"}]},
            "'estimands[1].events[1].strategy' has 'hypothetic', which is not allowed",
        ),
        ({"main": {"method": "mmrm", "assumption": "JR"}}, "which assumes MAR"),
        (
            {"sensitivity": [{"method": "approxbayes"}]},
            "needs 'estimands[1].sensitivity[1].n_samples' of at least 2",
        ),
        (
            {"sensitivity": [{"method": "condmean", "tipping_point": [0, 5, -1]}]},
            "must be [start, stop, step]",
        ),
        ({"outcome": "nope"}, "'estimands[1].outcome' is 'nope', which is not an outcome name"),
        ({"visits": ["0"]}, "'estimands[1].visits' has '0', which is not a post-baseline visit"),
        (
            {"sensitivity": [{"method": "condmean", "assumption": "J3R"}]},
            "'estimands[1].sensitivity[1].assumption' has 'J3R'",
        ),
    ],
)
def test_plan_problems_are_plan_errors(cli, write_trial, change: dict, message: str) -> None:
    """Each bad estimand is one plan problem in `validate` (exit 2, no traceback)."""
    files = write_trial(df=_with_events(long_frame(20)), plan=_estimand_plan(**change))
    assert_clean_failure(cli("validate", files.data, "--plan", files.plan), message)


def test_event_at_a_visit_not_in_the_plan(cli, write_trial) -> None:
    df = _with_events(long_frame(20))
    bad = df.index[df["stop_visit"].notna()][0]
    df.loc[df["pid"] == df.loc[bad, "pid"], "stop_visit"] = "99"
    files = write_trial(df=df, plan=_estimand_plan())
    row = int(np.flatnonzero((df["pid"] == df.loc[bad, "pid"]).to_numpy())[0]) + 2
    assert_clean_failure(
        cli("validate", files.data, "--plan", files.plan),
        "Intercurrent event 'Stopped'",
        "'99', which is not a post-baseline visit",
        f"row {row}",
    )


def test_missing_event_column_is_named(cli, write_trial) -> None:
    files = write_trial(df=long_frame(20), plan=_estimand_plan())
    assert_clean_failure(cli("validate", files.data, "--plan", files.plan), "stop_visit")


def test_validate_lists_subjects_and_visits(cli, write_trial) -> None:
    files = write_trial(df=_with_events(long_frame(20)), plan=_estimand_plan())
    result = cli("validate", files.data, "--plan", files.plan)
    assert result.exit_code == 0, result.output
    assert "Estimand 'Hypothetical': intercurrent events (3 subject-events)" in result.output
    assert "9, 21" in result.output  # visits affected from visit 9 on
    assert "2: " in result.output  # two subjects start at visit 21


def test_hypothetical_main_mmrm_equals_fit_on_masked_data(write_trial) -> None:
    """The hypothetical strategy removes values from the event on; the MMRM then equals
    fit_mmrm on data masked by hand."""
    trial, _ = _trial(write_trial, _estimand_plan())
    res = analyze_estimand(trial, trial.plan.estimands[0])
    assert res.main.error is None
    data = trial.data.copy()
    post = data[data["week"].astype(str) != "0"].copy()
    base = data[data["week"].astype(str) == "0"].set_index("pid")["ders"].rename("b")
    post = post.join(base, on="pid")
    stop = pd.to_numeric(trial.subjects["stop_visit"]).dropna()
    assert sorted(stop) == [9, 21, 21]
    for pid, v in stop.items():
        later = post["week"].astype(str).astype(int) >= v
        post.loc[(post["pid"] == pid) & later, "ders"] = np.nan
    fit = fit_mmrm(
        post,
        outcome="ders",
        arm="arm",
        control=CONTROL,
        visit="week",
        subject="pid",
        covariates=["b", "age"],
        visit_covariates=["b"],
        spec=trial.plan.analysis.mmrm,
        visits=list(trial.plan.visits.post_baseline),
    )
    ours = res.main.differences.set_index("visit")
    ref = fit.differences.set_index("visit")
    for col in ("estimate", "std_error", "df", "p_value"):
        np.testing.assert_allclose(ours[col], ref.loc[ours.index, col], rtol=1e-12)
    # the masked values are really gone: fewer observations than the unmasked fit
    full = analyze_estimand(trial, dataclasses.replace(trial.plan.estimands[0], events=()))
    assert not np.allclose(full.main.differences["estimate"], ours["estimate"])


def test_treatment_policy_keeps_observed_values(write_trial) -> None:
    plan = _estimand_plan(
        events=[{"name": "Stopped", "column": "stop_visit", "strategy": "treatment-policy"}]
    )
    trial, _ = _trial(write_trial, plan)
    tp = analyze_estimand(trial, trial.plan.estimands[0])
    no_events = analyze_estimand(trial, dataclasses.replace(trial.plan.estimands[0], events=()))
    np.testing.assert_allclose(
        tp.main.differences["estimate"], no_events.main.differences["estimate"], rtol=1e-12
    )
    assert len(tp.events) == 3 and set(tp.events["strategy"]) == {"treatment-policy"}


def test_population_filter(write_trial) -> None:
    df = _with_events(long_frame(40))
    df["itt"] = (df["pid"].astype(str).str[-1] != "1").astype(int).astype(str)
    trial, _ = _trial(write_trial, _estimand_plan(population={"itt": "1"}), df)
    res = analyze_estimand(trial, trial.plan.estimands[0])
    assert res.n_population == int((trial.subjects["itt"].astype(str) == "1").sum())
    assert res.n_population < len(trial.subjects)
    assert "itt = 1" in res.attributes.set_index("attribute").loc["Population", "description"]


def test_estimator_failure_is_recorded_not_raised(write_trial) -> None:
    """An estimator that cannot run (here an MMRM on one arm's data) keeps its reason."""
    df = _with_events(long_frame(40))
    trial, _ = _trial(write_trial, _estimand_plan(population={"arm": CONTROL}), df)
    res = analyze_estimand(trial, trial.plan.estimands[0])
    assert res.main.error is not None and res.main.differences.empty


def test_plan_without_estimands_says_mmrm_assumes_mar(cli, write_trial) -> None:
    files = write_trial()
    result = cli("analyze", files.data, "--plan", files.plan)
    assert "the plan defines no estimand" in result.output
    assert "missing at random (MAR)" in result.output


def test_reference_based_estimator_equals_engine_called_directly(write_trial) -> None:
    """A J2R estimator passes the event visits and the assumption to impute_and_analyse
    (validated against rbmi) on the data the strategy leaves."""
    from trialkit import impute_and_analyse
    from trialkit.analysis.frames import covariates_for, outcome_frame

    plan = _estimand_plan(sensitivity=[{"name": "J2R", "method": "condmean", "assumption": "JR"}])
    trial, _ = _trial(write_trial, plan)
    res = analyze_estimand(trial, trial.plan.estimands[0])
    j2r = res.estimators[1]
    assert j2r.error is None and j2r.n_imputed > 0
    frame, base = outcome_frame(trial, trial.plan.outcome("ders"))
    stop = pd.to_numeric(trial.subjects["stop_visit"]).dropna()
    for pid, v in stop.items():
        frame.loc[(frame["pid"] == pid) & (frame["week"].astype(int) >= v), "ders"] = np.nan
    covs, vcovs = covariates_for(trial, base)
    events = pd.DataFrame(
        {"subject": stop.index.astype(str), "visit": stop.astype(int).astype(str), "strategy": "JR"}
    )
    direct = impute_and_analyse(
        frame,
        outcome="ders",
        arm="arm",
        control=CONTROL,
        visit="week",
        subject="pid",
        covariates=[c for c in covs if c not in vcovs],
        visit_covariates=vcovs,
        events=events,
        method="condmean",
        resampling="jackknife",
        reference={CONTROL: CONTROL, trial.plan.arms.treatment: CONTROL},
        seed=20250101,
        visits=list(trial.plan.visits.post_baseline),
    )
    ref = direct.differences.set_index("visit")
    ours = j2r.differences.set_index("visit")
    for col in ("estimate", "std_error", "p_value"):
        np.testing.assert_allclose(ours[col], ref.loc[ours.index, col], rtol=1e-12)


def test_sample_report_has_the_estimand_section(cli, tmp_path: Path) -> None:
    """`trialkit analyze` with no arguments shows the sample's estimand (J2R + tipping point)
    and writes it to the JSON (schema 1.1 and later)."""
    import json

    import jsonschema

    from trialkit.report.json_report import load_schema

    out = tmp_path / "r.json"
    result = cli("analyze", "--json", out)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Estimand: DERS-18 had every patient continued DBT (hypothetical)" in text
    assert "Jump to reference (J2R)" in text and "changes at delta =" in text
    doc = json.loads(out.read_text())
    jsonschema.validate(doc, load_schema())
    (est,) = doc["estimands"]
    assert [e["role"] for e in est["estimators"]] == ["main"] + ["sensitivity"] * 3
    tp = est["estimators"][3]["tipping_point"]
    assert tp["visit"] == "21" and len(tp["tipping_points"]) == 1


def test_estimator_sharing_a_tipping_grid_reuses_its_undeltaed_result(write_trial) -> None:
    """A J2R estimator listed with a J2R tipping-point grid of the same settings reuses the
    grid's delta = 0 imputation (run once): its numbers are those of J2R computed alone."""
    j2r = {"name": "J2R", "method": "condmean", "assumption": "JR"}
    tip = {**j2r, "name": "J2R tipping", "tipping_point": [0, 4, 2]}
    trial, _ = _trial(write_trial, _estimand_plan(sensitivity=[j2r, tip]))
    both = analyze_estimand(trial, trial.plan.estimands[0]).estimators
    trial, _ = _trial(write_trial, _estimand_plan(sensitivity=[j2r]))
    alone = analyze_estimand(trial, trial.plan.estimands[0]).estimators
    assert [e.spec.name for e in both] == ["Main", "J2R", "J2R tipping"]
    assert both[2].tipping is not None and len(both[2].tipping) == 3
    pd.testing.assert_frame_equal(both[1].differences, alone[1].differences, check_exact=True)
    pd.testing.assert_frame_equal(both[1].differences, both[2].differences, check_exact=True)
    assert both[1].n_imputed == alone[1].n_imputed > 0
