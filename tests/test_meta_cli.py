"""``trialkit meta`` end to end: worked example, analyze-export input, files and bad input.

Expected pooled numbers come from tests/reference/metafor/metafor_reference.json (R metafor
3.8-1, see that directory's README); bad-input cases check the one-sentence error contract.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import assert_clean_failure

import trialkit
from trialkit.report.meta_files import SCHEMA_VERSION

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "sample_data" / "meta_example" / "stroke_units_normand1999.csv"
REF = json.loads((ROOT / "tests" / "reference" / "metafor" / "metafor_reference.json").read_text())
WORKED = next(s for s in REF["subgroups"] if s["dataset"] == "normand1999_revman5")
RTOL = 1e-6  # closed-form DL quantities


def test_worked_example_runs_with_revman5_preset(cli):
    r = cli("meta", EXAMPLE, "--preset", "revman5", "--subgroup", "setting")
    assert r.exit_code == 0, r.output
    assert "Preset revman5" in r.output
    total = WORKED["total"]
    pooled = f"{total['estimate']:.2f} [{total['ci_lower']:.2f}, {total['ci_upper']:.2f}]"
    assert "Total (IV, Random (DerSimonian-Laird), 95% CI)" in r.output
    assert pooled in r.output
    for name, est in zip(WORKED["groups"], WORKED["estimate"], strict=True):
        assert name in r.output
        assert f"{est:.2f}" in r.output
    assert f"Chi² = {WORKED['q_between']:.2f}, df = 1" in r.output
    assert "Used 9 studies" in r.output


def test_worked_example_numbers_match_r(tmp_path):
    from trialkit.meta.workflow import run_meta

    run = run_meta(EXAMPLE, preset="revman5", subgroup="setting")
    (item,) = run.items
    total = WORKED["total"]
    got = [
        item.result.estimate,
        item.result.ci_lower,
        item.result.ci_upper,
        item.result.p_value,
        item.result.i2,
    ]
    want = [total[k] for k in ("estimate", "ci_lower", "ci_upper", "p_value", "i2")]
    np.testing.assert_allclose(got, want, rtol=RTOL)
    table = item.subgroups.table().set_index("subgroup").loc[WORKED["groups"]]
    np.testing.assert_allclose(table["estimate"], WORKED["estimate"], rtol=RTOL)
    np.testing.assert_allclose(table["ci_lower"], WORKED["ci_lower"], rtol=RTOL)
    np.testing.assert_allclose(item.subgroups.q_between, WORKED["q_between"], rtol=RTOL)
    np.testing.assert_allclose(item.subgroups.p_value, WORKED["q_between_p"], rtol=RTOL)


def test_console_script_subprocess():
    r = subprocess.run(
        [
            sys.executable,
            "-c",
            "from trialkit.cli.app import main; main()",
            "meta",
            str(EXAMPLE),
            "--preset",
            "revman5",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"COLUMNS": "200", "PATH": ""},
    )
    assert r.returncode == 0, r.stderr
    assert "Test for overall effect: Z =" in r.stdout


def test_outputs_json_csv_markdown_figures(cli, tmp_path):
    j, c, m, figs = tmp_path / "m.json", tmp_path / "m.csv", tmp_path / "m.md", tmp_path / "figs"
    r = cli(
        "meta",
        EXAMPLE,
        "--preset",
        "revman-web",
        "--subgroup",
        "setting",
        "--flag-outliers",
        "--json",
        j,
        "--csv",
        c,
        "--markdown",
        m,
        "--figures-dir",
        figs,
    )
    assert r.exit_code == 0, r.output
    assert "Preset revman-web" in r.output
    assert "Random (REML, HKSJ)" in r.output
    data = json.loads(j.read_text())
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["options"]["method"] == "REML" and data["options"]["hksj"] is True
    res = data["analyses"][0]["result"]
    assert res["statistic_name"] == "t" and res["df"] == 8
    assert len(res["studies"]) == 9
    assert data["analyses"][0]["subgroups"]["test_for_subgroup_differences"]["df"] == 1
    table = pd.read_csv(c)
    assert set(table["row_type"]) >= {"study", "pooled", "subgroup"}
    assert (table["row_type"] == "study").sum() == 9
    md = m.read_text()
    assert md.startswith("# Meta-analysis of")
    # The Markdown renderer of the meta-analysis document (only what Markdown would read
    # as syntax is escaped).
    assert "| Comparison | # Studies | SMD [95% CI] | p | I² |" in md
    pooled = data["analyses"][0]["result"]
    ci = f"{pooled['estimate']:.2f} [{pooled['ci_lower']:.2f}, {pooled['ci_upper']:.2f}]"
    assert ci in md
    names = sorted(p.name for p in figs.iterdir())
    assert names == ["forest_meta.png", "forest_meta.svg", "funnel_meta.png", "funnel_meta.svg"]
    assert (figs / "forest_meta.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in (figs / "forest_meta.svg").read_text()


def test_exclude_gives_sensitivity_analysis(cli):
    from trialkit.meta import meta_analysis

    data = pd.read_csv(EXAMPLE)
    r = cli(
        "meta",
        EXAMPLE,
        "--preset",
        "revman5",
        "--exclude",
        "3 Orpington-Moderate",
        "--exclude",
        "4 Orpington-Severe",
    )
    assert r.exit_code == 0, r.output
    assert "Sensitivity analysis" in r.output
    sens = meta_analysis(data.iloc[[0, 1, 4, 5, 6, 7, 8]], preset="revman5")
    assert f"{sens.estimate:.2f} [{sens.ci_lower:.2f}, {sens.ci_upper:.2f}]" in r.output


def test_analyze_export_is_pooled_per_outcome_and_visit(cli, tmp_path):
    gen = pd.read_csv(ROOT / "tests" / "reference" / "metafor" / "data" / "bangertdrowns2004.csv")
    rows = []
    for outcome in ("pain", "depression"):
        for visit in ("week 12", "week 24"):
            part = gen.iloc[:6] if outcome == "pain" else gen.iloc[6:12]
            rows.append(part.assign(outcome=outcome, visit=visit, n1=30, n2=31))
    export = pd.concat(rows)[["study", "outcome", "visit", "yi", "se", "n1", "n2"]]
    path = tmp_path / "analyze_effects.csv"
    export.to_csv(path, index=False)
    r = cli("meta", path, "--measure", "MD", "--method", "REML")
    assert r.exit_code == 0, r.output
    for label in ("pain · week 12", "pain · week 24", "depression · week 12"):
        assert label in r.output
    from trialkit.meta import meta_analysis

    pain = meta_analysis(gen.iloc[:6][["study", "yi", "se"]], measure="MD", method="REML")
    assert f"{pain.estimate:.2f} [{pain.ci_lower:.2f}, {pain.ci_upper:.2f}]" in r.output
    r2 = cli("meta", path, "--measure", "generic")
    assert r2.exit_code == 0, r2.output


def test_excel_input(cli, tmp_path):
    path = tmp_path / "studies.xlsx"
    pd.read_csv(EXAMPLE).to_excel(path, index=False)
    r = cli("meta", path, "--measure", "MD", "--method", "FE")
    assert r.exit_code == 0, r.output
    assert "Total (IV, Fixed, 95% CI)" in r.output


def test_lazy_top_level_export():
    assert trialkit.meta_analysis is trialkit.meta.meta_analysis


def _write(tmp_path: Path, frame: pd.DataFrame) -> Path:
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("change", "fragments"),
    [
        (lambda d: d.drop(columns=["sd2"]), ["lacks column(s) 'sd2'", "SMD"]),
        (
            lambda d: d.assign(sd1=d["sd1"].where(d.index != 2, -4)),
            ["Column 'sd1' must be positive", "row 4 of 'bad.csv'"],
        ),
        (
            lambda d: d.assign(n2=d["n2"].where(d.index != 0, 1)),
            ["Column 'n2' must be at least 2", "row 2 of 'bad.csv'"],
        ),
        (
            lambda d: d.assign(m1=d["m1"].astype(object).where(d.index != 5, "n/a")),
            ["Column 'm1'", "row 7 of 'bad.csv'", "'n/a', which is not a number"],
        ),
        (
            lambda d: d.assign(m2=d["m2"].where(d.index != 1, np.nan)),
            ["Column 'm2' is empty in row 3"],
        ),
        (lambda d: d.drop(columns=["study"]), ["lacks the column 'study'"]),
    ],
    ids=["missing-column", "negative-sd", "n-below-2", "non-numeric", "empty-cell", "no-study"],
)
def test_bad_input_one_sentence_exit_2(cli, tmp_path, change, fragments):
    path = _write(tmp_path, change(pd.read_csv(EXAMPLE)))
    r = cli("meta", path)
    assert_clean_failure(r, *fragments)
    assert r.output.count("Error:") == 1


def test_bad_options_exit_2(cli, tmp_path):
    assert_clean_failure(cli("meta", tmp_path / "nope.csv"), "does not exist")
    assert_clean_failure(cli("meta", EXAMPLE, "--method", "ML"), "Method must be one of")
    assert_clean_failure(cli("meta", EXAMPLE, "--preset", "revman6"), "Unknown preset")
    assert_clean_failure(cli("meta", EXAMPLE, "--smd-variance", "x"), "SMD variance must be")
    assert_clean_failure(cli("meta", EXAMPLE, "--subgroup", "nope"), "no subgroup column")
    assert_clean_failure(cli("meta", EXAMPLE, "--exclude", "Nowhere 2001"), "Cannot exclude")
    assert_clean_failure(cli("meta", EXAMPLE, "--measure", "OR"), "Measure must be one of")


def test_prepost_measure_states_correlation(cli):
    morris = ROOT / "tests" / "reference" / "metafor" / "data" / "morris2008.csv"
    ref = next(
        a
        for a in REF["analyses"]
        if a["dataset"] == "morris2008"
        and a["measure"] == "SMCR"
        and a["method"] == "DL"
        and not a["hksj"]
    )
    r = cli("meta", morris, "--measure", "SMCR", "--method", "DL", "--prepost-r", "0.6")
    assert r.exit_code == 0, r.output
    assert "Pre-post correlation: 5 studies give r; 0 use the assumed r = 0.6." in r.output
    assert "SMC (raw-score standardised)" in r.output
    assert f"{ref['estimate']:.2f} [{ref['ci_lower']:.2f}, {ref['ci_upper']:.2f}]" in r.output


def test_html_output_is_the_meta_document(cli, tmp_path):
    # --html renders the same document as the terminal, JSON and Markdown outputs.
    page, j = tmp_path / "m.html", tmp_path / "m.json"
    r = cli("meta", "--example", "--preset", "revman5", "--html", page, "--json", j)
    assert r.exit_code == 0, r.output
    html = page.read_text()
    res = json.loads(j.read_text())["analyses"][0]["result"]
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html
    assert f"{res['estimate']:.2f} [{res['ci_lower']:.2f}, {res['ci_upper']:.2f}]" in html
    assert "Influence diagnostics (leave-one-out)" in html


def test_thousand_study_tables_print_every_study_in_full(cli, tmp_path):
    """Above 200 rows the studies and influence tables are boxed text (fast), not rich tables;
    every study still gets its own unwrapped row with the numbers of the result."""
    rng = np.random.default_rng(20261207)
    k = 250
    se = rng.uniform(0.1, 0.5, k)
    studies = pd.DataFrame(
        {"study": [f"S{i:03d}" for i in range(k)], "yi": 0.3 + rng.normal(0, 0.3, k), "se": se}
    )
    path = tmp_path / "many.csv"
    studies.to_csv(path, index=False)
    r = cli("meta", path, "--measure", "generic", "--method", "REML")
    assert r.exit_code == 0, r.output
    res = trialkit.meta_analysis(studies, measure="generic", method="REML")
    table = res.studies
    inf, loo = res.influence(), res.leave_one_out()
    lines = r.output.splitlines()
    for i, name in enumerate(table["study"]):
        rows = [ln for ln in lines if ln.startswith(f"│ {name} ")]
        assert len(rows) == 2, name  # one in the studies table, one in the influence table
        s = table.iloc[i]
        assert f"{s['yi']:.2f} [{s['ci_lower']:.2f}, {s['ci_upper']:.2f}]" in rows[0]
        assert f"{s['weight']:.1f}%" in rows[0]
        lo = loo.iloc[i]
        assert f"{lo['estimate']:.2f} [{lo['ci_lower']:.2f}, {lo['ci_upper']:.2f}]" in rows[1]
        assert f"{inf.iloc[i]['cook_d']:.3f}" in rows[1]
        assert all(row.rstrip().endswith("│") for row in rows)
