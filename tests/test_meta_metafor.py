"""trialkit.meta against R metafor 3.8-1 (tests/reference/metafor/metafor_reference.json).

Source of every expected number: tests/reference/metafor/make_reference.R run with R 4.2.2 and
metafor 3.8-1 on dat.normand1999, dat.gibson2002, dat.bangertdrowns2004 (metadat) and the
Morris (2008) pre-post data; see tests/reference/metafor/README.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import trialkit.meta as tm
from trialkit.meta.subgroups import subgroup_analysis

REF_DIR = Path(__file__).parent / "reference" / "metafor"
REF = json.loads((REF_DIR / "metafor_reference.json").read_text())

# Relative tolerances per kind of quantity (the contract).
CLOSED_FORM = 1e-6  # FE, DL, effects, Q, I2 from DL, HKSJ on closed-form tau2
ITERATIVE = 1e-4  # REML, PM (and anything downstream of their tau2)
ABS_FLOOR = 1e-10  # absolute floor for quantities that are exactly zero (tau2 = 0)

DATA = {
    "normand1999": pd.read_csv(REF_DIR / "data" / "normand1999.csv"),
    "gibson2002": pd.read_csv(REF_DIR / "data" / "gibson2002.csv"),
    "bangertdrowns2004": pd.read_csv(REF_DIR / "data" / "bangertdrowns2004.csv"),
    "morris2008": pd.read_csv(REF_DIR / "data" / "morris2008.csv"),
}


def _tol(method: str) -> float:
    return ITERATIVE if method in ("REML", "PM") else CLOSED_FORM


def _close(actual, expected, rtol: float, what: str) -> None:
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=ABS_FLOOR, err_msg=what)


def _id(a: dict) -> str:
    var = f"-{a['smd_variance']}" if a["smd_variance"] else ""
    return f"{a['dataset']}-{a['measure']}{var}-{a['method']}-{'hksj' if a['hksj'] else 'z'}"


ANALYSES = REF["analyses"]


def _fit(a: dict) -> tm.MetaAnalysisResult:
    data = DATA[a["dataset"]]
    return tm.meta_analysis(
        data,
        measure=a["measure"],
        method=a["method"],
        hksj=a["hksj"],
        smd_variance=a["smd_variance"] or "metafor",
    )


@pytest.fixture(scope="module", params=ANALYSES, ids=[_id(a) for a in ANALYSES])
def case(request):
    a = request.param
    return a, _fit(a)


def test_reference_covers_every_method_measure_and_test():
    combos = {(a["measure"], a["smd_variance"], a["method"], a["hksj"]) for a in ANALYSES}
    for measure, var in [
        ("MD", None),
        ("SMD", "metafor"),
        ("SMD", "revman5"),
        ("GEN", None),
        ("SMCR", None),
        ("SMCC", None),
    ]:
        for method in ("FE", "DL", "REML", "PM"):
            for hksj in (False, True):
                assert (measure, var, method, hksj) in combos
    assert len({a["dataset"] for a in ANALYSES}) >= 3


def test_effect_sizes(case):
    a, res = case
    _close(res.studies["yi"], a["yi"], CLOSED_FORM, "yi")
    _close(res.studies["vi"], a["vi"], CLOSED_FORM, "vi")


def test_pooled_estimate_and_inference(case):
    a, res = case
    tol = _tol(a["method"])
    for name in ("estimate", "std_error", "statistic", "p_value", "ci_lower", "ci_upper"):
        _close(getattr(res, name), a[name], tol, name)
    assert res.k == a["k"]
    assert (res.df is None) == (a["df"] is None)
    if a["df"] is not None:
        assert res.df == a["df"]
    _close(res.studies["weight"], a["weight"], tol, "weight")


def test_heterogeneity(case):
    a, res = case
    tol = _tol(a["method"])
    _close(res.tau2, a["tau2"], tol, "tau2")
    _close([res.q, res.q_p_value], [a["q"], a["q_p_value"]], CLOSED_FORM, "Q")
    assert res.q_df == a["q_df"]
    _close([res.i2, res.h2], [a["i2"], a["h2"]], tol, "I2/H2")


def test_q_profile_intervals(case):
    a, res = case
    if a["method"] == "FE":
        # metafor's confint() has no tau2 interval for FE models; the Q-profile interval does
        # not depend on the tau2 estimator, so it must equal the DL model's.
        a = next(
            b
            for b in ANALYSES
            if b["method"] == "DL"
            and all(b[key] == a[key] for key in ("dataset", "measure", "smd_variance", "hksj"))
        )
    _close([res.tau2_ci_lower, res.tau2_ci_upper], a["tau2_ci"], ITERATIVE, "tau2 CI")
    _close([res.i2_ci_lower, res.i2_ci_upper], a["i2_ci"], ITERATIVE, "I2 CI")
    _close([res.h2_ci_lower, res.h2_ci_upper], a["h2_ci"], ITERATIVE, "H2 CI")


def test_prediction_interval(case):
    a, res = case
    if a["method"] == "FE":
        # metafor's predict() gives no PI for FE models; with tau2 = 0 it is the CI.
        _close([res.pi_lower, res.pi_upper], [a["ci_lower"], a["ci_upper"]], CLOSED_FORM, "PI")
    else:
        _close(
            [res.pi_lower, res.pi_upper], [a["pi_lower"], a["pi_upper"]], _tol(a["method"]), "PI"
        )


def test_leave_one_out(case):
    a, res = case
    loo = res.leave_one_out()
    ref = a["leave_one_out"]
    assert list(loo.columns[:1]) == ["study"]
    tol = _tol(a["method"])
    for name in ("estimate", "std_error", "ci_lower", "ci_upper", "p_value", "i2", "q"):
        _close(loo[name], ref[name], tol, f"leave-one-out {name}")
    if a["method"] != "FE":
        _close(loo["tau2"], ref["tau2"], tol, "leave-one-out tau2")


def test_influence(case):
    a, res = case
    inf = res.influence()
    ref = a["influence"]
    tol = _tol(a["method"])
    for name in (
        "rstudent",
        "dffits",
        "cook_d",
        "cov_r",
        "tau2_del",
        "q_del",
        "hat",
        "weight",
        "dfbetas",
    ):
        _close(inf[name], ref[name], tol, f"influence {name}")
    assert inf["influential"].tolist() == ref["influential"]
    _close(inf["rstudent"], a["rstudent"]["z"], tol, "rstudent()")
    _close(inf["cook_d"], a["cooks_distance"], tol, "cooks.distance()")


def test_egger(case):
    a, res = case
    tol = _tol(a["method"])
    for model in ("rma", "lm"):
        e = res.egger(model)
        ref = a[f"egger_{model}"]
        _close(
            [e.statistic, e.p_value, e.limit_estimate],
            [ref["statistic"], ref["p_value"], ref["limit_estimate"]],
            tol,
            f"Egger {model}",
        )
        _close([e.limit_ci_lower, e.limit_ci_upper], ref["limit_ci"], tol, f"Egger {model} CI")
        assert (e.df is None) == (ref["df"] is None)
        if ref["df"] is not None:
            assert e.df == ref["df"]
        assert e["p_value"] == e.p_value


SUBGROUPS = [s for s in REF["subgroups"] if s["dataset"] == "bangertdrowns2004"]


@pytest.mark.parametrize(
    "ref", SUBGROUPS, ids=[f"{s['method']}-{'hksj' if s['hksj'] else 'z'}" for s in SUBGROUPS]
)
def test_subgroup_differences(ref):
    sub = subgroup_analysis(
        DATA["bangertdrowns2004"], "grade", measure="GEN", method=ref["method"], hksj=ref["hksj"]
    )
    tol = _tol(ref["method"])
    table = sub.table().set_index("subgroup").loc[ref["groups"]]
    assert table["k"].tolist() == ref["k"]
    for name in ("estimate", "std_error", "ci_lower", "ci_upper", "tau2", "i2"):
        _close(table[name], ref[name], tol, f"subgroup {name}")
    _close([sub.q_between, sub.p_value], [ref["q_between"], ref["q_between_p"]], tol, "Q between")
    assert sub.df == ref["q_between_df"]
    assert sub.overall.k == sum(ref["k"])
