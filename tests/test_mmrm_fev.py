"""MMRM engine vs R mmrm 0.3.18 + emmeans 1.8.4 on fev_data.

Source: tests/reference/fev/fev_mmrm_reference.json (see PROVENANCE.md there):
``FEV1 ~ RACE + SEX + ARMCD * AVISIT``, 9 covariance structures x REML/ML x Satterthwaite,
Kenward-Roger and Kenward-Roger-Linear.

Documented exception. R mmrm stops its optimiser (L-BFGS-B, default factr) when the relative
change of the objective falls below ~2e-9, before the maximum. Where trialkit's log-likelihood
is higher than R's by more than 1e-7 (the test asserts this), R's estimates sit measurably
off the optimum and the quantities that depend on theta-hat (SE, df, CI) move by up to ~2e-4
relative; those cases use ``UNDERCONVERGED_TOL``. All other cases use the 1e-4 tolerances of
``TOL``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from mmrm_reference import DF_METHOD, TOL, fev_reference, fit_fev, max_rel
from mmrm_reference import FEV as FEV_DIR

REF = fev_reference()
UNDERCONVERGED = {k for k in REF if k.split("_")[0] in {"un", "toeph", "adh"}} | {
    k for k in REF if k.startswith("ar1h_reml")
}
UNDERCONVERGED_TOL = 5e-4


@pytest.fixture(scope="module")
def fits() -> dict:
    out = {}
    for key, r in REF.items():
        out[key] = fit_fev(
            covariates=["RACE", "SEX"],
            covariance=r["covariance"],
            df_method=DF_METHOD[r["df_method"]],
            reml=r["reml"],
        )
    return out


def _tol(key: str, kind: str) -> float:
    return UNDERCONVERGED_TOL if key in UNDERCONVERGED and kind != "loglik" else TOL[kind]


@pytest.mark.parametrize("key", sorted(REF))
def test_loglik_and_convergence(fits: dict, key: str) -> None:
    fit, r = fits[key], REF[key]
    assert fit.converged
    assert fit.covariance == ("us" if r["covariance"] == "un" else r["covariance"])
    assert max_rel(fit.loglik, r["loglik"]) < TOL["loglik"]
    assert max_rel(fit.aic, r["aic"]) < TOL["loglik"]
    assert fit.n_theta == r["n_theta"]
    gain = fit.loglik - r["loglik"]
    if key in UNDERCONVERGED:
        # the exception is only taken where R demonstrably stopped short of the maximum
        assert gain > 1e-7
    else:
        assert gain > -1e-8


@pytest.mark.parametrize("key", sorted(REF))
def test_differences(fits: dict, key: str) -> None:
    d, r = fits[key].differences, REF[key]["differences"]
    assert list(d["visit"]) == r["visit"]
    assert max_rel(d["estimate"], r["estimate"]) < _tol(key, "estimate")
    assert max_rel(d["std_error"], r["se"]) < _tol(key, "std_error")
    assert max_rel(d["df"], r["df"]) < _tol(key, "df")
    assert max_rel(d["ci_lower"], r["lower"]) < _tol(key, "ci")
    assert max_rel(d["ci_upper"], r["upper"]) < _tol(key, "ci")


@pytest.mark.parametrize("key", sorted(REF))
def test_lsmeans(fits: dict, key: str) -> None:
    lm, r = fits[key].lsmeans, REF[key]["lsmeans"]
    assert list(lm["arm"]) == r["arm"] and list(lm["visit"]) == r["visit"]
    assert max_rel(lm["estimate"], r["estimate"]) < _tol(key, "estimate")
    assert max_rel(lm["std_error"], r["se"]) < _tol(key, "std_error")
    assert max_rel(lm["df"], r["df"]) < _tol(key, "df")
    assert max_rel(lm["ci_lower"], r["lower"]) < _tol(key, "ci")
    assert max_rel(lm["ci_upper"], r["upper"]) < _tol(key, "ci")


@pytest.mark.parametrize("key", sorted(REF))
def test_coefficients(fits: dict, key: str) -> None:
    c, r = fits[key].coefficients, REF[key]["coefficients"]
    assert list(c["term"]) == r["term"]
    se = np.asarray(r["se"])
    # coefficient estimates: relative to max(|estimate|, SE) (several are ~0)
    scale = np.maximum(np.abs(r["estimate"]), se)
    assert np.max(np.abs(c["estimate"] - r["estimate"]) / scale) < _tol(key, "estimate")
    assert max_rel(c["std_error"], se) < _tol(key, "std_error")
    assert max_rel(c["df"], r["df"]) < _tol(key, "df")


@pytest.mark.parametrize("key", sorted(REF))
def test_covariance_matrix(fits: dict, key: str) -> None:
    est = fits[key].covariance_matrix.to_numpy()
    ref = np.asarray(REF[key]["covariance_matrix"])
    # relative to the visit variances (off-diagonal entries can be near 0)
    scale = np.sqrt(np.outer(np.diag(ref), np.diag(ref)))
    tol = 5e-3 if key in UNDERCONVERGED else 1e-4
    assert np.max(np.abs(est - ref) / scale) < tol


REFINED = {
    k: v
    for k, v in json.loads((FEV_DIR / "fev_engine_refined.json").read_text()).items()
    if not k.startswith("_") and not k.startswith("sas_")
}
REFINED_METHOD = {
    "satterthwaite": ("satterthwaite", "mmrm"),
    "kenward_roger_linear": ("kenward-roger-linear", "mmrm"),
    "kenward_roger_sas": ("kenward-roger", "sas"),
}


@pytest.mark.parametrize("key", sorted(REFINED))
def test_tightly_converged_reference(key: str) -> None:
    """All quantities at 1e-4 against an independent, tightly converged R implementation
    (tests/reference/fev/fev_engine_refined.json, refine_fev_engine.R; validated against SAS
    and mmrm in mmrm_trial2/validate_engine_fev.out). This covers the cases where mmrm's
    own JSON stopped short of the optimum."""
    r = REFINED[key]
    method = key.split("_", 2)[2]
    df_method, param = REFINED_METHOD[method]
    fit = fit_fev(
        covariates=["RACE", "SEX"],
        covariance=r["covariance"],
        df_method=df_method,
        reml=r["reml"],
        kr_parametrization=param,
    )
    assert max_rel(fit.loglik, r["loglik"]) < TOL["loglik"]
    for ours, ref in ((fit.differences, r["differences"]), (fit.lsmeans, r["lsmeans"])):
        assert max_rel(ours["estimate"], ref["estimate"]) < TOL["estimate"]
        assert max_rel(ours["std_error"], ref["se"]) < TOL["std_error"]
        assert max_rel(ours["df"], ref["df"]) < TOL["df"]
        assert max_rel(ours["ci_lower"], ref["lower"]) < TOL["ci"]
        assert max_rel(ours["ci_upper"], ref["upper"]) < TOL["ci"]
    c = r["coefficients"]
    scale = np.maximum(np.abs(c["estimate"]), c["se"])
    assert np.max(np.abs(fit.coefficients["estimate"] - c["estimate"]) / scale) < TOL["estimate"]
    assert max_rel(fit.coefficients["std_error"], c["se"]) < TOL["std_error"]
