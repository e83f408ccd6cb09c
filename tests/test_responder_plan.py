"""`trialkit analyze` on a plan with responder outcomes and a graphical multiplicity procedure.

The plan (tests/data/respplan/dbt_responders.toml) is the sample trial's plan with a responder
derived from pain intensity (improvement of at least 2 points), one from DERS-18 (value at most
45) and a Bretz et al. (2009) graph over four week-21 hypotheses. It runs once through the CLI
entry point; every number is checked against R computed from the raw data
(tests/reference/respplan: beeca 0.2.0, Newcombe 1998, nlme::gls, graphicalMCP 0.2.5).
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from trialkit.inference.multiplicity import graphical_test
from trialkit.report.json_report import load_schema

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "tests" / "data" / "respplan" / "dbt_responders.toml"
REF = json.loads(
    (ROOT / "tests" / "reference" / "respplan" / "respplan_reference.json").read_text()
)

#: relative tolerances by kind of quantity (see tests/reference/respplan/PROVENANCE.md)
RESPONDER_REL = 1e-6  # beeca agreement: 4e-8 (Ge HC0 SE via IRLS), else 1e-12
NEWCOMBE_ABS = 1e-12
MMRM_ESTIMATE_REL = 1e-6
MMRM_SE_P_REL = 1e-4  # gls's optimum is 1.3e-5 (SE) / 8.8e-5 (p) away on a flat likelihood
GRAPH_REL = 1e-12  # graphicalMCP on the same p-values


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    from trialkit.cli.app import _register, app

    _register()
    out = tmp_path_factory.mktemp("respplan")
    args = ["analyze", "--plan", str(PLAN), "--json", str(out / "r.json")]
    args += ["--markdown", str(out / "r.md"), "--figures-dir", str(out / "fig")]
    args += ["--html", str(out / "r.html"), "--csv-dir", str(out / "csv")]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return {
        "output": result.output,
        "json": json.loads((out / "r.json").read_text()),
        "md": (out / "r.md").read_text(),
        "html": (out / "r.html").read_text(),
        "fig": out / "fig",
        "csv": out / "csv",
    }


def _rel(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


def test_responder_counts_and_newcombe_match_r(run: dict) -> None:
    for ra in run["json"]["responders"]:
        ref = REF["responders"][ra["name"]]
        assert ra["visits"] == ["9", "21"]
        for c in ra["counts"]:
            r = ref[c["visit"]]
            assert c["n_responders"] == r["n_responders"][c["arm"]]
            assert c["n_with_data"] == r["n_with_data"][c["arm"]]
        for u in ra["unadjusted"]:
            r = ref[u["visit"]]["unadjusted"]
            assert u["estimate"] == pytest.approx(r["estimate"], abs=NEWCOMBE_ABS)
            assert u["ci_lower"] == pytest.approx(r["lower"], abs=NEWCOMBE_ABS)
            assert u["ci_upper"] == pytest.approx(r["upper"], abs=NEWCOMBE_ABS)


def test_adjusted_effects_match_beeca(run: dict) -> None:
    by_name = {ra["name"]: ra for ra in run["json"]["responders"]}
    assert [e["measure"] for e in by_name["ders_low"]["effects"]][:2] == [
        "odds ratio",
        "risk difference",
    ]  # the plan's measures, in its order
    assert by_name["pain_response"]["variance"] == "Ye"
    assert by_name["ders_low"]["variance"] == "Ge (HC0)"
    n = 0
    for name, ra in by_name.items():
        for e in ra["effects"]:
            r = REF["responders"][name][e["visit"]]["effects"][e["measure"]]
            for k in ("estimate", "ci_lower", "ci_upper", "p_value"):
                assert _rel(e[k], r[k]) < RESPONDER_REL, (name, e["visit"], e["measure"], k)
                n += 1
    assert n == 4 * (2 * 3 + 2 * 2)


def test_mmrm_hypotheses_match_gls(run: dict) -> None:
    for o in run["json"]["outcomes"]:
        if o["name"] not in REF["mmrm"]:
            continue
        ref = REF["mmrm"][o["name"]]
        d = next(x for x in o["mmrm"]["differences"] if x["visit"] == "21")
        assert _rel(d["estimate"], ref["estimate"]) < MMRM_ESTIMATE_REL
        assert _rel(d["std_error"], ref["std_error"]) < MMRM_SE_P_REL
        assert d["df"] == ref["df"]
        assert _rel(d["p_value"], ref["p_value"]) < MMRM_SE_P_REL
        assert sum(o["mmrm"]["sample"]["n_observations"].values()) == ref["n_obs"]


def test_graph_decisions_match_graphicalmcp(run: dict) -> None:
    m = run["json"]["multiplicity"]
    g = REF["graph"]
    assert m["procedure"] == "graphical" and m["alpha"] == 0.05
    assert m["rejection_sequence"] == g["rejection_sequence"] == ["H1", "H3", "H2"]
    for h in m["hypotheses"]:
        name = h["hypothesis"]
        assert _rel(h["p_value"], g["p"][name]) < MMRM_SE_P_REL
        assert _rel(h["adjusted_p"], g["adjusted_p"][name]) < MMRM_SE_P_REL
        assert h["rejected"] is g["rejected"][name]
    assert [h["measure"] for h in m["hypotheses"]] == [None, "risk difference", None, "odds ratio"]
    assert m["graph"]["weights"] == [0.5, 0.5, 0.0, 0.0]
    # the same graph on R's own p-values gives graphicalMCP's adjusted p-values exactly
    names = list(g["p"])
    res = graphical_test(
        [g["p"][n] for n in names], (m["graph"]["weights"], m["graph"]["transitions"])
    )
    adj = res.table["adjusted_p"].to_numpy()
    np.testing.assert_allclose(adj, [g["adjusted_p"][n] for n in names], rtol=GRAPH_REL)


def test_result_status_marks_every_result(run: dict) -> None:
    doc = run["json"]
    status = doc["result_status"]
    conf = {(s["outcome"], s["visit"], s["measure"]): s["hypothesis"] for s in status}
    assert conf[("ders", "21", "MMRM difference")] == "H1"
    assert conf[("pain_response", "21", "risk difference")] == "H2"
    assert conf[("ders_low", "21", "odds ratio")] == "H4"
    assert conf[("ders", "9", "MMRM difference")] is None
    assert conf[("pain_response", "21", "odds ratio")] is None
    assert sum(s["status"] == "confirmatory" for s in status) == 4
    assert len(status) == 9 * 2 + 2 * 3 + 2 * 2  # MMRM outcome x visit + responder rows
    jsonschema.Draft202012Validator(load_schema()).validate(doc)


def test_report_sections_figure_and_marks(run: dict) -> None:
    out = run["output"]  # the terminal report
    assert "Responder: Pain intensity improved by >= 2 points" in out
    assert (
        "improvement from baseline in Pain intensity (NRS, 0-10) of at least 2 (change <= -2)"
        in " ".join(out.split())
    )
    assert "confirmatory (H2)" in out
    md = run["md"]
    assert "## Responder: Pain intensity improved by >= 2 points" in md
    assert "| Week 9 | 9/40 (22.5%) | 11/39 (28.2%) |" in md  # R: 9 of 40, 11 of 39
    assert "## Multiplicity" in md
    assert "Decision: 3 of 4 hypotheses rejected at alpha = 0.05, in the order H1, H3, H2." in md
    assert "Emotion dysregulation (DERS-18, 18-90): Week 21 [confirmatory (H1)]" in md
    assert "Emotion dysregulation (DERS-18, 18-90): Week 9 [exploratory]" in md
    assert "C: confirmatory result" in md
    assert "(fig/multiplicity.png)" in md
    assert (run["fig"] / "multiplicity.png").stat().st_size > 0
    assert 'id="figure-multiplicity"' in run["html"]


def test_csv_tables_carry_the_same(run: dict) -> None:
    doc = run["json"]
    eff = pd.read_csv(run["csv"] / "responder_effects.csv", dtype={"visit": str})
    want = [e for ra in doc["responders"] for e in ra["effects"]]
    np.testing.assert_allclose(eff["estimate"], [e["estimate"] for e in want], rtol=1e-15)
    conf = eff[eff["status"] != "exploratory"]
    assert list(conf["status"]) == ["confirmatory (H2)", "confirmatory (H4)"]
    mult = pd.read_csv(run["csv"] / "multiplicity.csv")
    assert list(mult["rejected"]) == [h["rejected"] for h in doc["multiplicity"]["hypotheses"]]
    assert list(mult["procedure"].unique()) == ["graphical"]
    counts = pd.read_csv(run["csv"] / "responder_counts.csv")
    assert counts["n_responders"].sum() == sum(
        c["n_responders"] for ra in doc["responders"] for c in ra["counts"]
    )
