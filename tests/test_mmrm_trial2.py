"""MMRM engine vs nlme::gls + emmeans and an independent R implementation (trial2 data).

Source: tests/reference/mmrm_trial2/ (README.md there): a seeded simulated trial with a
baseline x visit interaction, a 3-level factor (SITE), intermittent and monotone missing
values and two subjects without any outcome. ``Y ~ ARM * VISIT + BASE * VISIT + SITE``,
7 structures x REML/ML.

* log-likelihood, Sigma, coefficients: nlme::gls (REML convention = SAS/mmrm).
* LS means / differences estimates and SEs (equal and proportional SITE weights): emmeans
  on the gls fit (mode df.error; its df are N - p - n_theta, a method trialkit does not
  offer, so only estimates and SEs are compared there). Two documented conventions of the
  reference: under ML nlme inflates the covariance of beta by N / (N - p) (the test applies
  that factor to trialkit's SE); and with ``varIdent`` variance weights emmeans'
  "proportional" weights are not the factor's row frequencies (SAS ``OM``), see
  emmeans_proportional_check.R/.out, so that reference is used for the homogeneous
  structures cs, ar1 and toep only.
* Satterthwaite and Kenward-Roger(-Linear) df and KR SEs: ``engine_ref.R`` (R, closed-form
  derivatives at a tightly converged optimum; validated against SAS and R mmrm on
  fev_data in validate_engine_fev.out), and lmerTest for the CS model.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from mmrm_reference import REF, TOL, fit_trial2, max_rel, trial2_data

DIR = REF / "mmrm_trial2"
with open(DIR / "mmrm_trial2_reference.json") as fh:
    R = json.load(fh)
CASES = [k for k in R if k not in ("_about", "data", "lmer_cs_reml")]


DATA = trial2_data()


def _fit(key: str, df_method: str = "satterthwaite", weights: str = "equal"):
    r = R[key]
    return fit_trial2(
        DATA,
        covariance=r["covariance"],
        df_method=df_method,
        reml=r["reml"],
        lsmeans_weights=weights,
        kr_parametrization="sas",
    )


@pytest.fixture(scope="module")
def fits() -> dict:
    return {k: _fit(k) for k in CASES}


def _norm(term: str) -> frozenset[str]:
    return frozenset(term.split(":"))


def _check_table(ours: pd.DataFrame, ref: dict, *, df: bool = True) -> None:
    assert max_rel(ours["estimate"], ref["estimate"]) < TOL["estimate"]
    assert max_rel(ours["std_error"], ref["se"]) < TOL["std_error"]
    if df:
        assert max_rel(ours["df"], ref["df"]) < TOL["df"]
        assert max_rel(ours["ci_lower"], ref["lower"]) < TOL["ci"]
        assert max_rel(ours["ci_upper"], ref["upper"]) < TOL["ci"]


def test_sample_accounting(fits: dict) -> None:
    d = R["data"]
    s = fits["us_reml"].sample
    assert s.total_subjects == d["n_subjects_used"] == 158
    assert s.total_observations == d["n_observations_used"] == 567
    assert sorted(s.excluded["subject"]) == sorted(d["excluded_subjects"])
    assert set(s.excluded["reason"]) == {"no observed Y at any analysed visit"}


@pytest.mark.parametrize("key", CASES)
def test_loglik_coefficients_covariance(fits: dict, key: str) -> None:
    fit, r = fits[key], R[key]
    assert fit.converged
    assert max_rel(fit.loglik, r["loglik"]) < TOL["loglik"]
    ref = r["coefficients_engine"]
    by_term = {
        _norm(t): (e, s) for t, e, s in zip(ref["term"], ref["estimate"], ref["se"], strict=True)
    }
    ours = fit.coefficients
    assert len(ours) == len(by_term)
    for term, est, se in zip(ours["term"], ours["estimate"], ours["std_error"], strict=True):
        e_ref, se_ref = by_term[_norm(term)]
        # coefficient estimates: relative to max(|estimate|, SE)
        assert abs(est - e_ref) / max(abs(e_ref), se_ref) < TOL["estimate"]
        assert max_rel(se, se_ref) < TOL["std_error"]
    sigma = np.asarray(r["covariance_matrix"])
    scale = np.sqrt(np.outer(np.diag(sigma), np.diag(sigma)))
    assert np.max(np.abs(fit.covariance_matrix.to_numpy() - sigma) / scale) < 1e-4


def _nlme_scale(fit, reml: bool) -> float:
    """nlme's ML covariance of beta is inflated by N / (N - p)."""
    n, p = fit.n_observations, len(fit.coefficients)
    return 1.0 if reml else float(np.sqrt(n / (n - p)))


def _check_emmeans(fit, em: dict, reml: bool) -> None:
    for ours, ref in ((fit.lsmeans, em["lsmeans"]), (fit.differences, em["differences"])):
        scaled = ours.assign(std_error=ours["std_error"] * _nlme_scale(fit, reml))
        _check_table(scaled, ref, df=False)


@pytest.mark.parametrize("key", CASES)
def test_emmeans_estimates_and_se(fits: dict, key: str) -> None:
    _check_emmeans(fits[key], R[key]["emmeans"]["df.error"], R[key]["reml"])


@pytest.mark.parametrize("key", [k for k in CASES if k.split("_")[0] in {"cs", "ar1", "toep"}])
def test_emmeans_proportional_weights(key: str) -> None:
    fit = _fit(key, weights="proportional")
    _check_emmeans(fit, R[key]["emmeans_proportional"], R[key]["reml"])


def test_proportional_weights_are_row_frequencies() -> None:
    """SAS OM: factor levels weighted by their frequency among the rows analysed."""
    fit = _fit("us_reml", weights="proportional")
    w = R["data"]["site_proportional_weights"]
    row = fit.lsmean_matrix[0]
    cols = list(fit.coefficients["term"])
    assert row[cols.index("SITES2")] == pytest.approx(w["S2"], rel=1e-12)
    assert row[cols.index("SITES3")] == pytest.approx(w["S3"], rel=1e-12)


@pytest.mark.parametrize("key", CASES)
def test_satterthwaite(fits: dict, key: str) -> None:
    eng = R[key]["engine"]["satterthwaite"]
    fit = fits[key]
    _check_table(fit.lsmeans, eng["lsmeans"])
    _check_table(fit.differences, eng["differences"])
    avg = fit.average_difference().iloc[0]
    ref = {k: [v] for k, v in eng["average_difference"].items()}
    _check_table(pd.DataFrame([avg]), ref)


@pytest.mark.parametrize("key", [k for k in CASES if R[k]["reml"]])
@pytest.mark.parametrize("method", ["kenward_roger_linear", "kenward_roger"])
def test_kenward_roger(key: str, method: str) -> None:
    fit = _fit(key, df_method=method.replace("_", "-"))
    eng = R[key]["engine"][method]
    _check_table(fit.lsmeans, eng["lsmeans"])
    _check_table(fit.differences, eng["differences"])
    avg = fit.average_difference().iloc[0]
    _check_table(pd.DataFrame([avg]), {k: [v] for k, v in eng["average_difference"].items()})


def test_lmertest_satterthwaite_cs(fits: dict) -> None:
    """Compound symmetry REML = random-intercept lmer; Satterthwaite df from lmerTest."""
    ref = R["lmer_cs_reml"]
    fit = fits["cs_reml"]
    assert max_rel(fit.loglik, ref["loglik"]) < TOL["loglik"]
    _check_table(fit.differences, ref["satterthwaite"]["differences"])
    _check_table(fit.lsmeans, ref["satterthwaite"]["lsmeans"])
