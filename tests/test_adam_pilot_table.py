"""The CDISC pilot's primary efficacy table (Table 14-3.01) from its ADaM datasets.

Sources (tests/reference/adam_pilot/PROVENANCE.md):

* ``published.json``: the table's model rows as printed (R Submission Pilot 1's
  ``tlf-primary.rtf``): LS-mean differences, SEs, 95% CIs, pairwise and dose-response p.
* ``table_14_3_01.json``: R ``lm`` + ``emmeans`` on the shipped files
  ``sample_data/adam_pilot`` at full precision.

The ANCOVA is a closed-form linear model, so trialkit and R agree to rounding error; the
tolerances are relative, by kind of quantity, and the printed digits must match exactly.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest

from trialkit.data.adam import read_adam
from trialkit.models.ancova import fit_ancova
from trialkit.plan.loader import load_plan

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "adam_pilot"
REF_DIR = ROOT / "tests" / "reference" / "adam_pilot"
R = json.loads((REF_DIR / "table_14_3_01.json").read_text())
PUBLISHED = json.loads((REF_DIR / "published.json").read_text())

COEFFICIENT_TOL = 1e-9
SE_TOL = 1e-9
P_TOL = 1e-8
ARMS = ["Placebo", "Xanomeline Low Dose", "Xanomeline High Dose"]


def printed(value: float, decimals: int) -> str:
    """``value`` as the table prints it: rounded half up to ``decimals`` places."""
    q = Decimal(1).scaleb(-decimals)
    return str(Decimal(repr(float(value))).quantize(q, rounding=ROUND_HALF_UP))


def decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


@pytest.fixture(scope="module")
def week24():  # type: ignore[no-untyped-def]
    """The ANCOVA of Table 14-3.01 fitted by trialkit's engine on the reader's long data."""
    data, plan, _, _ = read_adam(load_plan(SAMPLE / "plan.toml"))
    data["AVISIT"] = pd.Categorical(data["AVISIT"], categories=plan.visits.order, ordered=True)
    data["TRT01P"] = pd.Categorical(data["TRT01P"], categories=ARMS)
    base = data[data["AVISIT"] == plan.visits.baseline].set_index("USUBJID")["ACTOT"]
    data["BASELINE"] = data["USUBJID"].map(base)
    return fit_ancova(
        data,
        outcome="ACTOT_LOCF",  # the outcome with its LOCF records ([adam] derived)
        arm="TRT01P",
        control="Placebo",
        visit="AVISIT",
        subject="USUBJID",
        baseline="BASELINE",
        covariates=["SITEGR1"],
        visits=["Week 24"],
        comparisons="pairwise",
        dose="TRT01PN",
        lsmeans_weights="proportional",
    )


def test_engine_matches_r(week24) -> None:  # type: ignore[no-untyped-def]
    diffs = week24.differences.set_index("comparison")
    for row in R["differences"]:
        got = diffs.loc[row["comparison"]]
        for col, tol in (
            ("estimate", COEFFICIENT_TOL),
            ("std_error", SE_TOL),
            ("ci_lower", COEFFICIENT_TOL),
            ("ci_upper", COEFFICIENT_TOL),
            ("p_value", P_TOL),
        ):
            assert got[col] == pytest.approx(row[col], rel=tol), (row["comparison"], col)
        assert got["df"] == R["df_residual"]
    lsm = week24.lsmeans.set_index("arm")
    for row in R["lsmeans"]:
        assert lsm.loc[row["arm"], "estimate"] == pytest.approx(
            row["estimate"], rel=COEFFICIENT_TOL
        )
        assert lsm.loc[row["arm"], "std_error"] == pytest.approx(row["std_error"], rel=SE_TOL)
    trend = week24.trend.iloc[0]
    assert trend["estimate"] == pytest.approx(R["trend"]["estimate"], rel=COEFFICIENT_TOL)
    assert trend["std_error"] == pytest.approx(R["trend"]["std_error"], rel=SE_TOL)
    assert trend["p_value"] == pytest.approx(R["trend"]["p_value"], rel=P_TOL)


def test_engine_prints_the_published_digits(week24) -> None:  # type: ignore[no-untyped-def]
    diffs = week24.differences.set_index("comparison")
    for pub in PUBLISHED["differences"]:
        got = diffs.loc[pub["comparison"]]
        assert printed(got["estimate"], decimals(pub["estimate"])) == pub["estimate"]
        assert printed(got["std_error"], decimals(pub["std_error"])) == pub["std_error"]
        lo, hi = pub["ci"]
        assert printed(got["ci_lower"], decimals(lo)) == lo
        assert printed(got["ci_upper"], decimals(hi)) == hi
        assert printed(got["p_value"], decimals(pub["p"])) == pub["p"]
    p_trend = week24.trend.iloc[0]["p_value"]
    assert printed(p_trend, 3) == PUBLISHED["dose_response_p"]


# -- end to end: `trialkit analyze` on the shipped ADaM files and plan ----------------------


@pytest.fixture(scope="module")
def analyzed(tmp_path_factory) -> tuple[dict, str]:  # type: ignore[no-untyped-def]
    """``trialkit analyze --plan sample_data/adam_pilot/plan.toml --json ...`` run once (the
    app in-process, as the ``cli`` fixture of conftest runs it)."""
    from typer.testing import CliRunner

    from trialkit.cli.app import _register, app

    _register()
    out = tmp_path_factory.mktemp("pilot") / "pilot.json"
    args = ["analyze", "--plan", str(SAMPLE / "plan.toml"), "--json", str(out)]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text(encoding="utf-8")), result.output


def _week24(rows: list[dict]) -> dict[str, dict]:
    return {r.get("comparison", ""): r for r in rows if r["visit"] == "Week 24"}


def test_analyze_reproduces_table_14_3_01(analyzed) -> None:  # type: ignore[no-untyped-def]
    """The ANCOVA rows of ``trialkit analyze`` print the published digits and equal R."""
    report, _ = analyzed
    (outcome,) = report["outcomes"]
    ancova = outcome["ancova"]
    diffs = _week24(ancova["differences"])
    for pub, ref in zip(PUBLISHED["differences"], R["differences"], strict=True):
        assert pub["comparison"] == ref["comparison"]
        got = diffs[pub["comparison"]]
        assert printed(got["estimate"], decimals(pub["estimate"])) == pub["estimate"]
        assert printed(got["std_error"], decimals(pub["std_error"])) == pub["std_error"]
        assert [printed(got["ci_lower"], 1), printed(got["ci_upper"], 1)] == pub["ci"]
        assert printed(got["p_value"], 3) == pub["p"]
        assert got["estimate"] == pytest.approx(ref["estimate"], rel=COEFFICIENT_TOL)
        assert got["std_error"] == pytest.approx(ref["std_error"], rel=SE_TOL)
        assert got["p_value"] == pytest.approx(ref["p_value"], rel=P_TOL)
    (trend,) = [t for t in ancova["trend"] if t["visit"] == "Week 24"]
    assert printed(trend["p_value"], 3) == PUBLISHED["dose_response_p"]
    assert trend["estimate"] == pytest.approx(R["trend"]["estimate"], rel=COEFFICIENT_TOL)
    assert trend["p_value"] == pytest.approx(R["trend"]["p_value"], rel=P_TOL)


def test_analyze_prints_the_published_p_values(analyzed) -> None:  # type: ignore[no-untyped-def]
    """The terminal report's Week 24 table prints the ANCOVA p-values as the table does."""
    _, output = analyzed
    week24 = output[output.index("Adas-Cog(11) Subscore: Week 24") :]
    ancova = week24[week24.index("ANCOVA LS mean") : week24.index("n analysed")]
    rows = [line.split("│") for line in ancova.splitlines()]
    printed_p = [r[-2].strip() for r in rows if len(r) > 2 and r[1].strip() == "p"]
    want = [d["p"] for d in PUBLISHED["differences"]] + [PUBLISHED["dose_response_p"]]
    assert printed_p[: len(want)] == want


