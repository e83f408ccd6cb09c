"""Responder analysis: accounting, binary coding, rules, degenerate visits, Newcombe CIs.

Sources: Newcombe (1998) Stat Med 17:873-890 Table II (method 10, 4 published decimals) and
the same formula coded in R (tests/reference/beeca/newcombe.R -> newcombe_reference.json);
the data are tests/reference/beeca/simulated.csv (seed 20261130, see PROVENANCE.md).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tests.mmrm_reference import REF
from trialkit import fit_responder
from trialkit.errors import DataError, ModelError, PlanError
from trialkit.inference.proportions import newcombe_difference
from trialkit.models.responder_rule import ResponderRule

DIR = REF / "beeca"
with open(DIR / "newcombe_reference.json") as fh:
    NEWCOMBE = json.load(fh)
# closed-form interval: R and Python evaluate the same expression; measured max 1e-16.
CLOSED_FORM_TOL = 1e-12
ROLES = dict(outcome="AVAL", arm="ARM", control="Placebo", visit="AVISIT", subject="USUBJID")


def sim() -> pd.DataFrame:
    return pd.read_csv(DIR / "simulated.csv", keep_default_na=False, na_values=[""])


def fit_sim(**kw):
    return fit_responder(
        sim(),
        **ROLES,
        covariates=["BASE", "REGION"],
        responder="change <= -10",
        baseline="BASE",
        **kw,
    )


@pytest.mark.parametrize("row", NEWCOMBE["table2"], ids=lambda r: r["example"])
def test_newcombe_table2(row: dict) -> None:
    """Newcombe (1998) Table II, method 10: published limits (4 decimals) and the R code."""
    d, lo, hi = newcombe_difference(row["x1"], row["n1"], row["x2"], row["n2"])
    assert round(float(lo), 4) == pytest.approx(row["published_lower"], abs=1e-12)
    assert round(float(hi), 4) == pytest.approx(row["published_upper"], abs=1e-12)
    assert float(lo) == pytest.approx(row["lower"], rel=CLOSED_FORM_TOL, abs=1e-15)
    assert float(hi) == pytest.approx(row["upper"], rel=CLOSED_FORM_TOL)
    assert float(d) == pytest.approx(row["estimate"], abs=1e-15)


def test_unadjusted_and_counts_match_r() -> None:
    """Per-visit responders / n and the Newcombe CI vs newcombe.R on simulated.csv."""
    fit = fit_sim()
    un = fit.unadjusted.set_index(["visit", "comparison"])
    counts = fit.counts.set_index(["visit", "arm"])
    for ref in NEWCOMBE["simulated"]:
        r = un.loc[(ref["visit"], ref["comparison"])]
        assert r["estimate"] == pytest.approx(ref["estimate"], rel=CLOSED_FORM_TOL)
        assert r["ci_lower"] == pytest.approx(ref["lower"], rel=CLOSED_FORM_TOL)
        assert r["ci_upper"] == pytest.approx(ref["upper"], rel=CLOSED_FORM_TOL)
        treat = ref["comparison"].split(" - ")[0]
        assert counts.loc[(ref["visit"], treat), "n_responders"] == ref["x_treatment"]
        assert counts.loc[(ref["visit"], treat), "n_with_data"] == ref["n_treatment"]
        assert counts.loc[(ref["visit"], "Placebo"), "n_responders"] == ref["x_control"]
        assert counts.loc[(ref["visit"], "Placebo"), "n_with_data"] == ref["n_control"]


def test_every_subject_is_analysed_or_excluded_with_a_reason() -> None:
    fit = fit_sim()
    c = fit.counts
    assert (c["n_with_data"] + c["n_excluded"] == c["n_subjects"]).all()
    assert (c.groupby("visit")["n_subjects"].sum() == 240).all()
    ex = fit.excluded
    assert len(ex) == int(c["n_excluded"].sum())
    s7 = ex[ex["subject"] == "S007"]
    assert len(s7) == 3 and (s7["reason"] == "missing covariate value(s): REGION").all()
    s11 = ex[ex["subject"] == "S011"]
    assert s11["visit"].tolist() == ["Week 8"]
    assert s11["reason"].tolist() == ["no record at visit Week 8"]
    dropout = ex[~ex["subject"].isin(["S007", "S011"])]["reason"].unique().tolist()
    assert sorted(dropout) == sorted(
        f"no observed AVAL (change <= -10) at visit {v}" for v in ("Week 4", "Week 8", "Week 12")
    )
    assert fit.arms == ("Placebo", "High", "Low")
    assert set(fit.effects["comparison"]) == {"High - Placebo", "Low - Placebo"}
    assert fit.not_estimable.empty


@pytest.mark.parametrize(
    "coding",
    [("no", "yes"), ("No", "YES"), ("false", "true"), (False, True), ("0", "1")],
)
def test_binary_codings_give_identical_results(coding) -> None:
    d = sim()
    resp = (d["AVAL"] - d["BASE"] <= -10).astype(float).where(d["AVAL"].notna())
    d["RESP01"] = resp
    base = fit_responder(d, **{**ROLES, "outcome": "RESP01"}, covariates=["BASE"])
    if isinstance(coding[0], bool):
        d["RESP"] = resp.map({0.0: False, 1.0: True}).astype("boolean")
    else:
        d["RESP"] = resp.map({0.0: coding[0], 1.0: coding[1]})
    other = fit_responder(d, **{**ROLES, "outcome": "RESP"}, covariates=["BASE"])
    pd.testing.assert_frame_equal(base.effects, other.effects)
    pd.testing.assert_frame_equal(base.counts, other.counts)


def test_bad_binary_value_names_column_and_row() -> None:
    d = sim()
    d["RESP"] = np.where(d["AVAL"] > 20, "yes", "no")
    d.loc[5, "RESP"] = "maybe"
    with pytest.raises(DataError) as err:
        fit_responder(d, **{**ROLES, "outcome": "RESP"})
    msg = str(err.value)
    assert msg.startswith("column 'RESP' has value 'maybe' at row 6 (USUBJID S006, AVISIT Week 4)")
    assert "0/1, yes/no or true/false" in msg


def test_threshold_rule_on_value_and_strict_operators() -> None:
    rule = ResponderRule.parse("  value > 2.5e1 ")
    assert (rule.on, rule.operator, rule.threshold) == ("value", ">", 25.0)
    x = pd.Series([24.0, 25.0, 26.0, np.nan])
    assert rule.apply(x, None).tolist()[:3] == [0.0, 0.0, 1.0]
    assert np.isnan(rule.apply(x, None).iloc[3])
    assert ResponderRule.parse("value >= 25").apply(x, None).tolist()[:3] == [0.0, 1.0, 1.0]
    change = ResponderRule.parse("change<-10").apply(
        pd.Series([10.0, 0.0]), pd.Series([20.0, 10.0])
    )
    assert change.tolist() == [0.0, 0.0]
    for bad in ("change <= x", "__import__('os') <= 1", "delta <= 3", "change == 1"):
        with pytest.raises(PlanError, match="is not of the form"):
            ResponderRule.parse(bad)


def test_change_rule_needs_baseline() -> None:
    with pytest.raises(ModelError, match="needs baseline="):
        fit_responder(sim(), **ROLES, responder="change <= -10")


def test_arm_without_responders_is_not_estimable_but_counted() -> None:
    d = sim()
    d["RESP"] = (d["AVAL"] - d["BASE"] <= -10).astype(float).where(d["AVAL"].notna())
    d.loc[(d["AVISIT"] == "Week 4") & (d["ARM"] == "Placebo") & d["RESP"].notna(), "RESP"] = 0.0
    fit = fit_responder(d, **{**ROLES, "outcome": "RESP"}, covariates=["BASE"])
    ne = fit.not_estimable
    assert ne["visit"].tolist() == ["Week 4"]
    assert ne["reason"].iloc[0] == "arm Placebo has no responders (0/79)"
    assert "Week 4" not in set(fit.effects["visit"])
    assert "Week 4" in set(fit.unadjusted["visit"])  # the Newcombe CI still exists
    text = fit.summary()
    assert "not estimable" in text and "arm Placebo has no responders (0/79)" in text


def test_perfect_separation_is_not_estimable() -> None:
    d = sim()
    d["RESP"] = (d["BASE"] > 30).astype(float)  # BASE separates responders exactly
    visits = ["Week 4", "Week 8", "Week 12"]
    with pytest.raises(ModelError) as err:
        fit_responder(d, **{**ROLES, "outcome": "RESP"}, covariates=["BASE"], visits=visits)
    assert str(err.value) == "no visit of RESP could be estimated: " + "; ".join(
        f"{v}: perfect or quasi-complete separation (a fitted probability is 0 or 1)"
        for v in visits
    )


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"control": "Nope"}, "control arm 'Nope' is not a value of column 'ARM'"),
        ({"covariates": ["AGE"]}, "column(s) AGE not found in the data"),
        (
            {"variance": "sandwich"},
            "'variance' is 'sandwich', which is not known (allowed: ye, ge)",
        ),
        ({"variance": "ge", "ge_type": "HC9"}, "'ge_type' is 'HC9', which is not known (did you"),
        ({"variance": "ge", "strata": ["STRAT"]}, "strata adjust the Ye variance only"),
        ({"strata": ["STRAT"]}, "stratum column(s) STRAT must also be covariates"),
    ],
)
def test_bad_arguments_are_one_sentence(kw: dict, message: str) -> None:
    args = {**ROLES, "responder": "change <= -10", "baseline": "BASE", **kw}
    with pytest.raises(ModelError) as err:
        fit_responder(sim(), **args)
    assert message in str(err.value)


def test_missing_arm_is_an_error() -> None:
    d = sim()
    d.loc[[4, 9], "ARM"] = np.nan
    with pytest.raises(
        ModelError, match=r"column 'ARM' is missing at row 5 \(subject S005\) and 1"
    ):
        fit_responder(d, **ROLES, responder="change <= -10", baseline="BASE")


def test_subject_in_two_arms_is_an_error() -> None:
    d = sim()
    d.loc[(d["USUBJID"] == "S002") & (d["AVISIT"] == "Week 8"), "ARM"] = "Placebo"
    with pytest.raises(ModelError, match="subject S002 has more than one value of 'ARM'"):
        fit_responder(d, **ROLES, responder="change <= -10", baseline="BASE")


def test_duplicate_subject_visit_is_an_error() -> None:
    d = sim()
    d = pd.concat([d, d.iloc[[3]]])
    with pytest.raises(ModelError, match="subject S004 has more than one row for AVISIT Week 4"):
        fit_responder(d, **ROLES, responder="change <= -10", baseline="BASE")


def test_result_is_frozen_and_frames_are_copies() -> None:
    fit = fit_sim()
    eff = fit.effects
    eff.loc[:, "estimate"] = 0.0
    assert (fit.effects["estimate"] != 0).all()
    with pytest.raises(AttributeError):
        fit.alpha = 0.1  # type: ignore[misc]
    assert list(fit.effects.columns[:3]) == ["visit", "comparison", "measure"]
    assert "variance='Ye'" in repr(fit)
    assert fit.summary().startswith("ResponderResult(outcome='AVAL', rule='change <= -10'")
    assert fit.counts is not fit.counts  # a fresh copy on every access


def test_terminal_rendering_shows_the_result_numbers() -> None:
    """The report document prints counts, effects and Newcombe CIs from the result,
    markup-safe, through the terminal renderer."""
    from rich.console import Console

    from trialkit.report.build_inference import responder_blocks
    from trialkit.report.terminal import print_blocks

    d = sim()
    d["ARM"] = d["ARM"].replace({"High": "[red]High"})
    d["AVISIT"] = pd.Categorical(d["AVISIT"], ["Week 4", "Week 8", "Week 12"], ordered=True)
    fit = fit_responder(
        d, **{**ROLES}, covariates=["BASE"], responder="change <= -10", baseline="BASE"
    )
    console = Console(width=200, record=True)
    print_blocks(responder_blocks(fit), console)
    text = console.export_text()
    assert "[red]High - Placebo" in text
    rd = fit.effects.query("visit == 'Week 12' and comparison == 'Low - Placebo'").iloc[0]
    assert f"{rd.estimate:.3f} ({rd.ci_lower:.3f} to {rd.ci_upper:.3f})" in text
    c = fit.counts.query("visit == 'Week 8' and arm == 'Placebo'").iloc[0]
    assert f"{c.n_responders}/{c.n_with_data} ({c.percent:.1f})" in text
    un = fit.unadjusted.iloc[0]
    assert f"{un.estimate:.3f} ({un.ci_lower:.3f} to {un.ci_upper:.3f})" in text
    assert text.index("Week 4") < text.index("Week 8") < text.index("Week 12")


def test_api_defaults_are_the_spec_defaults() -> None:
    """fit_responder's option defaults are ResponderSpec's (the one place they are written)."""
    import dataclasses
    import inspect

    from trialkit.specs.responder import RESPONDER_OPTIONS, ResponderSpec

    params = inspect.signature(fit_responder).parameters
    spec = ResponderSpec()
    for f in dataclasses.fields(spec):
        assert (
            tuple(params[f.name].default) == f.default
            if f.name == "strata"
            else (params[f.name].default == getattr(spec, f.name))
        ), f.name
    assert [o.name for o in RESPONDER_OPTIONS] == [f.name for f in dataclasses.fields(spec)]


def test_responder_document_in_json_and_markdown() -> None:
    """The same document as JSON (the result's tables at full precision) and Markdown."""
    import json

    from trialkit.report.build_inference import responder_document
    from trialkit.report.json_report import JsonRenderer
    from trialkit.report.markdown import MarkdownRenderer

    fit = fit_responder(
        sim(), **{**ROLES}, covariates=["BASE"], responder="change <= -10", baseline="BASE"
    )
    doc = responder_document(fit)
    out = json.loads(JsonRenderer().render(doc))
    assert out["kind"] == "trialkit.responder" and out["variance"] == fit.variance
    assert [r["estimate"] for r in out["effects"]] == fit.effects["estimate"].tolist()
    assert [r["n_responders"] for r in out["counts"]] == fit.counts["n_responders"].tolist()
    md = MarkdownRenderer().render(doc)
    rd = fit.effects.query("measure == 'risk difference'").iloc[0]
    assert f"{rd.estimate:.3f} ({rd.ci_lower:.3f} to {rd.ci_upper:.3f})" in md
