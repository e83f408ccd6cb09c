"""``[[published]]`` entries naming the model, comparison and quantity: the CDISC pilot.

Source of the published figures: the pilot's Table 14-3.01 as printed
(tests/reference/adam_pilot/published.json and PROVENANCE.md: R Submission Pilot 1,
``output/tlf-primary.rtf``), entered in ``sample_data/adam_pilot/plan.toml``. The figures
agree when trialkit's ANCOVA rounded to the printed decimals prints them exactly (the
engine itself is checked against R in tests/test_adam_pilot_table.py).
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import jsonschema

from tests.conftest import assert_clean_failure
from trialkit.plan.loader import load_plan
from trialkit.plan.schema import Published
from trialkit.report.json_report import load_schema

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "adam_pilot"
PUBLISHED = json.loads((ROOT / "tests/reference/adam_pilot/published.json").read_text())
COMPARISONS = [d["comparison"] for d in PUBLISHED["differences"]]


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def _copy_pilot(tmp: Path, plan_text: str) -> Path:
    """The pilot's data files with ``plan_text`` as their plan, in ``tmp``."""
    for name in ("adsl.xpt", "adqsadas.xpt"):
        shutil.copy(SAMPLE / name, tmp / name)
    (tmp / "plan.toml").write_text(plan_text, encoding="utf-8")
    return tmp / "plan.toml"


def test_plan_holds_the_published_table() -> None:
    """The plan's entries are Table 14-3.01's model rows with the decimals printed."""
    pubs = load_plan(SAMPLE / "plan.toml").published
    diffs = [p for p in pubs if p.quantity == "difference"]
    assert [p.comparison for p in diffs] == COMPARISONS
    for p, ref in zip(diffs, PUBLISHED["differences"], strict=True):
        assert (p.model, p.outcome, p.visit) == ("ancova", "ACTOT", "Week 24")
        assert p.difference == float(ref["estimate"])
        assert p.ci == tuple(float(x) for x in ref["ci"])
        assert p.p == float(ref["p"])
        assert p.digits == _decimals(ref["estimate"]) == _decimals(ref["ci"][0])
        assert p.p_digits == _decimals(ref["p"])
    (trend,) = [p for p in pubs if p.quantity == "trend"]
    assert (trend.model, trend.comparison, trend.difference) == ("ancova", None, None)
    assert trend.p == float(PUBLISHED["dose_response_p"])
    assert trend.p_digits == _decimals(PUBLISHED["dose_response_p"])


