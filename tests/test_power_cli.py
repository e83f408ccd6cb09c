"""``trialkit power``: flags, a TOML design file, --from-trial, and the written outputs.

Numbers shown are checked against the library (itself validated against R longpower,
tests/test_power_longpower.py).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import trialkit
from trialkit.data.bundled import sample_dir

CS = "1,.25,.25,.25;.25,1,.25,.25;.25,.25,1,.25;.25,.25,.25,1"


def test_flags_simple_case(cli) -> None:
    """longpower's man-page example: N = 173.98 (87 per arm rounded up), t-test 175.95."""
    r = cli(
        "power",
        "--delta",
        "0.5",
        "--power",
        "0.8",
        "--sd",
        "1",
        "--correlation",
        CS,
        "--retention",
        "1,.9,.8,.7",
    )
    assert r.exit_code == 0, r.output
    assert "173.98" in r.output and "175.95" in r.output
    assert "│ z-test (longpower)  │        87 │      87 │   174 │" in r.output


def test_flags_ar1_solve_power_one_sided(cli) -> None:
    r = cli(
        "power",
        "--n-total",
        "120",
        "--delta",
        "0.5",
        "--sd",
        "1",
        "--rho",
        "0.6",
        "--times",
        "0,2,4,8",
        "--retention",
        "1,.9,.8,.7",
        "--one-sided",
        "--alpha",
        "0.025",
    )
    assert r.exit_code == 0, r.output
    expected = trialkit.power_mmrm(
        n_total=120,
        delta=0.5,
        sd=1,
        rho=0.6,
        times=[0, 2, 4, 8],
        retention=[1, 0.9, 0.8, 0.7],
        alpha=0.025,
        alternative="one-sided",
    ).power
    assert f"{expected:.4f}" in r.output
    assert "0.025 (one-sided)" in r.output


def test_design_file_with_simulation_and_outputs(cli, tmp_path) -> None:
    design = tmp_path / "design.toml"
    design.write_text(
        "[design]\ndelta = 0.6\npower = 0.8\nsd = 1.0\nrho = 0.5\ntimes = [0, 1]\n"
        "retention = [1.0, 0.85]\n\n[simulation]\nn_total = [40, 60]\nn_sims = 6\nseed = 3\n"
    )
    out_json, out_html, figs = tmp_path / "p.json", tmp_path / "p.html", tmp_path / "figs"
    r = cli(
        "power",
        design,
        "--jobs",
        "1",
        "--json",
        out_json,
        "--html",
        out_html,
        "--figures-dir",
        figs,
    )
    assert r.exit_code == 0, r.output
    assert "Simulation: 6 trials per sample size (seed 3)" in r.output
    doc = json.loads(out_json.read_text())
    res = trialkit.power_mmrm(
        delta=0.6, power=0.8, sd=1.0, rho=0.5, times=[0, 1], retention=[1.0, 0.85]
    )
    assert doc["analytic"]["n_total"] == pytest.approx(res.n_total, rel=1e-12)
    assert [row["n_total"] for row in doc["simulation"]["results"]] == [40, 60]
    assert all(row["n_sims"] == 6 for row in doc["simulation"]["results"])
    html = out_html.read_text()
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html
    assert (figs / "power_curve.png").stat().st_size > 1000
    assert (figs / "power_curve.svg").read_text().lstrip().startswith("<?xml")


def test_output_may_not_overwrite_input(cli, tmp_path) -> None:
    design = tmp_path / "design.toml"
    design.write_text("[design]\ndelta = 0.6\npower = 0.8\nsd = 1.0\nrho = 0.5\ntimes = [0, 1]\n")
    r = cli("power", design, "--json", design)
    assert (
        r.exit_code == 2
        and "it is the input file design.toml, which would be overwritten" in r.output
    )


def test_from_trial_bundled_sample(cli) -> None:
    """--from-trial with no DATA/PLAN: the bundled sample's primary outcome; correlation, SD
    and retention from its fitted MMRM; delta defaults to the observed difference."""
    from trialkit.analysis.runner import analyze_outcomes
    from trialkit.data.bundled import trial_or_sample

    r = cli("power", "--from-trial")
    assert r.exit_code == 0, r.output
    trial = trial_or_sample(None, None)
    fit = analyze_outcomes(trial, (trial.plan.primary,))[0].mmrm
    observed = float(fit.differences["estimate"].iloc[-1])
    res = trialkit.power_mmrm(delta=observed, power=0.8, from_fit=fit)
    assert f"{res.n_total:.2f}" in r.output
    assert "observed final-visit difference" in r.output
    n_rounded = math.ceil(res.n_treatment) + math.ceil(res.n_control)
    assert f"{n_rounded}" in r.output


