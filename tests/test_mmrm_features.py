"""MMRM options beyond the core fit: empirical SEs, between-within and residual df, Type III
tests, contrasts, Cohen's d, the fallback ladder, group covariances and clear errors.

Sources: tests/reference/empirical/empirical_se.R/.json (CR0 sandwich and SAS DDFM=BW df,
computed in R from nlme::gls on mmrm_trial2); R mmrm 0.3.18 coefficients on fev_data
(tests/reference/fev) for Type III consistency; definitions for the rest (stated per test).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from mmrm_reference import (
    REF,
    TOL,
    TRIAL2_MMRM,
    fev_data,
    fev_reference,
    max_rel,
    trial2_data,
)
from scipy import stats

from trialkit import fit_ancova, fit_mmrm
from trialkit.core.errors import ModelError

FEV = fev_data()
T2 = trial2_data()
FEV_ARGS = dict(outcome="FEV1", arm="ARMCD", control="PBO", visit="AVISIT", subject="USUBJID")
T2_ARGS = TRIAL2_MMRM


def test_empirical_se_and_between_within_df_vs_r() -> None:
    ref = json.loads((REF / "empirical" / "empirical_se.json").read_text())
    fit = fit_mmrm(
        T2, **T2_ARGS, covariance="us", df_method="between-within", robust=True, fallback=()
    )
    d = fit.differences
    assert max_rel(d["estimate"], ref["estimate"]) < TOL["estimate"]
    assert max_rel(d["std_error"], ref["se_empirical"]) < TOL["std_error"]
    assert list(d["df"]) == [float(x) for x in ref["bw_df"]]


def test_residual_df_is_n_minus_p() -> None:
    ref = json.loads((REF / "empirical" / "empirical_se.json").read_text())
    fit = fit_mmrm(T2, **T2_ARGS, covariance="us", df_method="residual", fallback=())
    assert set(fit.differences["df"]) == {float(ref["residual_df"])}  # 567 - 14 = 553


def test_between_within_df_on_fev_by_definition() -> None:
    """197 subjects, 537 observations; between columns RACE(2), SEX, ARMCD; within
    AVISIT(3), ARMCD:AVISIT(3): between df 197 - 4 - 1 = 192, within 537 - 197 - 6 = 334.
    Every visit difference involves ARMCD (between), so its df is 192."""
    fit = fit_mmrm(
        FEV, **FEV_ARGS, covariates=["RACE", "SEX"], df_method="between-within", fallback=()
    )
    assert list(fit.differences["df"]) == [192.0] * 4
    coef_df = dict(zip(fit.coefficients["term"], fit.coefficients["df"], strict=True))
    assert coef_df["AVISITVIS2"] == 334.0 and coef_df["SEXFemale"] == 192.0


def test_type3_single_df_terms_equal_squared_t() -> None:
    """For a term without interactions, Type III F = t^2 of its coefficient (R mmrm SE/df)."""
    key = "un_reml_satterthwaite"
    ref = fev_reference()[key]
    fit = fit_mmrm(
        FEV, **FEV_ARGS, covariates=["RACE", "SEX"], fallback=(), df_method="satterthwaite"
    )
    row = fit.type3.set_index("term").loc["SEX"]
    i = ref["coefficients"]["term"].index("SEXFemale")
    t = ref["coefficients"]["estimate"][i] / ref["coefficients"]["se"][i]
    assert max_rel(row["f_value"], t**2) < 1e-3  # reference stopped short: see test_mmrm_fev
    assert max_rel(row["den_df"], ref["coefficients"]["df"][i]) < 5e-4
    assert row["num_df"] == 1.0
    assert set(fit.type3["term"]) == {"RACE", "SEX", "ARMCD", "AVISIT", "ARMCD:AVISIT"}
    assert (
        fit.type3.set_index("term").loc[["RACE", "AVISIT", "ARMCD:AVISIT"], "num_df"]
        == [2.0, 3.0, 3.0]
    ).all()


def test_type3_arm_only_model_equals_difference_test() -> None:
    """MODEL FEV1 = ARMCD: the ARMCD F test is the square of the LS-mean difference t."""
    fit = fit_mmrm(
        FEV, **FEV_ARGS, covariance="cs", df_method="kenward-roger", visit_terms=False, fallback=()
    )
    d = fit.differences.iloc[0]
    row = fit.type3.set_index("term").loc["ARMCD"]
    assert row["f_value"] == pytest.approx(d["t_value"] ** 2, rel=1e-9)
    assert row["den_df"] == pytest.approx(d["df"], rel=1e-9)
    assert row["p_value"] == pytest.approx(d["p_value"], rel=1e-9)


def test_user_contrast_matches_weighted_differences() -> None:
    fit = fit_mmrm(FEV, **FEV_ARGS, covariates=["RACE", "SEX"], fallback=())
    c = fit.contrast([0, 0, 0.5, 0.5], "last two visits").iloc[0]
    d = fit.differences
    assert c["estimate"] == pytest.approx(d["estimate"].iloc[2:].mean(), rel=1e-12)
    with pytest.raises(ValueError, match="one value per visit"):
        fit.contrast([1, 1])


def test_cohens_d_definition() -> None:
    fit = fit_mmrm(T2, **T2_ARGS, covariance="us", fallback=(), baseline="BASE")
    used = T2[T2["ID"].isin(set(T2["ID"]) - set(fit.sample.excluded["subject"]))]
    per = used.drop_duplicates("ID")
    s = per.groupby("ARM")["BASE"].agg(["var", "count"])
    sd = np.sqrt(((s["count"] - 1) * s["var"]).sum() / (s["count"].sum() - 2))
    es = fit.effect_sizes
    assert es["sd_pooled"].iloc[0] == pytest.approx(sd, rel=1e-12)
    assert np.allclose(es["estimate"], fit.differences["estimate"] / sd, rtol=1e-12)
    assert np.allclose(es["ci_upper"], fit.differences["ci_upper"] / sd, rtol=1e-12)
    assert "pooled baseline SD" in fit.effect_size_definition


def test_fallback_ladder_reports_attempts(monkeypatch: pytest.MonkeyPatch) -> None:
    """A structure that fails is replaced by the next one and the result says why."""
    import trialkit.models.mmrm as mm

    real = mm.maximise

    def fail_us(lik, theta0, *a, **k):
        res = real(lik, theta0, *a, **k)
        if lik.structure.name == "us":
            return res.__class__(
                **{**res.__dict__, "converged": False, "message": "simulated failure"}
            )
        return res

    monkeypatch.setattr(mm, "maximise", fail_us)
    fit = fit_mmrm(FEV, **FEV_ARGS, covariates=["RACE", "SEX"], covariance="us")
    assert fit.requested_covariance == "us" and fit.covariance == "toeph"
    assert [(a.covariance, a.converged) for a in fit.attempts] == [("us", False), ("toeph", True)]
    assert fit.attempts[0].message == "simulated failure"
    with pytest.raises(ModelError, match=r"did not converge with any structure tried \(us: "):
        fit_mmrm(FEV, **FEV_ARGS, covariance="us", fallback=())


def test_convergence_diagnostics() -> None:
    fit = fit_mmrm(FEV, **FEV_ARGS, covariates=["RACE", "SEX"], fallback=())
    assert fit.converged and fit.diagnostics.hessian_positive_definite
    assert fit.diagnostics.gradient_norm < 1e-5


def test_group_covariance_equals_separate_fits() -> None:
    """A separate US covariance per arm (SAS GROUP=) with arm-specific visit means
    factorises by arm: its REML log-likelihood and LS means equal one nlme::gls fit per arm
    (tests/reference/fev/group_covariance.R/.json)."""
    ref = json.loads((REF / "fev" / "group_covariance.json").read_text())
    fit = fit_mmrm(
        FEV,
        **FEV_ARGS,
        covariance="us",
        group_covariance=True,
        fallback=(),
        df_method="satterthwaite",  # gls SEs are model-based (no Kenward-Roger adjustment)
    )
    assert set(fit.covariance_matrix) == {"PBO", "TRT"}
    assert fit.n_theta == 20
    assert max_rel(fit.loglik, ref["total_loglik"]) < TOL["loglik"]
    for arm in ("PBO", "TRT"):
        lsm = fit.lsmeans[fit.lsmeans["arm"] == arm]
        assert list(lsm["visit"]) == ref[arm]["visit"]
        assert max_rel(lsm["estimate"], ref[arm]["lsmean"]) < TOL["estimate"]
        assert max_rel(lsm["std_error"], ref[arm]["se"]) < TOL["std_error"]


def test_clear_errors() -> None:
    with pytest.raises(ModelError, match="column\\(s\\) NOPE not found"):
        fit_mmrm(FEV, **{**FEV_ARGS, "outcome": "NOPE"})
    with pytest.raises(ModelError, match="control arm 'XXX' is not a value of column 'ARMCD'"):
        fit_mmrm(FEV, **{**FEV_ARGS, "control": "XXX"})
    with pytest.raises(ModelError, match="'covariance' is 'banana', which is not known"):
        fit_mmrm(FEV, **FEV_ARGS, covariance="banana")
    with pytest.raises(ModelError, match="'df_method' is 'magic', which is not known"):
        fit_mmrm(FEV, **FEV_ARGS, df_method="magic")
    with pytest.raises(ModelError, match="which needs a REML fit"):
        fit_mmrm(FEV, **FEV_ARGS, df_method="kenward-roger", reml=False)
    dup = pd.concat([FEV, FEV.head(1)])
    with pytest.raises(ModelError, match="subject PT1 has more than one row for AVISIT VIS1"):
        fit_mmrm(dup, **FEV_ARGS)
    const = FEV.assign(C=1.0)
    with pytest.raises(ModelError, match="covariate C has the same value \\(1.0\\) for every"):
        fit_mmrm(const, **FEV_ARGS, covariates=["C"])


def test_p_values_follow_t_distribution() -> None:
    fit = fit_mmrm(FEV, **FEV_ARGS, covariates=["RACE", "SEX"], fallback=())
    d = fit.differences
    expected = 2 * stats.t.sf(np.abs(d["estimate"] / d["std_error"]), d["df"])
    assert np.allclose(d["p_value"], expected, rtol=1e-12)


def test_exclusions_name_their_reason() -> None:
    """Every subject is either analysed or listed with the specific reason."""
    df = FEV.copy()
    df.loc[df["USUBJID"] == "PT1", "FEV1_BL"] = np.nan
    fit = fit_mmrm(df, **FEV_ARGS, covariates=["RACE", "FEV1_BL"], fallback=())
    ex = fit.sample.excluded.set_index("subject")
    assert ex.loc["PT1", "reason"] == "missing covariate value(s): FEV1_BL"
    never = df.groupby("USUBJID")["FEV1"].apply(lambda s: s.isna().all())
    for subj in never[never].index:
        assert ex.loc[subj, "reason"] == "no observed FEV1 at any analysed visit"
    assert fit.n_subjects + len(ex) == df["USUBJID"].nunique()
    obs = df.dropna(subset=["FEV1"])
    assert fit.n_observations == len(obs[obs["USUBJID"] != "PT1"])


@pytest.mark.parametrize("visit", ["W4", "W16"])
def test_single_visit_mmrm_is_the_linear_model(visit: str) -> None:
    """With one visit the MMRM is OLS: with KR-linear df (SAS DDFM=KR) it must reproduce
    R lm + emmeans (tests/reference/ancova_trial2) at each visit."""
    ref = json.loads((REF / "ancova_trial2" / "ancova_trial2_reference.json").read_text())
    one = T2[T2["VISIT"] == visit]
    fit = fit_mmrm(
        one,
        outcome="Y",
        arm="ARM",
        control="Control",
        visit="VISIT",
        subject="ID",
        covariates=["BASE", "SITE"],
        covariance="toeph",
        df_method="kenward-roger-linear",
    )
    assert fit.covariance == "us" and fit.attempts[0].message.startswith("only one visit")
    d = fit.differences.iloc[0]
    r = ref[visit]["model"]["difference"]
    assert max_rel(d["estimate"], r["estimate"]) < TOL["estimate"]
    assert max_rel(d["std_error"], r["se"]) < TOL["std_error"]
    assert max_rel(d["df"], r["df"]) < TOL["df"]
    assert max_rel(d["ci_lower"], r["lower"]) < TOL["ci"]
    assert max_rel(d["ci_upper"], r["upper"]) < TOL["ci"]


def test_numeric_visits_are_ordered_numerically() -> None:
    weeks = FEV.assign(WEEK=FEV["AVISIT"].map({"VIS1": 4, "VIS2": 8, "VIS3": 12, "VIS4": 16}))
    args = dict(outcome="FEV1", arm="ARMCD", control="PBO", visit="WEEK", subject="USUBJID")
    assert list(fit_mmrm(weeks, **args, fallback=()).differences["visit"]) == ["4", "8", "12", "16"]
    anc = fit_ancova(weeks, **args, baseline="FEV1_BL")
    assert list(anc.differences["visit"]) == ["4", "8", "12", "16"]


def test_nothing_is_silently_coerced_or_dropped() -> None:
    bad = FEV.astype({"FEV1": object})
    bad.loc[5, "FEV1"] = "n/a"
    with pytest.raises(
        ModelError, match=r"column 'FEV1' has 1 non-numeric value\(s\) \(e.g. 'n/a'"
    ):
        fit_mmrm(bad, **FEV_ARGS)
    no_arm = FEV.copy()
    no_arm.loc[7, "ARMCD"] = None
    with pytest.raises(ModelError, match="column 'ARMCD' is missing on 1 row"):
        fit_mmrm(no_arm, **FEV_ARGS)
