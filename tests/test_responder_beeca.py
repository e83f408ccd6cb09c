"""Responder g-computation vs R beeca 0.2.0 ``get_marginal_effect`` and R ``glm``.

Source: tests/reference/beeca/ (PROVENANCE.md there): beeca's ``trial01`` (2 arms),
``trial02_cdisc`` (3 arms, CDISC pilot) and ``simulated.csv`` (3 arms x 3 visits, seed
20261130, responder = change from baseline <= -10), each with Ge (HC0, HC1, HC2, HC3,
model-based), Ye (``mod`` FALSE/TRUE) and Ye with strata; contrasts diff / rr / or / logrr /
logor against the control. R's glm was run with epsilon 1e-14, statsmodels with tol 1e-12.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from tests.mmrm_reference import REF
from trialkit import fit_responder

DIR = REF / "beeca"
with open(DIR / "beeca_reference.json") as fh:
    CASES = json.load(fh)["cases"]
# g-computation estimates are smooth functions of the coefficients; measured max 2e-14.
ESTIMATE_TOL = 1e-9
# standard errors: measured max 1.6e-8 (R's vcov comes from the last IRLS iteration's weights).
SE_TOL = 1e-6
# logistic coefficients (statsmodels vs R glm): measured 6e-14; model-based SEs 5e-8.
COEF_TOL = 1e-6
MEASURES = {"diff": "risk difference", "rr": "risk ratio", "or": "odds ratio"}


def roles(dataset: str) -> tuple[pd.DataFrame, dict]:
    if dataset == "trial01":
        d = pd.read_csv(DIR / "trial01.csv").assign(visit="all")
        return d, dict(outcome="aval", arm="trtp", control="0", visit="visit", subject="usubjid")
    if dataset == "trial02_cdisc":
        d = pd.read_csv(DIR / "trial02_cdisc.csv").assign(visit="all")
        return d, dict(
            outcome="AVAL", arm="TRTP", control="Placebo", visit="visit", subject="USUBJID"
        )
    d = pd.read_csv(DIR / "simulated.csv", keep_default_na=False, na_values=[""])
    return d, dict(
        outcome="AVAL",
        arm="ARM",
        control="Placebo",
        visit="AVISIT",
        subject="USUBJID",
        responder="change <= -10",
        baseline="BASE",
    )


def options(label: str) -> dict:
    if label.startswith("Ge "):
        return dict(variance="ge", ge_type=label[3:])
    if label == "Ye":
        return dict(variance="ye")
    if label == "Ye mod":
        return dict(variance="ye", ye_mod=True)
    return dict(variance="ye", strata=[label.split()[-1]])


def comparison(beeca_label: str, control: str) -> str:
    """beeca labels ('diff: Low-Placebo', 'rr: Low/Placebo', 'or: odds(Low) / odds(Placebo)')
    as ours ('Low - Placebo')."""
    body = beeca_label.split(": ", 1)[1]
    odds = re.findall(r"odds\((.*?)\)", body)
    if odds:
        return f"{odds[0]} - {odds[1]}"
    body = re.sub(r"^log\((.*)\)$", r"\1", body)
    treat = body.split("/")[0] if "/" in body else body[: -len(control) - 1]
    return f"{treat} - {control}"


def rel(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.abs(b)))


PARAMS = [
    pytest.param(
        case, res, id=f"{case['dataset']}-{case['visit']}-{case['formula']}-{res['variance']}"
    )
    for case in CASES
    for res in case["results"]
]


def fit_case(case: dict, label: str):
    data, role = roles(case["dataset"])
    covs = [c.strip() for c in case["formula"].split("~")[1].split("+")[1:]]
    return fit_responder(data, covariates=covs, visits=[case["visit"]], **role, **options(label))


@pytest.mark.parametrize(("case", "res"), PARAMS)
def test_marginal_effects_match_beeca(case: dict, res: dict) -> None:
    """Risks, RD/RR/OR and their SEs (natural and log scale) vs beeca get_marginal_effect."""
    fit = fit_case(case, res["variance"])
    control = fit.control
    assert int(fit.counts["n_with_data"].sum()) == case["n"]
    risks = fit.risks.set_index("arm")
    names = list(res["risk"])
    assert rel(risks.loc[names, "estimate"], list(res["risk"].values())) < ESTIMATE_TOL
    assert rel(risks.loc[names, "std_error"], list(res["risk_se"].values())) < SE_TOL
    eff = fit.effects
    for key, measure in MEASURES.items():
        ref = res[key]
        labels = [comparison(c, control) for c in np.atleast_1d(ref["comparison"])]
        rows = eff[eff["measure"] == measure].set_index("comparison").loc[labels]
        assert rel(rows["estimate"], np.atleast_1d(ref["estimate"])) < ESTIMATE_TOL
        assert rel(rows["std_error"], np.atleast_1d(ref["se"])) < SE_TOL
        if key != "diff":
            log_ref = res["log" + key]
            assert rel(np.log(rows["estimate"]), np.atleast_1d(log_ref["estimate"])) < ESTIMATE_TOL
            assert rel(rows["log_std_error"], np.atleast_1d(log_ref["se"])) < SE_TOL


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['dataset']}-{c['visit']}-{c['formula']}")
def test_logistic_coefficients_match_glm(case: dict) -> None:
    """statsmodels GLM Binomial coefficients and model-based SEs vs R glm (same case)."""
    fit = fit_case(case, "Ye")
    co = fit.coefficients
    ref_names = list(case["coefficients"])
    # R names factor columns like ours (ARMHigh, REGIONEU, SEXM); the arm column is ours 'arm'.
    arm_col = {"trial01": "trtp", "trial02_cdisc": "TRTP", "simulated": "ARM"}[case["dataset"]]
    ours = co.assign(term=co["term"].str.replace(r"^arm", arm_col, regex=True)).set_index("term")
    assert sorted(ours.index) == sorted(ref_names)
    assert rel(ours.loc[ref_names, "estimate"], list(case["coefficients"].values())) < COEF_TOL
    assert rel(ours.loc[ref_names, "std_error"], list(case["coef_se"].values())) < COEF_TOL


def test_ratio_intervals_are_on_the_log_scale() -> None:
    """RR/OR CI = exp(log estimate -/+ z * SE(log)), p from the log-scale z (beeca logrr/logor)."""
    fit = fit_case(CASES[-1], "Ye")
    z = 1.959963984540054
    for r in fit.effects.itertuples():
        if r.measure == "risk difference":
            assert r.ci_lower == pytest.approx(r.estimate - z * r.std_error, rel=1e-12)
            assert np.isnan(r.log_std_error)
        else:
            assert r.ci_lower == pytest.approx(np.exp(np.log(r.estimate) - z * r.log_std_error))
            assert r.ci_upper == pytest.approx(np.exp(np.log(r.estimate) + z * r.log_std_error))
            assert r.z_value == pytest.approx(np.log(r.estimate) / r.log_std_error)
        assert np.isnan(r.df)