def test_analyze_reports_the_adam_records(analyzed) -> None:  # type: ignore[no-untyped-def]
    """The report says who and what was analysed (counts from R's accounting block)."""
    report, output = analyzed
    acc = R["accounting"]
    notes = " ".join(report["footnotes"])
    outside = sum(acc["outside_population"].values())
    assert (
        f"ADSL adsl.xpt: {acc['adsl_subjects']} subjects; {acc['efficacy_subjects']} with "
        f"EFFFL = Y (Efficacy Population Flag) are analysed; {outside} are not" in notes
    )
    used = acc["actot_records"] - acc["not_flagged"]
    assert (
        f"Adas-Cog(11) Subscore: PARAMCD ACTOT of adqsadas.xpt, variable CHG (baseline visit: "
        f"BASE); {acc['actot_records']} records of the population, {used} analysed; "
        f"{acc['not_flagged']} not analysis records (ANL01FL not Y)" in notes
    )
    assert (
        f"derived records analysed by the ANCOVA only (adam.derived): LOCF "
        f"{acc['analysis_derived']['LOCF']}" in notes
    )
    # the MMRM uses the observed records only; the ANCOVA at Week 24 the LOCF data
    (outcome,) = report["outcomes"]
    assert outcome["mmrm"]["sample"]["n_observations"] == acc["post_baseline_observed"]
    wk24 = outcome["ancova"]["samples"]["Week 24"]["n_subjects"]
    assert wk24 == {r["arm"]: r["n"] for r in R["descriptive"]}
    assert "Adas-Cog(11) Subscore" in output  # the PARAM labels the report
    # CONSORT withdrawals and their reasons from ADSL (EOSSTT, DCSREAS), as R counts them
    for arm in report["consort"]["arms"]:
        want = acc["withdrew"][arm["arm"]]
        assert dict(arm["withdrew_reasons"]) == want
        assert arm["withdrew"] == sum(want.values())


def test_derived_summary_prints_the_published_descriptive_rows() -> None:
    """Baseline and Change from Baseline (Week 24, LOCF records included): n, Mean (SD) and
    Median (Range) per arm, with the table's digits (published.json, from the RTF)."""
    from rich.console import Console

    from trialkit.analysis.observed import derived_summary
    from trialkit.cli.errors import load_trial

    trial = load_trial(None, SAMPLE / "plan.toml", Console(stderr=True))
    summary = derived_summary(trial, trial.plan.primary)
    assert summary is not None
    rows = summary.set_index(["arm", "visit"])
    for visit, key in (("Baseline", "descriptive_baseline"), ("Week 24", "descriptive_change")):
        for arm, pub in PUBLISHED[key].items():
            got = rows.loc[(arm, visit)]
            assert int(got["n"]) == pub["n"]
            for stat in ("mean", "sd", "median", "min", "max"):
                assert printed(got[stat], decimals(pub[stat])) == pub[stat], (visit, arm, stat)
