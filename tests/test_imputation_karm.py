"""Reference-based imputation with three arms in one model, against rbmi.

Reference: tests/reference/rbmi_karm/karm_rbmi_reference.json, made by
``make_karm_reference.R`` (rbmi 1.6.0.9000, mmrm 0.3.18, R 4.2.2): conditional mean
imputation with jackknife SEs on tests/reference/karm/data3.csv (Placebo, Low Dose,
High Dose), imputation model ``CHANGE ~ BASVAL * VISIT + THERAPY * VISIT`` (unstructured),
MAR and JR (both dose arms reference Placebo; JR also with one covariance matrix per arm,
rbmi ``same_cov = FALSE``) with the first missing visit after the last observed one as the
event, analysed by ``lm(CHANGE ~ THERAPY + BASVAL)`` per visit with all
three arms. rbmi's condmean has no df (normal reference): trialkit reports df = inf.

Tolerances (relative): estimates and SEs 1e-4 (both programs refit the imputation model
iteratively for every jackknife sample; they agree to 5e-5), p-values by the delta method
from the SE tolerance.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from karm_reference import KARM, RBMI_KARM, VISITS, assert_matches_rbmi, rbmi_arguments

from trialkit import impute_and_analyse, tipping_point
from trialkit.errors import DataError

ARMS = ("Placebo", "High Dose", "Low Dose")  # the data's order after the control
ESTIMATE = 1e-4  # relative, coefficient-like quantities
SE = 1e-4  # relative, standard errors


@pytest.fixture(scope="module")
def ref() -> dict:
    with open(RBMI_KARM / "karm_rbmi_reference.json") as fh:
        return json.load(fh)


def _arguments(ref: dict, case: str) -> dict:
    return rbmi_arguments(
        ref["dropouts"],
        case.removesuffix("_groupcov"),
        group_covariance=case.endswith("_groupcov"),
    )


@pytest.fixture(scope="module", params=["MAR", "JR", "JR_groupcov"])
def fitted(request, ref):  # type: ignore[no-untyped-def]
    data = pd.read_csv(KARM / "data3.csv")
    res = impute_and_analyse(data, **_arguments(ref, request.param))
    table = pd.DataFrame({k: ref[request.param][k] for k in ("parameter", "est", "se", "pval")})
    return request.param, res, table.set_index("parameter")


def test_differences_match_rbmi(fitted) -> None:  # type: ignore[no-untyped-def]
    """Every comparison vs Placebo at every visit: estimate and jackknife SE."""
    _, res, table = fitted
    d = res.differences
    assert list(d.columns) == [
        "comparison",
        "visit",
        "estimate",
        "std_error",
        "df",
        "ci_lower",
        "ci_upper",
        "p_value",
    ]
    assert list(dict.fromkeys(d["comparison"])) == ["High Dose - Placebo", "Low Dose - Placebo"]
    assert list(d["visit"]) == VISITS * 2
    theirs = assert_matches_rbmi(d, table, ESTIMATE, SE)
    assert np.isinf(d["df"]).all()
    np.testing.assert_allclose(d["p_value"], theirs["pval"], rtol=5e-3)


def test_lsmeans_match_rbmi(fitted) -> None:  # type: ignore[no-untyped-def]
    """LS mean of each arm at the visit's mean baseline (rbmi: the same lm, x'b)."""
    _, res, table = fitted
    lsm = res.lsmeans
    assert list(lsm["arm"]) == list(ARMS) * 4
    assert_matches_rbmi(lsm, table, ESTIMATE, SE)


def test_result_records_every_arm_and_reference(fitted, ref) -> None:  # type: ignore[no-untyped-def]
    strategy, res, _ = fitted
    assert res.arms == ARMS
    assert res.reference == {a: "Placebo" for a in ARMS}
    assert res.comparisons == ("High Dose - Placebo", "Low Dose - Placebo")
    assert res.n_subjects == 180
    assert len(res.events) == len(ref["dropouts"]["PATIENT"]) == 55
    assert any("3 arms in one imputation model" in n for n in res.notes)


def test_pairwise_comparison_is_the_difference_of_the_vs_control_ones(ref) -> None:
    """``comparisons=`` picks the pairs; the conditional-mean High - Low estimate is the
    difference of the two vs-Placebo estimates (one linear model), and the pooled SE is a
    jackknife of that difference, not a combination of the two SEs."""
    data = pd.read_csv(KARM / "data3.csv")
    args = _arguments(ref, "JR")
    both = impute_and_analyse(data, comparisons="pairwise", **args).differences
    labels = list(dict.fromkeys(both["comparison"]))
    assert labels == ["High Dose - Placebo", "Low Dose - Placebo", "Low Dose - High Dose"]
    by = {c: g.reset_index(drop=True) for c, g in both.groupby("comparison", sort=False)}
    np.testing.assert_allclose(
        by["Low Dose - High Dose"]["estimate"],
        by["Low Dose - Placebo"]["estimate"] - by["High Dose - Placebo"]["estimate"],
        rtol=1e-10,
    )
    default = impute_and_analyse(data, **args).differences
    pd.testing.assert_frame_equal(both.iloc[:8].reset_index(drop=True), default)


def test_tipping_point_takes_its_comparison(ref) -> None:
    """The tipping point of one comparison shifts that comparison's first arm; its delta = 0
    row is the comparison's pooled difference at the target visit."""
    data = pd.read_csv(KARM / "data3.csv")
    args = _arguments(ref, "JR")
    tp = tipping_point(data, deltas=[0.0, 2.0, 4.0], comparison="Low Dose - Placebo", **args)
    assert tp.comparison == "Low Dose - Placebo"
    base = tp.base.differences
    row = base[(base.comparison == "Low Dose - Placebo") & (base.visit == "W16")].iloc[0]
    np.testing.assert_allclose(tp.table.loc[0, "estimate"], row["estimate"], rtol=1e-12)
    assert list(tp.table.columns)[:2] == ["delta", "estimate"]
    # a positive shift on Low Dose's imputed values moves Low Dose - Placebo up
    assert np.all(np.diff(tp.table["estimate"]) > 0)
    first = tipping_point(data, deltas=[0.0], **args)
    assert first.comparison == "High Dose - Placebo"
    with pytest.raises(DataError, match="comparison 'D - Placebo' is not one of"):
        tipping_point(data, deltas=[0.0], comparison="D - Placebo", **args)


def test_group_covariance_with_three_arms(ref) -> None:
    """One covariance per arm fits three covariance matrices: a larger REML log-likelihood
    than the common covariance, in which it is nested (its numbers: JR_groupcov above)."""
    data = pd.read_csv(KARM / "data3.csv")
    common = impute_and_analyse(data, **_arguments(ref, "JR"))
    grouped = impute_and_analyse(data, **_arguments(ref, "JR_groupcov"))
    assert grouped.imputation_loglik > common.imputation_loglik
