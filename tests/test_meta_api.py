"""The Python API contract of trialkit.meta, presets, edge cases and algebraic properties.

Numbers are checked against closed forms written out here (inverse-variance weighted mean,
DerSimonian-Laird moment estimator, Hedges' correction), against the metafor reference
(tests/reference/metafor/metafor_reference.json) or against invariances of the model.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trialkit.core.errors import DataError, ModelError
from trialkit.meta import PRESETS, meta_analysis, subgroup_analysis
from trialkit.meta.effects import generic_from_ci, hedges_correction

REF_DIR = Path(__file__).parent / "reference" / "metafor"
REF = json.loads((REF_DIR / "metafor_reference.json").read_text())
NORMAND = pd.read_csv(REF_DIR / "data" / "normand1999.csv")
MORRIS = pd.read_csv(REF_DIR / "data" / "morris2008.csv")
RTOL = 1e-6  # closed-form quantities


def _ref(dataset, measure, variance, method, hksj):
    return next(
        a
        for a in REF["analyses"]
        if a["dataset"] == dataset
        and a["measure"] == measure
        and a["smd_variance"] == variance
        and a["method"] == method
        and a["hksj"] == hksj
    )


def test_contract_attributes_and_tables():
    res = meta_analysis(NORMAND, measure="SMD", method="DL", hksj=False, smd_variance="metafor")
    for name in (
        "estimate",
        "std_error",
        "ci_lower",
        "ci_upper",
        "p_value",
        "tau2",
        "i2",
        "q",
        "q_p_value",
        "pi_lower",
        "pi_upper",
    ):
        assert isinstance(getattr(res, name), float), name
    assert list(res.studies.columns[:3]) == ["study", "yi", "vi"]
    assert {"weight", "ci_lower", "ci_upper"} <= set(res.studies.columns)
    np.testing.assert_allclose(res.studies["weight"].sum(), 100.0, rtol=1e-12)
    loo = res.leave_one_out()
    assert list(loo.columns[:4]) == ["study", "estimate", "std_error", "ci_lower"]
    assert {"ci_upper", "tau2", "i2"} <= set(loo.columns)
    e = res.egger()
    assert e["p_value"] == e.p_value and e.z == e.statistic
    assert list(res.summary().columns) == [
        "estimate",
        "std_error",
        "df",
        "ci_lower",
        "ci_upper",
        "p_value",
    ]
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.estimate = 0.0  # type: ignore[misc]


def test_generic_input_with_se_equals_arm_input():
    arms = meta_analysis(NORMAND, measure="MD", method="REML")
    generic = meta_analysis(
        arms.studies[["study", "yi"]].assign(se=np.sqrt(arms.studies["vi"])),
        measure="MD",
        method="REML",
    )
    np.testing.assert_allclose(generic.estimate, arms.estimate, rtol=1e-12)
    np.testing.assert_allclose(generic.tau2, arms.tau2, rtol=1e-10)


def test_generic_input_from_confidence_interval():
    a = _ref("normand1999", "MD", None, "DL", False)
    se = np.sqrt(a["vi"])
    yi = np.asarray(a["yi"])
    frame = pd.DataFrame(
        {
            "study": NORMAND["study"],
            "yi": yi,
            "ci_lower": yi - 1.959963984540054 * se,
            "ci_upper": yi + 1.959963984540054 * se,
        }
    )
    res = meta_analysis(frame, measure="generic", method="DL")
    np.testing.assert_allclose(res.estimate, a["estimate"], rtol=RTOL)
    np.testing.assert_allclose(
        generic_from_ci(np.array([-1.0]), np.array([1.0])), [1 / 1.959963984540054], rtol=1e-12
    )


def test_presets_select_program_defaults():
    r5 = meta_analysis(NORMAND, preset="revman5")
    assert (r5.method, r5.hksj, r5.smd_variance) == ("DL", False, "revman5")
    ref = _ref("normand1999", "SMD", "revman5", "DL", False)
    np.testing.assert_allclose(
        [r5.estimate, r5.ci_lower, r5.ci_upper],
        [ref["estimate"], ref["ci_lower"], ref["ci_upper"]],
        rtol=RTOL,
    )
    web = meta_analysis(NORMAND, preset="revman-web")
    assert (web.method, web.hksj, web.df) == ("REML", True, 8.0)
    explicit = meta_analysis(NORMAND, preset="revman-web", method="PM", hksj=False)
    assert (explicit.method, explicit.hksj, explicit.smd_variance) == ("PM", False, "revman5")
    assert set(PRESETS) == {"revman5", "revman-web"}


def test_prepost_default_correlation_is_stated_and_settable():
    no_r = MORRIS.drop(columns=["r"])
    r05 = meta_analysis(no_r, measure="SMCR")
    np.testing.assert_allclose(r05.studies["r"], 0.5)
    assert r05.studies["r_assumed"].all()
    part = meta_analysis(MORRIS.assign(r=MORRIS["r"].where(MORRIS.index != 2)), measure="SMCC")
    assert part.studies["r_assumed"].tolist() == [False, False, True, False, False]
    np.testing.assert_allclose(part.studies["r"], [0.47, 0.64, 0.5, 0.89, 0.44])
    r07 = meta_analysis(no_r, measure="SMCR", prepost_r=0.7)
    # vi = 2 (1 - r)/n + yi^2/(2n): a higher r gives smaller variances, same effects
    np.testing.assert_allclose(r07.studies["yi"], r05.studies["yi"], rtol=1e-12)
    assert (r07.studies["vi"] < r05.studies["vi"]).all()
    n = MORRIS["n"].to_numpy()
    j = hedges_correction(n - 1)
    yi = j * (MORRIS["m_post"] - MORRIS["m_pre"]).to_numpy() / MORRIS["sd_pre"].to_numpy()
    np.testing.assert_allclose(r07.studies["vi"], 2 * 0.3 / n + yi**2 / (2 * n), rtol=1e-12)


def test_exclude_and_outliers():
    res = meta_analysis(NORMAND, measure="SMD", method="DL")
    flagged = res.outliers()
    z = np.asarray(_ref("normand1999", "SMD", "metafor", "DL", False)["rstudent"]["z"])
    assert flagged == tuple(NORMAND["study"][np.abs(z) > 1.959963984540054])
    assert len(flagged) >= 1
    sens = res.without(flagged)
    assert sens.k == 9 - len(flagged) and sens.excluded == flagged
    loo_like = meta_analysis(NORMAND, measure="SMD", method="DL", exclude=flagged)
    np.testing.assert_allclose(loo_like.estimate, sens.estimate, rtol=1e-12)
    with pytest.raises(DataError, match="no such study"):
        res.without(["Nowhere"])


def test_small_k_edge_cases():
    one = meta_analysis(NORMAND.iloc[:1], measure="MD", method="REML")
    assert one.k == 1 and one.tau2 == 0.0 and np.isnan(one.i2)
    np.testing.assert_allclose(one.estimate, NORMAND["m1"][0] - NORMAND["m2"][0])
    with pytest.raises(ModelError):
        meta_analysis(NORMAND.iloc[:1], measure="MD", hksj=True)
    two = meta_analysis(NORMAND.iloc[:2], measure="MD", method="DL")
    with pytest.raises(ModelError, match="at least 3"):
        two.egger()
    with pytest.raises(ModelError, match="at least 3"):
        two.leave_one_out()


def test_subgroup_api_uses_first_appearance_order():
    data = NORMAND.assign(site=np.where(NORMAND["study"].str.contains("Orpington"), "B", "A"))
    sub = subgroup_analysis(data, "site", measure="MD", method="DL")
    assert [name for name, _ in sub.groups] == ["A", "B"]
    assert sub.overall.k == 9 and sub.df == 1
    with pytest.raises(DataError, match="no subgroup column"):
        subgroup_analysis(data, "nope")


effects = st.lists(st.tuples(st.floats(-3, 3), st.floats(0.01, 2.0)), min_size=3, max_size=12)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(effects, st.sampled_from(["FE", "DL", "REML", "PM"]), st.floats(-5, 5))
def test_properties(pairs, method, shift):
    yi = np.array([p[0] for p in pairs])
    vi = np.array([p[1] for p in pairs])
    frame = pd.DataFrame({"study": [f"s{i}" for i in range(yi.size)], "yi": yi, "vi": vi})
    res = meta_analysis(frame, measure="generic", method=method)
    # closed forms: FE weighted mean; DL moment estimator
    w = 1 / vi
    mu_fe = np.sum(w * yi) / w.sum()
    q = np.sum(w * (yi - mu_fe) ** 2)
    np.testing.assert_allclose(res.q, q, rtol=1e-9, atol=1e-12)
    if method == "FE":
        np.testing.assert_allclose(res.estimate, mu_fe, rtol=1e-9, atol=1e-12)
    if method == "DL":
        tau2 = max(0.0, (q - (yi.size - 1)) / (w.sum() - np.sum(w**2) / w.sum()))
        np.testing.assert_allclose(res.tau2, tau2, rtol=1e-9, atol=1e-12)
    assert res.tau2 >= 0 and 0 <= res.i2 < 100
    assert res.tau2_ci_lower <= res.tau2_ci_upper
    assert res.pi_lower <= res.ci_lower <= res.estimate <= res.ci_upper <= res.pi_upper
    # location equivariance and order invariance
    moved = meta_analysis(frame.assign(yi=yi + shift).iloc[::-1], measure="generic", method=method)
    np.testing.assert_allclose(moved.estimate, res.estimate + shift, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(moved.tau2, res.tau2, rtol=1e-5, atol=1e-8)