def test_analyze_pilot_agrees_with_every_published_figure(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "pilot.json"
    result = cli("analyze", "--plan", SAMPLE / "plan.toml", "--json", out)
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    schema = jsonschema.Draft202012Validator(load_schema())
    assert [e.message for e in schema.iter_errors(doc)] == []
    rep = doc["replication"]
    assert [(r["model"], r["quantity"], r["comparison"]) for r in rep] == [
        *(("ancova", "difference", c) for c in COMPARISONS),
        ("ancova", "trend", ""),
    ]
    assert all(r["agrees"] is True for r in rep), rep
    assert [r["published_estimate"] for r in rep[:3]] == [
        float(d["estimate"]) for d in PUBLISHED["differences"]
    ]
    # trialkit's ANCOVA rows of the same report are the ones compared
    ancova = {
        d["comparison"]: d
        for d in doc["outcomes"][0]["ancova"]["differences"]
        if d["visit"] == "Week 24"
    }
    for r in rep[:3]:
        assert r["estimate"] == ancova[r["comparison"]]["estimate"]
        assert r["p_value"] == ancova[r["comparison"]]["p_value"]
    (trend,) = [t for t in doc["outcomes"][0]["ancova"]["trend"] if t["visit"] == "Week 24"]
    assert rep[3]["p_value"] == trend["p_value"]
    note = doc["replication_note"]
    assert note.startswith("4 of 4 published figures agree. These are real published figures")
    text = " ".join(result.output.split())
    assert "4 of 4 published figures agree. These are real published figures" in text
    assert "ANCOVA: Xanomeline High Dose - Xanomeline Low Dose" in result.output
    assert "ANCOVA: dose-response trend" in result.output
    assert "(-2.7 to 0.7)" in result.output  # the published CI with the decimals printed


def test_a_wrong_published_value_disagrees(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """0.65051 prints as 0.7 (the pilot); FDA's re-run printed 0.6, which must disagree; and
    a wrong trend p (0.254 for 0.245) too."""
    text = (SAMPLE / "plan.toml").read_text(encoding="utf-8")
    assert text.count("ci = [-2.7, 0.7]") == 1 and text.count("p = 0.245") == 1
    text = text.replace("ci = [-2.7, 0.7]", "ci = [-2.7, 0.6]").replace("p = 0.245", "p = 0.254")
    plan = _copy_pilot(tmp_path, text)
    out = tmp_path / "wrong.json"
    result = cli("analyze", "--plan", plan, "--json", out)
    assert result.exit_code == 0, result.output
    rep = json.loads(out.read_text(encoding="utf-8"))["replication"]
    assert [r["agrees"] for r in rep] == [True, False, True, False]
    assert rep[1]["reason"] == "difference or CI prints differently at 1 decimals"
    assert rep[3]["reason"] == "p-value prints differently at 3 decimals"
    assert "2 of 4 published figures agree." in " ".join(result.output.split())


def test_karm_entry_without_comparison_fails_validation(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = (SAMPLE / "plan.toml").read_text(encoding="utf-8")
    text = text.replace('comparison = "Xanomeline Low Dose - Placebo"\n', "", 1)
    plan = _copy_pilot(tmp_path, text)
    result = cli("validate", "--plan", plan)
    assert_clean_failure(
        result,
        "published[1].comparison",
        "is missing; this trial has 3 comparisons: name one of "
        + ", ".join(f"'{c}'" for c in COMPARISONS),
    )


def test_unknown_comparison_and_trend_without_p_fail_validation(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = (SAMPLE / "plan.toml").read_text(encoding="utf-8")
    text = text.replace('"Xanomeline Low Dose - Placebo"', '"Xanomeline Low Dose - Plcebo"', 1)
    text = text.replace("p = 0.245\n", "")
    plan = _copy_pilot(tmp_path, text)
    result = cli("validate", "--plan", plan)
    assert_clean_failure(
        result,
        "Key 'published[1].comparison' is 'Xanomeline Low Dose - Plcebo', which is none of",
        "did you mean 'Xanomeline Low Dose - Placebo'?",
        "Key 'published[4].p' is required with quantity = \"trend\".",
    )


def test_two_arm_entries_default_to_the_only_comparison(sample_analysis) -> None:  # type: ignore[no-untyped-def]
    """A two-arm entry without a comparison is checked against the only comparison of the
    model it names: the sample trial's ANCOVA and MMRM differences at week 9, printed to two
    decimals, each agree with their own model only. The sample's six MMRM entries need no
    extra columns (its report is unchanged)."""
    from trialkit.analysis.replication import extended, printed, replication_table

    plan = sample_analysis.trial.plan
    assert not extended(plan)
    assert "model" not in sample_analysis.replication.columns
    oa = sample_analysis.outcome("ders")
    fits = {"mmrm": oa.mmrm.differences, "ancova": oa.ancova.differences}
    week9 = {m: d[d["visit"] == "9"].iloc[0] for m, d in fits.items()}
    assert printed(week9["mmrm"]["estimate"], 2) != printed(week9["ancova"]["estimate"], 2)
    entries = tuple(
        Published(
            "ders",
            "9",
            difference=float(printed(week9[m]["estimate"], 2)),
            model=m,  # type: ignore[arg-type]
            digits=2,
        )
        for m in ("ancova", "mmrm")
    )
    swapped = tuple(
        dataclasses.replace(e, model=o) for e, o in zip(entries, ("mmrm", "ancova"), strict=True)
    )
    rep = replication_table(
        dataclasses.replace(plan, published=entries + swapped),
        {"ders": oa.mmrm},
        ancova_fits={"ders": oa.ancova},
    )
    label = f"{plan.arms.treatment} - {plan.arms.control}"
    assert list(rep["comparison"]) == [week9["ancova"]["comparison"]] * 4 == [label] * 4
    assert list(rep["agrees"]) == [True, True, False, False]
