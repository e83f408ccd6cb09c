"""k-arm MMRM vs R ``mmrm`` 0.3.18 + ``emmeans``.

Source: tests/reference/karm/ (PROVENANCE.md there): ``fit_mmrm.R`` fits
``Y ~ SITE + BASE * VISIT + ARM * VISIT + us(VISIT | USUBJID)`` (REML) to all arms of
``data3.csv`` (3 arms) and ``data4.csv`` (4 arms) with Kenward-Roger, Kenward-Roger-Linear
and Satterthwaite df; a covariance per arm (``us(VISIT | ARM / USUBJID)``, Satterthwaite and
Kenward-Roger); the empirical (sandwich) covariance with residual and between-within df.
Per fit: emmeans LS means and unadjusted ``trt.vs.ctrl`` / ``revpairwise`` contrasts by
visit, Type III F tests by ``mmrm::df_md`` (hypothesis rows written as trialkit writes
them), and the dose trend ``Y ~ SITE + BASE * VISIT + DOSE:VISIT``. Both sides maximise the
REML criterion iteratively, so the comparison is at 1e-4 relative for coefficients, SEs and
df (1e-3 relative for p-values, which amplify those differences).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from karm_reference import ARMS, VISITS, load, reference, stat_columns
from mmrm_reference import max_rel

from trialkit import fit_mmrm

R = reference("mmrm_karm_reference.json")
COEFFICIENT_TOL = 1e-4
SE_TOL = 1e-4
DF_TOL = 1e-4
P_TOL = 1e-3
STATS = stat_columns(COEFFICIENT_TOL, SE_TOL, DF_TOL, P_TOL)
FITS = {
    "kr": {"df_method": "kenward-roger"},
    "kr_linear": {"df_method": "kenward-roger-linear"},
    "satterthwaite": {"df_method": "satterthwaite"},
    "group": {"df_method": "satterthwaite", "group_covariance": True},
    "group_kr": {"df_method": "kenward-roger", "group_covariance": True},
    "empirical": {"df_method": "residual", "robust": True},
    "empirical_bw": {"df_method": "between-within", "robust": True},
}
_CACHE: dict[tuple[str, str, str], object] = {}


def fit(name: str, key: str, comparisons: str = "pairwise"):
    """The fit ``key`` of :data:`FITS` on data ``name`` (cached: several tests read a fit)."""
    if (name, key, comparisons) not in _CACHE:
        _CACHE[(name, key, comparisons)] = fit_mmrm(
            load(name, ARMS[name]),
            outcome="Y",
            arm="ARM",
            control="Placebo",
            visit="VISIT",
            subject="USUBJID",
            covariates=["SITE"],
            visit_covariates=["BASE"],
            fallback=(),
            dose="DOSE",
            comparisons=comparisons,
            **FITS[key],
        )
    return _CACHE[(name, key, comparisons)]


def check(ours: pd.DataFrame, ref: dict, labels: dict[str, str]) -> None:
    for col, key in labels.items():
        assert list(ours[col].astype(str)) == list(np.atleast_1d(ref[key])), col
    for col, key, tol in STATS:
        assert max_rel(ours[col], ref[key]) < tol, col


def term_key(name: str) -> str:
    """R and trialkit name interaction columns in different factor order."""
    return ":".join(sorted(name.split(":")))


def by_visit(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows ordered visit-major like emmeans' ``| VISIT`` output."""
    order = {v: i for i, v in enumerate(VISITS)}
    return frame.sort_values("visit", key=lambda v: v.map(order), kind="stable")


@pytest.mark.parametrize("key", list(FITS))
def test_three_arms(key: str) -> None:
    res, ref = fit("data3.csv", key), R["data3"][key]
    assert res.n_subjects == ref["n_subjects"] and res.n_observations == ref["n_obs"]
    assert max_rel(res.loglik, ref["loglik"]) < 1e-8
    coef = res.coefficients.assign(key=lambda c: c["term"].map(term_key)).set_index("key")
    rc = pd.DataFrame(ref["coefficients"]).assign(key=lambda c: c["term"].map(term_key))
    rc = rc.set_index("key").loc[coef.index]
    assert max_rel(coef["estimate"], rc["estimate"]) < COEFFICIENT_TOL
    assert max_rel(coef["std_error"], rc["se"]) < SE_TOL
    assert max_rel(coef["df"], rc["df"]) < DF_TOL
    lsm = res.lsmeans
    assert (
        list(lsm["arm"]) == ref["lsmeans"]["arm"] and list(lsm["visit"]) == ref["lsmeans"]["visit"]
    )
    for col, k, tol in STATS[:5]:
        assert max_rel(lsm[col], ref["lsmeans"][k]) < tol, col
    check(by_visit(res.differences), ref["pairwise"], {"comparison": "contrast", "visit": "visit"})


