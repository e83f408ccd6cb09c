"""The whole report of a SYNTHETIC three-arm trial (tests/data/three_arm/, seeded generator):
``trialkit analyze`` through its real entry point writes terminal, HTML, Markdown, JSON, CSV,
DOCX and RTF output with every arm and every comparison, and each renderer's output is
compared with a snapshot (tests/snapshots/three_arm_*; regenerate with
``TRIALKIT_UPDATE_SNAPSHOTS=1`` after an intended change, and read the diff).

The numbers in the report are copies: the k-arm MMRM and ANCOVA are validated against R in
the model tests (tests/reference/karm), the summaries in test_summaries_three_arm.py; here
the report's copies are compared with the result objects they come from.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
from pathlib import Path

import docx
import jsonschema
import pandas as pd
import pytest
from rich.console import Console
from test_report_snapshots import SNAPSHOTS, UPDATE, assert_close, check_text
from three_arm_data import ARMS, DATA, PLAN, raw, subjects, three_arm_trial
from typer.testing import CliRunner

from trialkit.analysis import TrialAnalysis, analyze_trial
from trialkit.cli.app import _register, app
from trialkit.report.build import build_document
from trialkit.report.consort_checklist import outcome_results
from trialkit.report.html import render_html
from trialkit.report.json_report import load_schema, render_json
from trialkit.report.markdown import render_markdown
from trialkit.report.rtf_report import RtfRenderer
from trialkit.report.terminal import render_report

COMPARISONS = ("Low Dose - Placebo", "High Dose - Placebo")
TREND = "Dose-response slope"


@pytest.fixture(scope="module")
def analysis() -> TrialAnalysis:
    return analyze_trial(three_arm_trial())


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, Path]:
    _register()
    out = tmp_path_factory.mktemp("three_arm")
    args = ["analyze", str(DATA), "--plan", str(PLAN)]
    for flag, name in (
        ("--html", "report.html"),
        ("--markdown", "report.md"),
        ("--json", "report.json"),
        ("--docx", "report.docx"),
        ("--rtf", "report.rtf"),
        ("--csv-dir", "csv"),
        ("--figures-dir", "figures"),
    ):
        args += [flag, str(out / name)]
    result = CliRunner().invoke(app, args)
    return result, out


def _docx_text(path: Path) -> str:
    """Every paragraph and table cell of a Word file, in order (tables row by row)."""
    d = docx.Document(str(path))
    lines = [p.text for p in d.paragraphs if p.text]
    for t in d.tables:
        lines += [" | ".join(c.text for c in row.cells) for row in t.rows]
    return "\n".join(lines) + "\n"


def test_cli_writes_every_format_with_every_arm_and_comparison(cli_run) -> None:  # type: ignore[no-untyped-def]
    result, out = cli_run
    assert result.exit_code == 0, result.output
    texts = {
        "terminal": result.output,
        "html": (out / "report.html").read_text("utf-8"),
        "markdown": (out / "report.md").read_text("utf-8"),
        "json": (out / "report.json").read_text("utf-8"),
        "rtf": (out / "report.rtf").read_text("ascii"),
        "docx": _docx_text(out / "report.docx"),
    }
    for kind, text in texts.items():
        for word in (*ARMS, *COMPARISONS, TREND):
            if kind == "json" and word == TREND:
                continue  # the JSON holds the trend as numbers (checked below)
            assert word in text, f"{word!r} missing from the {kind} output"
    for name in ("consort", "trajectories", "forest"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 0
    consort = (out / "figures" / "consort.svg").read_text("utf-8")
    assert all(f"Allocated to {arm} (n = 18)" in consort for arm in ARMS)
    results = pd.read_csv(out / "csv" / "results.csv")
    assert sorted(results["comparison"].unique()) == sorted(COMPARISONS)


def test_json_valid_and_copies_the_models(cli_run, analysis: TrialAnalysis) -> None:  # type: ignore[no-untyped-def]
    _, out = cli_run
    doc = json.loads((out / "report.json").read_text("utf-8"))
    validator = jsonschema.Draft202012Validator(load_schema())
    assert [f"{e.json_path}: {e.message}" for e in validator.iter_errors(doc)] == []
    assert [a["value"] for a in doc["trial"]["all_arms"]] == list(ARMS)
    assert [c["comparison"] for c in doc["trial"]["comparisons"]] == list(COMPARISONS)
    assert [len(c["arms"]) for c in [doc["consort"]]] == [3]
    for o, oa in zip(doc["outcomes"], analysis.outcomes, strict=True):
        m = oa.mmrm
        diffs = o["mmrm"]["differences"]
        assert [d["comparison"] for d in diffs] == m.differences["comparison"].tolist()
        assert [d["estimate"] for d in diffs] == m.differences["estimate"].tolist()
        assert [t["p_value"] for t in o["mmrm"]["trend"]] == m.trend["p_value"].tolist()
        assert [t["estimate"] for t in o["ancova"]["trend"]] == oa.ancova.trend["estimate"].tolist()
        summary = [r for r in doc["summary"] if r["outcome"] == oa.name]
        assert [r["comparison"] for r in summary] == m.differences["comparison"].tolist()
        rows = [r for r in o["results"] if not r["is_baseline"]]
        by = {(r["comparison"], r["visit"]): r for r in rows}
        for r in m.differences.itertuples():
            assert by[(r.comparison, r.visit)]["estimate"] == r.estimate
            assert by[(r.comparison, r.visit)]["ci_lower"] == r.ci_lower


def test_effects_export_counts_each_comparisons_arms(cli_run) -> None:  # type: ignore[no-untyped-def]
    """n1/n2 of each comparison are its two arms' subjects in the MMRM: those with an
    outcome observed after baseline (hand count from the data file)."""
    _, out = cli_run
    doc = json.loads((out / "report.json").read_text("utf-8"))
    d = raw()
    post = d[d["week"] > 0]
    arm = subjects()["arm"]
    for e in doc["effects"]:
        seen = post.groupby("subject")[e["outcome"]].apply(lambda x: x.notna().any())
        used = arm[seen].value_counts()
        a, b = e["comparison"].split(" - ")
        assert (e["n1"], e["n2"]) == (used[a], used[b])
    assert {e["comparison"] for e in doc["effects"]} == set(COMPARISONS)


def test_visit_table_row_groups(analysis: TrialAnalysis) -> None:
    """A column per arm with N; per model a row group per comparison (label indented one
    level, p and d two) and the trend; numbers copied from the models' frames."""
    doc = build_document(analysis)
    section = doc.section("outcome-score")
    table = [b for b in section.blocks if getattr(b, "title", "") == "Symptom score (0-60): Week 8"]
    (t,) = table
    assert [c.header for c in t.columns][1:4] == [f"{a}\n(N = 18)" for a in ARMS]
    labels = [(r[0].text, r[0].indent) for r in t.rows]
    mm = labels.index(("MMRM LS mean (SE)", 0))
    assert labels[mm + 1 : mm + 8] == [
        ("Low Dose - Placebo", 1),
        ("p", 2),
        ("Cohen's d", 2),
        ("High Dose - Placebo", 1),
        ("p", 2),
        ("Cohen's d", 2),
        ("Dose-response slope", 1),
    ]
    m = analysis.outcome("score").mmrm
    d = m.differences.set_index(["comparison", "visit"])
    assert t.rows[mm + 4][-1].value == d.loc[("High Dose - Placebo", "8"), "estimate"]
    assert t.rows[mm + 5][-1].value == d.loc[("High Dose - Placebo", "8"), "p_value"]
    lsm = m.lsmeans.astype({"arm": str, "visit": str}).set_index(["arm", "visit"])
    assert [c.value for c in t.rows[mm][1:4]] == [lsm.loc[(a, "8"), "estimate"] for a in ARMS]
    assert t.rows[mm + 7][-1].value == m.trend.set_index("visit").loc["8", "estimate"]


