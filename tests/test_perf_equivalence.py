"""The vectorised data path gives what the straightforward (per-subject / dense) code gave.

Each test compares the fast implementation with a plain reference written here: a
per-subject loop for the MMRM exclusion reasons, the dense k x k residual projection for
the meta-analysis estimators, and one refit per study for leave-one-out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import brentq

from trialkit.meta.heterogeneity import q_profile_ci, typical_variance
from trialkit.meta.influence import influence_diagnostics, leave_one_out, loo_fits
from trialkit.meta.pooling import estimate_tau2, fit_rma, projection
from trialkit.models.design import build_design, sum_coded

REL = 1e-10


# --- exclusion reasons -----------------------------------------------------------------
def _handmade() -> pd.DataFrame:
    """Every exclusion reason: no outcome at all, covariates missing on observed rows
    (one, two, in covariate order), and a covariate missing only where y is missing."""
    rows = []

    def add(sid, arm, ys, age, sex, site):
        for v, y in enumerate(ys):
            a = age[v] if isinstance(age, list) else age
            rows.append((sid, arm, f"W{v}", y, a, sex, site))

    nan = np.nan
    add("S01", "ctl", [1.0, 2.0, 3.0], 40.0, "F", "A")
    add("S02", "trt", [1.5, 2.5, 3.5], 41.0, "M", "B")
    add("S03", "ctl", [nan, nan, nan], 42.0, "F", "A")  # no outcome
    add("S04", "trt", [1.0, nan, 2.0], nan, "F", "A")  # age missing
    add("S05", "ctl", [1.0, 2.0, nan], nan, None, "B")  # age and sex
    add("S06", "trt", [nan, 2.0, nan], [50.0, nan, 50.0], "M", None)  # age at W1, site
    add("S07", "ctl", [1.2, 2.2, 3.1], 43.0, "M", "B")
    add("S08", "trt", [1.1, 2.9, 3.3], 44.0, "F", "A")
    add("S09", "ctl", [0.9, 2.1, 2.8], 45.0, "M", "A")
    add("S10", "trt", [1.4, 2.6, 3.9], 46.0, "M", "B")
    add("S11", "ctl", [nan, nan, nan], nan, None, None)  # no outcome (and no covariates)
    add("S12", "trt", [1.3, nan, 3.0], [47.0, nan, 47.0], "F", "B")  # age missing, y missing
    add("S13", "ctl", [1.6, 2.4, 3.6], 48.0, "F", "B")
    add("S14", "trt", [1.7, 2.3, 3.2], 49.0, "M", "A")
    return pd.DataFrame(rows, columns=["id", "arm", "visit", "y", "age", "sex", "site"])


def _reasons_per_subject(data: pd.DataFrame, covariates: list[str]) -> pd.DataFrame:
    """The straightforward definition, one subject at a time (first-appearance order)."""
    out = []
    for sid, rows in data.groupby("id", sort=False):
        obs = rows[rows["y"].notna()]
        usable = obs[covariates].notna().all(axis=1)
        if usable.any():
            continue
        if obs.empty:
            reason = "no observed y at any analysed visit"
        else:
            missing = [c for c in covariates if obs[c].isna().any()]
            reason = "missing covariate value(s): " + ", ".join(missing)
        out.append((sid, str(rows["arm"].iloc[0]), reason))
    return pd.DataFrame(out, columns=["subject", "arm", "reason"])


@pytest.mark.parametrize("covariates", [["age", "sex", "site"], ["site", "age"], []])
def test_exclusion_reasons_equal_per_subject_definition(covariates: list[str]) -> None:
    data = _handmade()
    design = build_design(
        data,
        outcome="y",
        arm="arm",
        control="ctl",
        visit="visit",
        subject="id",
        covariates=covariates,
    )
    expected = _reasons_per_subject(data, covariates)
    got = design.sample.excluded
    assert list(got.columns) == ["subject", "arm", "reason"]
    assert got.astype(str).values.tolist() == expected.astype(str).values.tolist()
    if covariates == ["age", "sex", "site"]:  # every reason is exercised
        assert set(got["reason"]) == {
            "no observed y at any analysed visit",
            "missing covariate value(s): age",
            "missing covariate value(s): age, sex",
            "missing covariate value(s): age, site",
        }
    n_used = sum(design.sample.n_subjects.values())
    assert n_used + len(got) == data["id"].nunique()


def test_single_visit_reason_names_the_visit() -> None:
    data = _handmade()
    design = build_design(
        data[data["visit"] == "W1"],
        outcome="y",
        arm="arm",
        control="ctl",
        visit="visit",
        subject="id",
        covariates=["age"],
        visits=["W1"],
        visit_terms=False,
    )
    ex = design.sample.excluded
    reasons = dict(zip(ex["subject"], ex["reason"], strict=True))
    assert reasons["S04"] == "no observed y at visit W1"
    assert reasons["S06"] == "missing covariate value(s): age"


def test_sum_coded_matrix_equals_a_sum_coded_build() -> None:
    """Type III uses the sum-coded matrix derived from the fitted design: it must equal a
    full rebuild with ``coding="sum"`` (the previous implementation)."""
    data = _handmade()
    kw = dict(outcome="y", arm="arm", control="ctl", visit="visit", subject="id")
    covs = ["age", "sex"]
    design = build_design(data, **kw, covariates=covs, visit_covariates=["age"])
    rebuilt = build_design(data, **kw, covariates=covs, visit_covariates=["age"], coding="sum")
    xs, terms = sum_coded(design)
    np.testing.assert_array_equal(xs, rebuilt.X)
    assert terms == rebuilt.terms


# --- meta-analysis: O(k) formulas vs the dense k x k projection --------------------------
def _dense_p(vi, tau2, X):
    w = 1 / (vi + tau2)
    wx = X * w[:, None]
    return np.diag(w) - wx @ np.linalg.solve(X.T @ wx, wx.T)


def _dense_tau2(yi, vi, X, method):
    k, p = X.shape
    if method == "DL":
        pm = _dense_p(vi, 0.0, X)
        return max(0.0, (yi @ pm @ yi - (k - p)) / np.trace(pm))
    if method == "REML":
        hat = X @ np.linalg.solve(X.T @ X, X.T)
        r = yi - hat @ yi
        tau2 = max(0.0, (r @ r - np.trace((np.eye(k) - hat) @ np.diag(vi))) / (k - p))
        for _ in range(10_000):
            pm = _dense_p(vi, tau2, X)
            py = pm @ yi
            adj = (py @ py - np.trace(pm)) / np.sum(pm * pm)
            while tau2 + adj < 0:
                adj /= 2
            tau2 += adj
            if abs(adj) < 1e-12:
                return tau2
    if method == "PM":
        f = lambda t2: yi @ _dense_p(vi, t2, X) @ yi - (k - p)  # noqa: E731
        if f(0.0) <= 0:
            return 0.0
        upper = max(1.0, 10 * float(np.var(yi)))
        while f(upper) > 0:
            upper *= 10
        return brentq(f, 0.0, upper, xtol=1e-12, rtol=4 * np.finfo(float).eps, maxiter=1000)
    return 0.0


def _studies(k: int, seed: int):
    rng = np.random.default_rng(seed)
    vi = rng.uniform(0.01, 0.3, k)
    yi = 0.4 + rng.normal(0, 0.3, k) + rng.normal(0, np.sqrt(vi))
    return yi, vi


@pytest.mark.parametrize("p", [1, 2])
def test_projection_statistics_equal_dense(p: int) -> None:
    yi, vi = _studies(9, 1)
    X = np.ones((9, 1)) if p == 1 else np.column_stack([np.ones(9), np.sqrt(vi)])
    for tau2 in (0.0, 0.05, 1.3):
        dense = _dense_p(vi, tau2, X)
        proj = projection(yi, vi, tau2, X)
        assert proj.ypy == pytest.approx(yi @ dense @ yi, rel=REL)
        np.testing.assert_allclose(proj.py, dense @ yi, rtol=REL, atol=1e-14)
        assert proj.trace == pytest.approx(np.trace(dense), rel=REL)
        assert proj.trace_pp == pytest.approx(np.sum(dense * dense), rel=REL)


@pytest.mark.parametrize("method", ["DL", "REML", "PM"])
@pytest.mark.parametrize("p", [1, 2])
def test_tau2_equals_dense(method: str, p: int) -> None:
    yi, vi = _studies(12, 2)
    X = np.ones((12, 1)) if p == 1 else np.column_stack([np.ones(12), np.sqrt(vi)])
    expected = _dense_tau2(yi, vi, X, method)
    assert estimate_tau2(yi, vi, X, method) == pytest.approx(expected, rel=1e-9, abs=1e-13)


def test_q_profile_and_typical_variance_equal_dense() -> None:
    yi, vi = _studies(10, 3)
    X = np.ones((10, 1))
    assert typical_variance(vi, X) == pytest.approx(9 / np.trace(_dense_p(vi, 0.0, X)), rel=REL)
    lo, hi = q_profile_ci(yi, vi, X)
    from scipy.stats import chi2

    for bound, crit in ((lo, chi2.ppf(0.975, 9)), (hi, chi2.ppf(0.025, 9))):
        if bound > 0:
            assert yi @ _dense_p(vi, bound, X) @ yi == pytest.approx(crit, rel=1e-9)


@pytest.mark.parametrize("method", ["FE", "DL", "REML", "PM"])
@pytest.mark.parametrize("hksj", [False, True])
def test_leave_one_out_equals_one_refit_per_study(method: str, hksj: bool) -> None:
    from trialkit.meta.heterogeneity import heterogeneity

    yi, vi = _studies(8, 4)
    study = np.array([f"s{i}" for i in range(8)], dtype=object)
    fast = leave_one_out(yi, vi, study, method, hksj)
    fits = loo_fits(yi, vi, method, hksj)
    for i in range(8):
        y, v = np.delete(yi, i), np.delete(vi, i)
        ref = fit_rma(y, v, method, hksj)
        het = heterogeneity(y, v, ref.tau2, method)
        row = fast.iloc[i]
        assert row["estimate"] == pytest.approx(float(ref.beta[0]), rel=1e-9)
        assert row["std_error"] == pytest.approx(float(ref.se[0]), rel=1e-9)
        assert row["tau2"] == pytest.approx(ref.tau2, rel=1e-8, abs=1e-13)
        assert row["q"] == pytest.approx(het.q, rel=1e-9)
        assert row["i2"] == pytest.approx(het.i2, rel=1e-8, abs=1e-10)
        assert row["p_value"] == pytest.approx(ref.test()[1], rel=1e-8)
        assert fits.s2w[i] == pytest.approx(ref.s2w, rel=1e-9)
    inf = influence_diagnostics(yi, vi, study, method, hksj)
    tau2_d = fits.tau2
    vb_all = 1 / np.array([np.sum(1 / (vi + t)) for t in tau2_d])
    dfb = fit_rma(yi, vi, method, hksj).beta[0] - fits.beta
    np.testing.assert_allclose(inf["dfbetas"], dfb / np.sqrt(fits.s2w * vb_all), rtol=1e-9)


def test_leave_one_out_blocks_do_not_change_results(monkeypatch: pytest.MonkeyPatch) -> None:
    """Splitting the refits into blocks (memory bound) gives the same numbers."""
    import trialkit.meta.influence as influence

    yi, vi = _studies(40, 5)
    whole = loo_fits(yi, vi, "REML", True)
    monkeypatch.setattr(influence, "_BLOCK_CELLS", 3 * 40)
    blocked = loo_fits(yi, vi, "REML", True)
    np.testing.assert_allclose(blocked.beta, whole.beta, rtol=1e-12)
    np.testing.assert_allclose(blocked.tau2, whole.tau2, rtol=1e-12)
