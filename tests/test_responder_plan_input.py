"""Responder and multiplicity plan keys through the CLI: bad input, binary columns (long and
wide), a hypothesis that cannot be estimated, and the key table generated from the specs.

Small synthetic trials from conftest (fixed seeds). Row numbers: CSV files count the header as
row 1, so data row i (0-based) is row i + 2. Numbers of the functional tests are compared with
the engines called directly (themselves validated against beeca and p.adjust:
tests/test_responder_beeca.py, tests/test_multiplicity.py); the end-to-end R reference is
tests/test_responder_plan.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import (
    CONTROL,
    VISITS,
    assert_clean_failure,
    long_frame,
    plan_dict,
    plan_section,
    wide_frame,
)

from trialkit.inference.multiplicity import adjust_multiplicity
from trialkit.models.responder import fit_responder
from trialkit.specs.multiplicity import HYPOTHESIS_OPTIONS, MULTIPLICITY_OPTIONS
from trialkit.specs.responder import RESPONDER_OPTIONS, RESPONDER_OUTCOME_OPTIONS

N = 80  # subjects in the functional tests


def _frame(seed: int = 7) -> pd.DataFrame:
    """long_frame with a yes/no responder column that depends on the arm."""
    df = long_frame(N, seed=seed)
    rng = np.random.default_rng(seed)
    p = np.where(df["arm"] == CONTROL, 0.3, 0.55)
    df["resp"] = np.where(rng.uniform(size=len(df)) < p, "yes", "no")
    return df


def _plan(**extra: object) -> dict:
    plan = plan_dict()
    plan.update(extra)
    return plan


RESP = {"name": "resp_yes", "label": "Responder (yes/no)", "column": "resp", "covariates": ["age"]}


def test_plan_keys_are_generated_from_the_specs() -> None:
    resp = plan_section("responders")
    expected = [o for o in RESPONDER_OUTCOME_OPTIONS + RESPONDER_OPTIONS if o.plan_key]
    assert resp.names() == [o.name for o in expected]
    for o in expected:
        key = resp.get(o.name)
        assert key.default == o.default and key.choices == o.accepted  # type: ignore[union-attr]
    mult = plan_section("multiplicity")
    assert mult.names() == [o.name for o in MULTIPLICITY_OPTIONS] + ["hypotheses"]
    hyps = plan_section("multiplicity", "hypotheses")
    assert hyps.names() == [o.name for o in HYPOTHESIS_OPTIONS]


def test_binary_value_other_than_yes_no_names_file_column_row(cli, write_trial) -> None:
    df = _frame()
    df.loc[17, "resp"] = "maybe"
    files = write_trial(df, _plan(responders=[RESP]))
    result = cli("validate", files.data, "--plan", files.plan)
    assert_clean_failure(
        result,
        f"Column 'resp' of trial.csv has 'maybe' at row 19 (subject {df.loc[17, 'pid']}); a "
        "binary responder (responders[1].column) must be 0/1, yes/no or true/false.",
    )


def test_binary_column_absent_is_named(cli, write_trial) -> None:
    files = write_trial(_frame(), _plan(responders=[{**RESP, "column": "respp"}]))
    assert_clean_failure(
        cli("validate", files.data, "--plan", files.plan),
        "Column 'respp' named by plan key 'responders[1].column' is not in trial.csv.",
    )


def _graph_plan(weights: list, transitions: list) -> dict:
    hyps = [{"outcome": "ders", "visit": v} for v in ("9", "21")] + [
        {"outcome": "pain", "visit": "21"}
    ]
    mult = {"procedure": "graphical", "weights": weights, "transitions": transitions}
    return _plan(multiplicity={**mult, "hypotheses": hyps})


@pytest.mark.parametrize(
    ("weights", "transitions", "sentence"),
    [
        (
            [0.5, 0.4, 0.3],
            [[0, 1, 0], [0, 0, 1], [1, 0, 0]],
            "Key 'multiplicity.weights' is not a valid graph: the graph weights sum to 1.2; they "
            "must sum to at most 1.",
        ),
        (
            [0.5, 0.5, 0],
            [[0, 0.6, 0.6], [0, 0, 1], [1, 0, 0]],
            "Key 'multiplicity.transitions' is not a valid graph: the transition weights leaving "
            "hypothesis 1 sum to 1.2; each row must sum to at most 1.",
        ),
        (
            [0.5, 0.5, 0],
            [[0, 1], [1, 0]],
            "'multiplicity.transitions' must be a 3 x 3 matrix",
        ),
    ],
)
def test_bad_graph_is_one_sentence(cli, write_trial, weights, transitions, sentence) -> None:
    files = write_trial(plan=_graph_plan(weights, transitions))
    for command in ("validate", "analyze"):
        assert_clean_failure(cli(command, files.data, "--plan", files.plan), sentence)


@pytest.mark.parametrize(
    ("responder", "hypotheses", "sentence"),
    [
        (
            {"name": "r", "outcome": "painn", "threshold": 2},
            [],
            "Key 'responders[1].outcome' is 'painn', which is not an outcome name",
        ),
        (
            {"name": "r", "outcome": "pain", "column": "resp", "threshold": 2},
            [],
            "Responder 'r' needs exactly one of 'responders[1].outcome'",
        ),
        (
            {"name": "r", "outcome": "pain", "on": "improvement", "operator": "<=", "threshold": 2},
            [],
            "an improvement of at least X is written operator '>=' (or '>'), not '<='",
        ),
        (
            {"name": "r", "outcome": "pain"},
            [],
            "Responder 'r' is derived from outcome 'pain' and needs 'responders[1].threshold'",
        ),
        (
            {"name": "r", "column": "resp", "covariates": ["baseline"]},
            [],
            "responder 'r' is a binary column with no baseline outcome",
        ),
        (
            {"name": "r", "outcome": "pain", "threshold": 2},
            [{"outcome": "r", "visit": "21", "measure": "hazard ratio"}],
            "Key 'multiplicity.hypotheses[1].measure' has 'hazard ratio', which is not allowed",
        ),
        (
            {"name": "r", "outcome": "pain", "threshold": 2},
            [{"outcome": "ders", "visit": "0"}],
            "Key 'multiplicity.hypotheses[1].visit' is '0', which is not a visit analysed",
        ),
        (
            {"name": "r", "outcome": "pain", "threshold": 2},
            [{"outcome": "stress", "visit": "21"}],
            "'stress', which is neither an outcome nor a responder name",
        ),
    ],
)
def test_bad_responder_or_hypothesis_keys(
    cli, write_trial, responder, hypotheses, sentence
) -> None:
    extra: dict = {"responders": [responder]}
    if hypotheses:
        extra["multiplicity"] = {"procedure": "holm", "hypotheses": hypotheses}
    files = write_trial(_frame(), _plan(**extra))
    assert_clean_failure(cli("validate", files.data, "--plan", files.plan), sentence)


def test_comparison_must_be_a_treatment_arm(cli, write_trial) -> None:
    hyps = [{"outcome": "ders", "visit": "21", "comparison": "Online DBTT"}]
    files = write_trial(plan=_plan(multiplicity={"procedure": "holm", "hypotheses": hyps}))
    assert_clean_failure(
        cli("validate", files.data, "--plan", files.plan),
        "Key 'multiplicity.hypotheses[1].comparison' is 'Online DBTT', which is not an arm "
        "compared with the control in column 'arm' of trial.csv (arms: 'Online DBT').",
    )


def test_weights_with_holm_are_refused(cli, write_trial) -> None:
    plan = _graph_plan([0.5, 0.5, 0], [[0, 1, 0], [0, 0, 1], [1, 0, 0]])
    plan["multiplicity"]["procedure"] = "holm"
    files = write_trial(plan=plan)
    assert_clean_failure(
        cli("validate", files.data, "--plan", files.plan),
        "'multiplicity.weights' is for procedure 'graphical'; 'multiplicity.procedure' is 'holm'.",
    )


def _analyze(cli, files, tmp_path: Path) -> dict:
    out = tmp_path / "r.json"
    result = cli("analyze", files.data, "--plan", files.plan, "--json", out)
    assert result.exit_code == 0, result.output
    return {"json": json.loads(out.read_text()), "output": result.output}


def test_binary_long_and_wide_agree_with_the_engine(cli, write_trial, tmp_path: Path) -> None:
    df = _frame()
    hyps = [
        {"name": "P", "outcome": "ders", "visit": "21"},
        {"name": "R", "outcome": "resp_yes", "visit": "21"},
    ]
    mult = {"procedure": "holm", "alpha": 0.05, "hypotheses": hyps}
    long_run = _analyze(cli, write_trial(df, _plan(responders=[RESP], multiplicity=mult)), tmp_path)
    # the same trial in the wide layout: one yes/no column per visit
    wide = wide_frame(df)
    for v in VISITS:
        wide[f"resp_{v}"] = df[df["week"] == v].set_index("pid").loc[wide["pid"], "resp"].values
    wresp = {**RESP, "columns": [f"resp_{v}" for v in VISITS]}
    del wresp["column"]
    wplan = plan_dict("wide")
    wplan.update(responders=[wresp], multiplicity=mult)
    wide_run = _analyze(cli, write_trial(wide, wplan), tmp_path)

    ref = fit_responder(
        df[df["week"] != 0],
        outcome="resp",
        arm="arm",
        control=CONTROL,
        visit="week",
        subject="pid",
        covariates=["age"],
    )
    for run in (long_run, wide_run):
        (ra,) = run["json"]["responders"]
        got = pd.DataFrame(ra["effects"])
        want = ref.effects
        np.testing.assert_allclose(got["estimate"], want["estimate"], rtol=1e-12)
        np.testing.assert_allclose(got["p_value"], want["p_value"], rtol=1e-12)
        assert [c["n_responders"] for c in ra["counts"]] == list(ref.counts["n_responders"])
        m = run["json"]["multiplicity"]
        p = [h["p_value"] for h in m["hypotheses"]]
        holm = adjust_multiplicity(p, "holm", hypotheses=["P", "R"])
        assert [h["adjusted_p"] for h in m["hypotheses"]] == list(holm.table["adjusted_p"])
        assert m["graph"] is None
    assert long_run["json"]["multiplicity"] == wide_run["json"]["multiplicity"]
    assert "binary column resp (1/yes = responder)" in long_run["output"]


def test_hypothesis_without_estimate_is_kept_with_p_1(cli, write_trial, tmp_path: Path) -> None:
    df = _frame()
    df.loc[(df["week"] == 21) & (df["arm"] == CONTROL), "resp"] = "no"  # no control responder
    hyps = [
        {"name": "P", "outcome": "ders", "visit": "21"},
        {"name": "R", "outcome": "resp_yes", "visit": "21"},
    ]
    mult = {"procedure": "fixed-sequence", "hypotheses": list(reversed(hyps))}
    run = _analyze(cli, write_trial(df, _plan(responders=[RESP], multiplicity=mult)), tmp_path)
    m = run["json"]["multiplicity"]
    r = next(h for h in m["hypotheses"] if h["hypothesis"] == "R")
    assert r["p_value"] is None and r["adjusted_p"] == 1.0 and r["rejected"] is False
    assert "arm Treatment as usual has no responders (0/" in r["note"]
    p = next(h for h in m["hypotheses"] if h["hypothesis"] == "P")
    assert p["adjusted_p"] == 1.0  # fixed sequence: R first, so P cannot be tested after it
    out = " ".join(run["output"].split())
    assert "R: no adjusted estimate at visit 21" in out
    assert "kept in the family with p = 1 (cannot be rejected)" in out
    assert "Decision: no hypothesis rejected at alpha = 0.05." in out
    # a plan with visit labels names the visit by its label, as the rest of the report does
    plan = _plan(responders=[RESP], multiplicity=mult)
    plan["visits"] = {**plan["visits"], "labels": ["Baseline", "Week 9", "Week 21"]}
    labelled = _analyze(cli, write_trial(df, plan), tmp_path)
    note = next(h for h in labelled["json"]["multiplicity"]["hypotheses"] if h["hypothesis"] == "R")
    assert note["note"].startswith("no adjusted estimate at Week 21: ")


def test_responder_tables_have_a_column_per_arm_and_comparison() -> None:
    """Three arms (beeca reference data, tests/reference/beeca/simulated.csv): the builder
    shows each arm's counts and each comparison with the control, as the engine gives them."""
    from dataclasses import replace
    from types import SimpleNamespace

    from trialkit.analysis.responders import ResponderAnalysis
    from trialkit.plan.loader import load_plan
    from trialkit.report.build_responders import counts_table, effects_table
    from trialkit.report.document import cell_text
    from trialkit.specs.responder import ResponderOutcomeSpec

    root = Path(__file__).resolve().parent
    sim = pd.read_csv(root / "reference" / "beeca" / "simulated.csv")
    res = fit_responder(
        sim,
        outcome="AVAL",
        arm="ARM",
        control="Placebo",
        visit="AVISIT",
        subject="USUBJID",
        covariates=["BASE"],
        responder="change <= -10",
        baseline="BASE",
    )
    spec = ResponderOutcomeSpec(name="r", visits=res.visits)
    ra = ResponderAnalysis(spec, "R", "change <= -10", res)
    plan = load_plan(root / "data" / "respplan" / "dbt_responders.toml")
    plan = replace(plan, visits=replace(plan.visits, labels=()))  # visits shown as in the data
    analysis = SimpleNamespace(trial=SimpleNamespace(plan=plan), multiplicity=None)
    counts = counts_table(analysis, ra, "95% CI")  # type: ignore[arg-type]
    heads = [c.header for c in counts.columns]
    assert res.arms[0] == "Placebo" and set(res.arms[1:]) == {"Low", "High"}
    assert heads[1:4] == [f"{a}\nresponders (%)" for a in res.arms]
    assert heads[4:] == [f"{a} vs Placebo\nunadjusted RD (95% CI)" for a in res.arms[1:]]
    first = res.counts[res.counts["visit"] == res.visits[0]].set_index("arm")
    n = first.loc["High"]
    assert cell_text(counts.rows[0][1 + res.arms.index("High")]) == (
        f"{n['n_responders']}/{n['n_with_data']} ({n['percent']:.1f}%)"
    )
    effects = effects_table(analysis, ra, "95% CI")  # type: ignore[arg-type]
    assert [c.header for c in effects.columns][:2] == ["Visit", "Comparison"]
    assert len(effects.rows) == len(res.effects)
    assert {cell_text(r[1]) for r in effects.rows} == {"Low vs Placebo", "High vs Placebo"}