def test_from_trial_with_data_and_plan(cli) -> None:
    plan = sample_dir() / "dbt_long.toml"
    data = sample_dir() / "dbt_trial_long.csv"
    r = cli("power", "--from-trial", data, "--plan", plan, "--delta", "4", "--power", "0.9")
    assert r.exit_code == 0, r.output
    assert "Emotion dysregulation" in r.output and "0.9000" in r.output
    r = cli("power", "--from-trial", data, "--delta", "4", "--power", "0.9")
    assert r.exit_code == 2 and "--plan" in r.output


def test_simulation_with_reference_based_imputation(cli, tmp_path) -> None:
    """--assumption JR: every simulated trial is imputed under jump to reference after
    dropout; the table says so, the JSON records it, and no MAR analytic power is shown."""
    out_json = tmp_path / "p.json"
    r = cli(
        "power",
        "--delta",
        "0.8",
        "--power",
        "0.8",
        "--sd",
        "1",
        "--rho",
        "0.5",
        "--times",
        "0,1,2",
        "--retention",
        "1,0.8,0.7",
        "--grid",
        "40",
        "--n-sims",
        "4",
        "--seed",
        "5",
        "--assumption",
        "J2R",
        "--jobs",
        "1",
        "--json",
        out_json,
    )
    assert r.exit_code == 0, r.output
    assert "jump to reference after dropout" in " ".join(r.output.split())
    sim = json.loads(out_json.read_text())["simulation"]
    assert sim["analysis"]["assumption"] == "JR"
    assert sim["analysis"]["imputation"] == "condmean"
    row = sim["results"][0]
    assert row["n_analysed"] == 4 and row["analytic_power"] is None


def test_simulation_bad_assumption(cli) -> None:
    r = cli(
        "power",
        "--delta",
        "0.5",
        "--power",
        "0.8",
        "--sd",
        "1",
        "--rho",
        "0.5",
        "--times",
        "0,1",
        "--grid",
        "40",
        "--n-sims",
        "2",
        "--assumption",
        "J3R",
    )
    assert r.exit_code != 0
    assert "J3R" in r.output and "Traceback" not in r.output


def test_from_trial_with_three_arms_plans_one_comparison(cli) -> None:
    """A three-arm trial: --arm picks the comparison; correlation, SD, retention and the
    observed delta all come from that arm and the control (tests/data/three_arm)."""
    from three_arm_data import DATA, PLAN

    from trialkit.analysis.runner import analyze_outcomes
    from trialkit.data.bundled import trial_or_sample

    trial = trial_or_sample(DATA, PLAN)
    fit = analyze_outcomes(trial, (trial.plan.primary,))[0].mmrm
    diffs = fit.differences
    for arm in ("Low Dose", "High Dose"):
        args = ("--arm", arm) if arm == "High Dose" else ()
        r = cli("power", "--from-trial", DATA, "--plan", PLAN, *args)
        assert r.exit_code == 0, r.output
        label = f"{arm} - Placebo"
        observed = float(diffs.loc[diffs["comparison"] == label, "estimate"].iloc[-1])
        res = trialkit.power_mmrm(delta=observed, power=0.8, from_fit=fit, from_fit_arm=arm)
        assert f"{res.n_total:.2f}" in r.output
        assert f"comparison {label}" in " ".join(r.output.split())
        retention = fit.retention
        kept = retention.loc[retention["arm"] == arm, "retention"].to_numpy()
        assert np.array_equal(res.retention, kept)
    r = cli("power", "--from-trial", DATA, "--plan", PLAN, "--arm", "Medium Dose")
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert "--arm 'Medium Dose' is not a treatment arm" in r.output


def test_from_trial_never_writes_over_the_plans_data_file(cli, tmp_path) -> None:
    """--from-trial --plan PLAN (the data named by the plan): an output path that is that data
    file is refused in one sentence, and the file is unchanged."""
    import shutil

    for name in ("dbt_long.toml", "dbt_trial_long.csv"):
        shutil.copy(sample_dir() / name, tmp_path / name)
    data = tmp_path / "dbt_trial_long.csv"
    before = data.read_bytes()
    r = cli("power", "--from-trial", "--plan", tmp_path / "dbt_long.toml", "--json", data)
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert "Refusing to write the power report" in r.output
    assert "it is the input file dbt_trial_long.csv" in r.output
    assert data.read_bytes() == before
