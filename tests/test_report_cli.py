"""``trialkit analyze``: the terminal report's sections in order, every output file, clean
failures. Run through typer's CliRunner (the installed console script calls the same app)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pandas as pd
import pytest
from typer.testing import CliRunner

from trialkit.cli.app import _register, app
from trialkit.data.bundled import sample_plan
from trialkit.report.json_report import load_schema

SECTION_ORDER = (
    "Online DBT for chronic pain (SYNTHETIC sample data)",  # 1. header
    "CONSORT flow",  # 2.
    "Baseline characteristics",  # 3.
    "Adherence",  # 4.
    "Attrition",  # 5.
    "Emotion dysregulation (DERS-18, 18-90): Week 9",  # 6. primary first
    "Pain intensity (NRS, 0-10): Week 9",
    "Well-being (WHO-5 percentage, 0-100): Week 21",
    "Summary of all outcomes",  # 7.
    "Notes",  # 8. footnotes
    "Degrees of freedom: Kenward-Roger (linear).",
    "Replication check",
    "Cross-checks",
)


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    _register()
    return CliRunner()


@pytest.fixture(scope="module")
def full_run(runner: CliRunner, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("analyze")
    args = [
        "analyze",
        "--html",
        str(out / "report.html"),
        "--markdown",
        str(out / "report.md"),
        "--json",
        str(out / "report.json"),
        "--csv-dir",
        str(out / "csv"),
        "--figures-dir",
        str(out / "figures"),
        "--effects",
        str(out / "effects.csv"),
    ]
    return runner.invoke(app, args), out


def test_no_arguments_prints_the_sample_report(runner: CliRunner) -> None:
    result = runner.invoke(app, ["analyze"])
    assert result.exit_code == 0, result.output
    text = result.stdout
    positions = [text.index(s) for s in SECTION_ORDER]
    assert positions == sorted(positions)
    # All six published figures are in the replication table, each flagged.
    assert "6 of 6 published figures agree." in text
    assert "Flow, baseline table, adherence and model counts agree." in text


def test_every_output_is_written(full_run) -> None:
    result, out = full_run
    assert result.exit_code == 0, result.output
    for name in ("report.html", "report.md", "report.json", "effects.csv"):
        assert (out / name).stat().st_size > 0
        assert f"{out / name}" in result.stderr
    doc = json.loads((out / "report.json").read_text())
    jsonschema.validate(doc, load_schema())
    for f in ("trajectories", "forest", "consort"):
        assert (out / "figures" / f"{f}.png").is_file() and (out / "figures" / f"{f}.svg").is_file()


def test_csv_tables_hold_the_json_numbers(full_run) -> None:
    _, out = full_run
    doc = json.loads((out / "report.json").read_text())
    results = pd.read_csv(out / "csv" / "results.csv", dtype={"visit": str})
    rows = [r for o in doc["outcomes"] for r in o["results"]]
    assert len(results) == len(rows)
    for col in ("estimate", "ci_lower", "p_value", "d", "ancova_estimate", "lsmean_se_control"):
        expected = pd.Series([r[col] for r in rows], dtype=float)
        # CSV floats are written with 17 significant digits: they round-trip exactly.
        pd.testing.assert_series_equal(results[col], expected, check_names=False)
    rep = pd.read_csv(out / "csv" / "replication.csv")
    assert len(rep) == 6 and rep["agrees"].all()
    for name in ("summary", "models", "consort", "baseline", "attrition_by_visit", "excluded"):
        assert (out / "csv" / f"{name}.csv").is_file()


def test_markdown_links_the_figures(full_run) -> None:
    _, out = full_run
    md = (out / "report.md").read_text()
    for name in ("consort", "trajectories", "forest"):
        assert f"](figures/{name}.png)" in md


def test_effects_file_for_meta(full_run) -> None:
    _, out = full_run
    eff = pd.read_csv(out / "effects.csv", dtype={"visit": str})
    doc = json.loads((out / "report.json").read_text())
    assert list(eff.columns) == [
        "study", "outcome", "comparison", "visit", "measure", "yi", "se", "n1", "n2",
    ]  # fmt: skip
    assert set(eff["measure"]) == {"MD"}
    assert eff["yi"].tolist() == [e["yi"] for e in doc["effects"]]
    assert eff["n1"].tolist() == [e["n1"] for e in doc["effects"]]


def test_progress_stays_off_stdout(full_run) -> None:
    result, _ = full_run
    assert "MMRM and ANCOVA:" not in result.stdout
    assert "Writing the" not in result.stdout


def test_data_without_plan_fails_cleanly(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["analyze", str(tmp_path / "x.csv")])
    assert result.exit_code == 2
    assert "Give the analysis plan" in result.output
    assert "Traceback" not in result.output


def test_unwritable_output_fails_cleanly(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "missing-dir" / "report.html"
    result = runner.invoke(app, ["analyze", "--plan", str(sample_plan()), "--html", str(target)])
    assert result.exit_code == 2
    assert "Cannot write the HTML report to" in result.output
    assert "Traceback" not in result.output
