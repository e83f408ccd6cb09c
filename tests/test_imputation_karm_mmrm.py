"""Reference-based imputation with three arms analysed by an MMRM (``analysis="mmrm"``),
against rbmi with mmrm + emmeans as its analysis function.

Reference: tests/reference/rbmi_karm/karm_rbmi_mmrm_reference.json, made by
``make_karm_mmrm_reference.R`` (rbmi 1.6.0.9000, mmrm 0.3.18, emmeans 1.8.4.1, R 4.2.2):
conditional mean imputation with jackknife SEs on tests/reference/karm/data3.csv (Placebo,
Low Dose, High Dose), the imputation model, events and references of
tests/test_imputation_karm.py (MAR and JR), and case ``JR_site`` with SITE added to both
models. Every imputed data set is analysed by the MMRM trialkit fits for ``analysis="mmrm"``:
``mmrm(CHANGE ~ [SITE +] BASVAL*VISIT + THERAPY*VISIT + us(VISIT | PATIENT))``, REML,
Kenward-Roger df (``vcov = "Kenward-Roger-Linear"``), emmeans LS means with equal weights and
``trt.vs.ctrl`` contrasts. The pooled results have df = inf (rbmi's condmean); ``full`` is the
one MMRM on the full-data imputation, with its own SE and Kenward-Roger df.

Without SITE every design column is visit-specific, so on a complete (imputed) data set the
MMRM's GLS estimate is the per-visit OLS one for any covariance: the pooled MMRM results equal
the ANCOVA ones (checked below against both). With SITE (one effect for all visits) the
estimates depend on the fitted covariance: that case tests the MMRM itself.

Tolerances (relative): estimates and SEs 1e-4 (both programs refit the imputation model
for every jackknife sample; rbmi's fits stop at TMB's default tolerance, see
tests/reference/rbmi_karm/PROVENANCE.md for the measured agreement), p-values by the delta
method from the SE tolerance, the full-data MMRM's Kenward-Roger df 1e-4. The analysis MMRM
alone, fitted to rbmi's own imputed data set: estimates, SEs and df 1e-6.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from karm_reference import (
    KARM,
    RBMI_KARM,
    SHORT,
    VISITS,
    assert_matches_rbmi,
    rbmi_arguments,
)

from trialkit import impute_and_analyse
from trialkit.imputation.analysis import mmrm as analysis_mmrm
from trialkit.imputation.api import parse_arguments, prepare

ARMS = ("Placebo", "High Dose", "Low Dose")  # the data's order after the control
ESTIMATE = 1e-4  # relative, coefficient-like quantities
SE = 1e-4  # relative, standard errors
DF = 1e-4  # relative, Kenward-Roger df
P_VALUE = 5e-3  # relative: a p-value amplifies the SE's last digits
SAME_DATA = 1e-6  # relative, estimate / SE / df of one MMRM on the same (rbmi's) imputed data


@pytest.fixture(scope="module")
def ref() -> dict:
    with open(RBMI_KARM / "karm_rbmi_mmrm_reference.json") as fh:
        return json.load(fh)


def _arguments(ref: dict, case: str) -> dict:
    site = case.endswith("_site")
    return rbmi_arguments(
        ref["dropouts"],
        case.removesuffix("_site"),
        covariates=["SITE"] if site else [],
        analysis="mmrm",
    )


def _table(block: dict, keys: tuple[str, ...] = ("est", "se", "pval")) -> pd.DataFrame:
    """A pooled block (``pval``; rbmi's condmean df is empty) or ``full`` (``df``)."""
    return pd.DataFrame({k: block[k] for k in ("parameter", *keys)}).set_index("parameter")


@pytest.fixture(scope="module", params=["MAR", "JR", "JR_site"])
def fitted(request, ref):  # type: ignore[no-untyped-def]
    data = pd.read_csv(KARM / "data3.csv")
    res = impute_and_analyse(data, **_arguments(ref, request.param))
    return request.param, res, _table(ref[request.param])


def test_differences_match_rbmi_mmrm(fitted) -> None:  # type: ignore[no-untyped-def]
    """Each dose arm minus Placebo at every visit: pooled estimate and jackknife SE."""
    case, res, table = fitted
    assert res.analysis == "mmrm"
    d = res.differences
    assert list(dict.fromkeys(d["comparison"])) == ["High Dose - Placebo", "Low Dose - Placebo"]
    assert list(d["visit"]) == VISITS * 2
    theirs = assert_matches_rbmi(d, table, ESTIMATE, SE)
    assert np.isinf(d["df"]).all()
    np.testing.assert_allclose(d["p_value"], theirs["pval"], rtol=P_VALUE)


def test_lsmeans_match_rbmi_mmrm(fitted) -> None:  # type: ignore[no-untyped-def]
    """LS mean of each arm at each visit (emmeans: BASVAL at its mean, SITE equal weights)."""
    _, res, table = fitted
    lsm = res.lsmeans
    assert list(lsm["arm"]) == list(ARMS) * 4
    assert_matches_rbmi(lsm, table, ESTIMATE, SE)


@pytest.mark.parametrize("case", ["JR", "JR_site"])
def test_full_data_mmrm_matches_rbmi_analysis(ref, case) -> None:  # type: ignore[no-untyped-def]
    """The MMRM on the full-data conditional-mean imputation, before pooling: estimate, its
    own model-based SE and Kenward-Roger df (what Rubin's rules use with approximate Bayesian
    MI) against rbmi's first analysis (``ana$results[[1]]``)."""
    data = pd.read_csv(KARM / "data3.csv")
    request, spec, run = parse_arguments(**_arguments(ref, case))
    prep = prepare(data, request, spec, run)
    est, se, df = analysis_mmrm(prep.y_full[None], None, prep.grid, prep.pairs)
    arms = prep.grid.arms
    assert arms == ARMS
    names = [f"trt_{SHORT[arms[a]]}" for a, _ in prep.pairs] + [f"lsm_{SHORT[a]}" for a in arms]
    keys = [f"{n}_{v}" for v in VISITS for n in names]
    full = _table(ref[case]["full"], ("est", "se", "df")).loc[keys]
    np.testing.assert_allclose(est[0].ravel(), full["est"], rtol=ESTIMATE)
    np.testing.assert_allclose(se[0].ravel(), full["se"], rtol=SE)
    np.testing.assert_allclose(df[0].ravel(), full["df"], rtol=DF)


@pytest.mark.parametrize("case", ["MAR", "JR"])
def test_without_site_the_mmrm_pools_to_the_ancova(ref, case) -> None:  # type: ignore[no-untyped-def]
    """With only visit-specific columns (BASE x visit, arm x visit) the GLS estimate on a
    complete data set is the per-visit OLS one whatever the covariance, and the jackknife SE
    uses only estimates: rbmi's pooled MMRM results equal its pooled ANCOVA ones
    (karm_rbmi_reference.json), so the two R references check each other."""
    with open(RBMI_KARM / "karm_rbmi_reference.json") as fh:
        ancova = _table(json.load(fh)[case])
    mmrm = _table(ref[case])
    np.testing.assert_allclose(mmrm["est"], ancova.loc[mmrm.index, "est"], rtol=1e-8)
    np.testing.assert_allclose(mmrm["se"], ancova.loc[mmrm.index, "se"], rtol=1e-6)


def test_mmrm_on_rbmis_own_imputation_matches_r(ref) -> None:  # type: ignore[no-untyped-def]
    """The analysis MMRM alone: trialkit's per-data-set MMRM on rbmi's full-data JR_site
    imputation (karm_jr_site_imputed.csv, make_karm_mmrm_imputed.R) against R mmrm + emmeans
    on the same data (karm_jr_site_imputed_mmrm.json). Both fits are converged (R: nlminb
    rel.tol 1e-12), so this agrees far closer than the pooled results, whose differences come
    from rbmi's imputation-model fits (TMB's default tolerance)."""
    data = pd.read_csv(KARM / "data3.csv")
    request, spec, run = parse_arguments(**_arguments(ref, "JR_site"))
    prep = prepare(data, request, spec, run)
    grid = prep.grid
    imputed = pd.read_csv(RBMI_KARM / "karm_jr_site_imputed.csv")
    wide = imputed.pivot(index="USUBJID", columns="VISIT", values="Y")
    Y = wide.loc[list(grid.subject_ids), list(grid.visits)].to_numpy()
    observed = ~grid.missing
    np.testing.assert_array_equal(Y[observed], prep.y_full[observed])  # the same observed data
    est, se, df = analysis_mmrm(Y[None], None, grid, prep.pairs)
    names = [f"trt_{SHORT[grid.arms[a]]}" for a, _ in prep.pairs]
    names += [f"lsm_{SHORT[a]}" for a in grid.arms]
    with open(RBMI_KARM / "karm_jr_site_imputed_mmrm.json") as fh:
        theirs = _table(json.load(fh), ("est", "se", "df"))
    theirs = theirs.loc[[f"{n}_{v}" for v in VISITS for n in names]]
    np.testing.assert_allclose(est[0].ravel(), theirs["est"], rtol=SAME_DATA)
    np.testing.assert_allclose(se[0].ravel(), theirs["se"], rtol=SAME_DATA)
    np.testing.assert_allclose(df[0].ravel(), theirs["df"], rtol=SAME_DATA)


def test_rbmis_imputation_fit_stopped_short_of_the_optimum(ref) -> None:  # type: ignore[no-untyped-def]
    """Where the pooled differences come from: rbmi's full-data imputation-model fit for
    JR_site (``d$samples[[1]]``, in karm_jr_site_imputed_mmrm.json) has a lower REML
    log-likelihood, evaluated in trialkit's likelihood (profiled over beta), than trialkit's
    fit, and a covariance within 2e-4 of it: TMB's default stopping rule, not a different
    model."""
    from trialkit.imputation.draws import fit_full

    data = pd.read_csv(KARM / "data3.csv")
    request, spec, run = parse_arguments(**_arguments(ref, "JR_site"))
    prep = prepare(data, request, spec, run)
    ctx = fit_full(prep.grid)
    with open(RBMI_KARM / "karm_jr_site_imputed_mmrm.json") as fh:
        sigma = np.asarray(json.load(fh)["imputation_fit"]["sigma"]).reshape(4, 4)
    chol = np.linalg.cholesky(sigma)
    d = np.diag(chol)
    r, c = np.tril_indices(4, -1)
    loglik_rbmi = -ctx.lik.evaluate(np.concatenate([np.log(d), chol[r, c] / d[r]])).nll
    assert 0 < ctx.loglik - loglik_rbmi < 1e-5
    np.testing.assert_allclose(sigma, ctx.params.sigmas[0], rtol=2e-4)


def test_cli_estimand_with_mmrm_analysis_matches_rbmi(cli, tmp_path, ref) -> None:  # type: ignore[no-untyped-def]
    """`trialkit analyze` with an [[estimands]] table: the reference's dropouts as a
    hypothetical event (column DISC: nothing observed is masked, as in rbmi), a J2R
    sensitivity estimator by conditional mean imputation with ``analysis = "mmrm"``; the plan's
    model (``baseline + SITE``, ``baseline`` x visit, the data of tests/test_karm_cli.py with
    the baseline visit W0) is case JR_site's, so the JSON's differences are rbmi's (measured:
    2.5e-5 estimates, 9.1e-5 SEs; the same estimator with the ANCOVA analysis is 22% away)."""
    from test_karm_cli import data3, plan3, write

    df = data3()
    disc = dict(zip(ref["dropouts"]["PATIENT"], ref["dropouts"]["VISIT"], strict=True))
    df["DISC"] = df["USUBJID"].map(disc).fillna("")
    plan = plan3()
    plan["estimands"] = [
        {
            "name": "Hypothetical",
            "outcome": "Y",
            "visits": VISITS,
            "events": [{"name": "Stopped", "column": "DISC", "strategy": "hypothetical"}],
            "main": {"name": "MMRM", "method": "mmrm"},
            "sensitivity": [
                {"name": "J2R", "method": "condmean", "assumption": "JR", "analysis": "mmrm"}
            ],
        }
    ]
    data, path = write(tmp_path, df, plan)
    out = tmp_path / "r.json"
    result = cli("analyze", data, "--plan", path, "--json", out)
    assert result.exit_code == 0, result.output
    (est,) = json.loads(out.read_text())["estimands"]
    (j2r,) = [e for e in est["estimators"] if e["name"] == "J2R"]
    assert j2r["error"] is None, j2r["error"]
    assert len(est["events"]) == len(disc) == 55
    ours = pd.DataFrame(j2r["differences"])
    assert len(ours) == 8
    assert_matches_rbmi(ours, _table(ref["JR_site"]), ESTIMATE, SE)