@pytest.mark.parametrize("key", list(FITS))
def test_three_arms_vs_control_type3_and_trend(key: str) -> None:
    res, ref = fit("data3.csv", key, comparisons="vs_control"), R["data3"][key]
    check(
        by_visit(res.differences), ref["vs_control"], {"comparison": "contrast", "visit": "visit"}
    )
    t3 = res.type3.assign(key=lambda t: t["term"].map(term_key)).set_index("key")
    r3 = pd.DataFrame(ref["type3"]).assign(key=lambda t: t["term"].map(term_key)).set_index("key")
    r3 = r3.loc[t3.index]
    assert list(t3.loc["ARM", ["num_df"]]) == [2.0]
    assert t3.loc["ARM:VISIT", "num_df"] == 6.0
    assert list(t3["num_df"]) == list(r3["num_df"])
    assert max_rel(t3["f_value"], r3["f"]) < COEFFICIENT_TOL
    assert max_rel(t3["den_df"], r3["den_df"]) < DF_TOL
    assert max_rel(t3["p_value"], r3["p"]) < P_TOL
    check(res.trend, ref["trend"], {"visit": "visit"})


def test_four_arms_pairwise() -> None:
    res, ref = fit("data4.csv", "kr"), R["data4"]["kr"]
    assert len(res.differences) == 6 * 4
    check(by_visit(res.differences), ref["pairwise"], {"comparison": "contrast", "visit": "visit"})
    t3 = res.type3.set_index("term")
    r3 = pd.DataFrame(ref["type3"]).assign(key=lambda t: t["term"].map(term_key)).set_index("key")
    assert t3.loc["ARM", "num_df"] == 3.0 and t3.loc["ARM:VISIT", "num_df"] == 9.0
    for term in ("ARM", "ARM:VISIT"):
        assert max_rel(t3.loc[term, "f_value"], r3.loc[term, "f"]) < COEFFICIENT_TOL
        assert max_rel(t3.loc[term, "den_df"], r3.loc[term, "den_df"]) < DF_TOL
    check(res.trend, ref["trend"], {"visit": "visit"})


def test_group_covariance_has_one_matrix_per_arm() -> None:
    res = fit("data3.csv", "group")
    assert list(res.covariance_matrix) == ARMS["data3.csv"]
    assert res.n_theta == 3 * 10


def test_average_difference_of_a_comparison() -> None:
    res = fit("data3.csv", "kr")
    d = res.differences
    for label in d["comparison"].unique():
        avg = res.average_difference(label).iloc[0]
        assert avg["estimate"] == pytest.approx(d.loc[d["comparison"] == label, "estimate"].mean())
    with pytest.raises(ValueError, match="is not one of"):
        res.average_difference("Placebo - Placebo")


def test_cohens_d_pools_the_baseline_sd_over_all_arms() -> None:
    """Cohen's d of every comparison = its difference / the pooled within-arm SD of BASE over
    the three arms (hand computation with pandas)."""
    d = load("data3.csv", ARMS["data3.csv"])
    res = fit_mmrm(
        d,
        outcome="Y",
        arm="ARM",
        control="Placebo",
        visit="VISIT",
        subject="USUBJID",
        covariates=["SITE"],
        visit_covariates=["BASE"],
        baseline="BASE",
        comparisons="pairwise",
    )
    # analysed: every subject with an observed Y (no covariate is missing in these data)
    per_subject = d.dropna(subset=["Y"]).drop_duplicates("USUBJID")
    assert len(per_subject) == res.n_subjects
    g = per_subject.groupby("ARM", observed=True)["BASE"]
    sd = np.sqrt(((g.count() - 1) * g.var()).sum() / (g.count() - 1).sum())
    es = res.effect_sizes
    assert list(es["comparison"]) == list(res.differences["comparison"])
    assert max_rel(es["estimate"], res.differences["estimate"] / sd) < 1e-12
    assert max_rel(es["sd_pooled"], sd) < 1e-12
