"""``trialkit consort | baseline | attrition | adherence`` end to end (in-process CLI)."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import assert_clean_failure

REF = Path(__file__).parent / "reference" / "summaries"
HANDMADE = REF / "handmade.toml"


def test_consort_default_sample_with_files(cli, tmp_path):
    svg, png = tmp_path / "flow.svg", tmp_path / "flow.png"
    r = cli("consort", "--svg", svg, "--png", png)
    assert r.exit_code == 0, r.output
    for fragment in (
        "Assessed for eligibility (n = 264)",
        "Excluded (n = 175)",
        "Randomised (n = 89)",
        "Allocated to Standard care alone (n = 44)",
        "Allocated to Online DBT + standard care (n = 45)",
        "Week 9: assessed n = 39; not assessed n = 6",
        "Week 21: assessed n = 37; not assessed n = 7",
        "Flow, baseline table, adherence and model counts agree.",
    ):
        assert fragment in r.output, fragment
    assert svg.read_text().count("Randomised (n = 89)") == 1
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_consort_handmade_assessed_by_any(cli):
    r = cli("consort", REF / "handmade_long.csv", "--plan", HANDMADE, "--assessed-by", "any")
    assert r.exit_code == 0, r.output
    assert "Assessed = outcome 'any' observed at the visit; the primary time point" in r.output
    assert "Withdrew: Moved away (n = 1)" in r.output


def test_baseline_cli(cli):
    r = cli("baseline")
    assert r.exit_code == 0, r.output
    assert re.search(r"Woman\s*│\s*39 \(88\.6%\)\s*│\s*35 \(77\.8%\)\s*│\s*74 \(83\.1%\)", r.output)
    assert "median [IQR]" in r.output  # pain duration is listed in median_iqr
    assert "│ p " not in r.output
    r = cli("baseline", "--plan", HANDMADE, "--p-values")
    assert r.exit_code == 0, r.output
    # sex: Fisher's exact p = 1 (R fisher.test, tests/reference/summaries).
    assert re.search(r"sex, n \(%\).*│\s*0\.32\s*│\s*1\.000", r.output)
    assert re.search(r"missing\s*│\s*1\s*│\s*0\s*│\s*1", r.output)


def test_adherence_cli(cli):
    r = cli("adherence")
    assert r.exit_code == 0, r.output
    assert re.search(r"Attended >= 7 of 8\s*│\s*34/42 \(81\.0%\)", r.output)
    assert re.search(r"of those randomised\s*│\s*34/45 \(75\.6%\)", r.output)


def test_attrition_cli(cli):
    r = cli("attrition", "--plan", HANDMADE)
    assert r.exit_code == 0, r.output
    assert re.search(
        r"Usual care\s*│\s*3/5 \(60\.0%\)\s*│\s*4/5 \(80\.0%\)\s*│\s*3/5 \(60\.0%\)", r.output
    )
    assert re.search(r"Usual care\s*│\s*\.\.\.\s*│\s*None observed\s*│\s*1", r.output)
    assert "Completers vs non-completers" in r.output


def test_clean_failures(cli, tmp_path):
    assert_clean_failure(cli("consort", REF / "handmade_long.csv"), "--plan")
    assert_clean_failure(
        cli("attrition", "--plan", HANDMADE, "--assessed-by", "nope"),
        "Cannot define 'assessed' by outcome 'nope'",
    )
    plan = tmp_path / "noadh.toml"
    text = HANDMADE.read_text()
    start, end = text.index("[adherence]"), text.index("[disposition]")
    plan.write_text(text[:start] + text[end:])
    (tmp_path / "handmade_long.csv").write_bytes((REF / "handmade_long.csv").read_bytes())
    assert_clean_failure(cli("adherence", "--plan", plan), "The plan has no [adherence] section.")