def _terminal(analysis: TrialAnalysis) -> str:
    console = Console(record=True, width=120, file=io.StringIO())
    render_report(analysis, console)
    return console.export_text()


def test_terminal_snapshot(analysis: TrialAnalysis) -> None:
    check_text("three_arm_terminal.txt", _terminal(analysis))


def test_markdown_snapshot(analysis: TrialAnalysis) -> None:
    check_text("three_arm.md", render_markdown(analysis))


def test_html_snapshot(analysis: TrialAnalysis) -> None:
    check_text("three_arm.html", render_html(analysis, figures={}))


def test_rtf_snapshot(analysis: TrialAnalysis) -> None:
    text = RtfRenderer(date=dt.date(2026, 1, 1)).render(build_document(analysis))
    check_text("three_arm.rtf", text)


def test_docx_snapshot(cli_run) -> None:  # type: ignore[no-untyped-def]
    _, out = cli_run
    check_text("three_arm_docx.txt", _docx_text(out / "report.docx"))


def test_json_snapshot(analysis: TrialAnalysis) -> None:
    text = render_json(analysis)
    path = SNAPSHOTS / "three_arm.json"
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    doc = json.loads(text)
    assert_close(doc, json.loads(path.read_text(encoding="utf-8")))


def test_checklist_item_26_counts_each_arm(analysis: TrialAnalysis) -> None:
    """Item 26: per arm the n with data at each visit (hand count with crosstab) and the n
    analysed by the MMRM; then one row per comparison with its difference."""
    res = outcome_results(analysis)
    d = raw()
    for outcome in ("score", "pain"):
        hand = pd.crosstab(d["arm"], [d["week"].astype(str), d[outcome].notna()])
        rows = res[(res["outcome"] == outcome) & res["arm"].notna()]
        for r in rows.itertuples():
            assert r.n_with_data == hand.at[r.arm, (r.visit, True)]
            assert r.n_analysed == analysis.outcome(outcome).mmrm.sample.n_subjects[r.arm]
        comps = res[(res["outcome"] == outcome) & res["arm"].isna()]
        m = analysis.outcome(outcome).mmrm
        order = m.differences.sort_values("visit", kind="stable")["comparison"].tolist()
        assert comps["comparison"].tolist() == order
        diffs = m.differences.set_index(["comparison", "visit"])
        for r in comps.itertuples():
            assert r.estimate == diffs.at[(r.comparison, r.visit), "estimate"]


def test_pairwise_comparisons_each_get_a_row_group() -> None:
    """With ``comparisons = "pairwise"`` every pair is a row group, in the models' order."""
    trial = three_arm_trial()
    plan = dataclasses.replace(
        trial.plan, arms=dataclasses.replace(trial.plan.arms, comparisons="pairwise")
    )
    analysis = analyze_trial(dataclasses.replace(trial, plan=plan))
    m = analysis.outcome("score").mmrm
    pairs = list(dict.fromkeys(m.differences["comparison"]))
    assert pairs == ["Low Dose - Placebo", "High Dose - Placebo", "High Dose - Low Dose"]
    doc = build_document(analysis)
    (t,) = [
        b
        for b in doc.section("outcome-score").blocks
        if getattr(b, "title", "") == "Symptom score (0-60): Week 4"
    ]
    groups = [r[0].text for r in t.rows if r[0].indent == 1 and r[0].text in pairs]
    assert groups == pairs * 2  # MMRM, then ANCOVA
    summary = doc.section("summary").blocks[0]
    assert [r[0].text for r in summary.rows if r[0].indent == 1] == pairs * 2  # two outcomes
