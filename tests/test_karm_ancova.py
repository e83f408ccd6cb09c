"""k-arm ANCOVA per visit vs R ``lm`` + ``emmeans``.

Source: tests/reference/karm/ (PROVENANCE.md there): ``fit_ancova.R`` fits
``lm(Y ~ ARM + BASE [+ SITE])`` to all arms at once on complete cases at each visit of
``data3.csv`` (3 arms) and ``data4.csv`` (4 arms), with emmeans LS means, ``trt.vs.ctrl``,
``revpairwise`` and explicit contrasts (unadjusted), ``drop1`` F tests of ARM, HC3 SEs, and the
dose trend ``lm(Y ~ DOSE + BASE [+ SITE])``. These are closed-form linear-model quantities,
so the tolerances are 1e-9 relative.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from karm_reference import ARMS3, ARMS4, load, reference, stat_columns
from mmrm_reference import max_rel

from trialkit import fit_ancova
from trialkit.errors import ModelError

R = reference("ancova_karm_reference.json")
COEFFICIENT_TOL = 1e-9
SE_TOL = 1e-9
DF_TOL = 1e-12
P_TOL = 1e-8
STATS = stat_columns(COEFFICIENT_TOL, SE_TOL, DF_TOL, P_TOL)
DOSE3 = {"Placebo": 0, "Low Dose": 54, "High Dose": 81}


def fit(name: str = "data3.csv", arms: list[str] | None = ARMS3, site: bool = True, **kw):
    return fit_ancova(
        load(name, arms),
        outcome="Y",
        arm="ARM",
        control="Placebo",
        visit="VISIT",
        subject="USUBJID",
        baseline="BASE",
        covariates=["SITE"] if site else [],
        **kw,
    )


def check_table(ours: pd.DataFrame, ref: dict, label: str = "comparison") -> None:
    assert list(ours[label]) == list(np.atleast_1d(ref["contrast"]))
    for col, key, tol in STATS:
        assert max_rel(ours[col], ref[key]) < tol, col


@pytest.mark.parametrize("model", ["base", "site"])
def test_three_arms_vs_control(model: str) -> None:
    res = fit(site=model == "site")
    assert res.arms == tuple(ARMS3)
    assert res.comparisons == (("Low Dose", "Placebo"), ("High Dose", "Placebo"))
    for v in ("W4", "W8", "W12", "W16"):
        ref = R["data3"][v][model]
        check_table(res.differences[res.differences["visit"] == v], ref["vs_control"])
        lsm = res.lsmeans[res.lsmeans["visit"] == v]
        assert list(lsm["arm"]) == ref["lsmeans"]["arm"]
        for col, key, tol in STATS[:5]:
            assert max_rel(lsm[col], ref["lsmeans"][key]) < tol, col
        arm_test = res.type3[(res.type3["visit"] == v) & (res.type3["term"] == "ARM")].iloc[0]
        rt = ref["arm_test"]
        assert arm_test["num_df"] == rt["num_df"] == 2
        assert arm_test["den_df"] == rt["den_df"]
        assert max_rel(arm_test["f_value"], rt["f"]) < COEFFICIENT_TOL
        assert max_rel(arm_test["p_value"], rt["p"]) < P_TOL


def test_differences_are_ordered_by_comparison_then_visit() -> None:
    d = fit().differences
    assert list(d.columns[:2]) == ["comparison", "visit"]
    assert list(d["comparison"]) == ["Low Dose - Placebo"] * 4 + ["High Dose - Placebo"] * 4
    assert list(d["visit"]) == ["W4", "W8", "W12", "W16"] * 2


def test_pairwise_and_explicit_pairs() -> None:
    pw = fit(comparisons="pairwise")
    ex = fit(comparisons=[("Placebo", "High Dose"), ("High Dose", "Low Dose")])
    for v in ("W4", "W16"):
        ref = R["data3"][v]["site"]
        check_table(pw.differences[pw.differences["visit"] == v], ref["pairwise"])
        check_table(ex.differences[ex.differences["visit"] == v], ref["explicit"])


def test_hc3_contrasts_and_trend() -> None:
    res = fit(comparisons="pairwise", robust="HC3", dose=DOSE3)
    for v in ("W4", "W8", "W12", "W16"):
        ref = R["data3"][v]["site_hc3"]
        check_table(res.differences[res.differences["visit"] == v], ref["pairwise"])
        tr = res.trend[res.trend["visit"] == v].iloc[0]
        for col, key, tol in STATS:
            assert max_rel(tr[col], ref["trend"][key]) < tol, col
        # the arm test is the Wald F with the HC3 covariance
        arm_test = res.type3[(res.type3["visit"] == v) & (res.type3["term"] == "ARM")].iloc[0]
        assert (arm_test["num_df"], arm_test["den_df"]) == (2, ref["arm_test"]["den_df"])
        assert max_rel(arm_test["f_value"], ref["arm_test"]["f"]) < COEFFICIENT_TOL
        assert max_rel(arm_test["p_value"], ref["arm_test"]["p"]) < P_TOL


@pytest.mark.parametrize("model", ["base", "site"])
def test_dose_trend(model: str) -> None:
    # the dose as a mapping and as the data's DOSE column give the same trend
    by_map = fit(site=model == "site", dose=DOSE3).trend
    by_col = fit(site=model == "site", dose="DOSE").trend
    pd.testing.assert_frame_equal(by_map, by_col)
    assert list(by_map["visit"]) == ["W4", "W8", "W12", "W16"]
    for _, row in by_map.iterrows():
        ref = R["data3"][row["visit"]][model]["trend"]
        for col, key, tol in STATS:
            assert max_rel(row[col], ref[key]) < tol, col
        assert max_rel(row["t_value"], ref["t"]) < COEFFICIENT_TOL


def test_four_arms_pairwise_and_explicit() -> None:
    pw = fit("data4.csv", ARMS4, comparisons="pairwise", visits=["W16"])
    ref = R["data4"]["W16"]["site"]
    assert len(pw.differences) == 6
    check_table(pw.differences, ref["pairwise"])
    check_table(fit("data4.csv", ARMS4, visits=["W16"]).differences, ref["vs_control"])
    check_table(
        fit(
            "data4.csv", ARMS4, visits=["W16"], comparisons=[("D3", "D1"), ("D1", "D2")]
        ).differences,
        ref["explicit"],
    )
    tr = fit("data4.csv", ARMS4, visits=["W16"], dose="DOSE").trend.iloc[0]
    for col, key, tol in STATS:
        assert max_rel(tr[col], ref["trend"][key]) < tol, col
    t3 = pw.type3.set_index("term").loc["ARM"]
    assert t3["num_df"] == 3
    assert max_rel(t3["f_value"], ref["arm_test"]["f"]) < COEFFICIENT_TOL


def test_counts_per_comparison() -> None:
    res = fit(comparisons="pairwise")
    for v in ("W4", "W16"):
        n = R["data3"][v]["n_per_arm"]
        d = res.differences[res.differences["visit"] == v]
        assert list(d["n"]) == [R["data3"][v]["n_used"]] * 3
        assert list(d["n_treatment"]) == [n["Low Dose"], n["High Dose"], n["High Dose"]]
        assert list(d["n_control"]) == [n["Placebo"], n["Placebo"], n["Low Dose"]]
        assert res.samples[v].n_subjects == n


def test_arm_order_without_categories_is_sorted_after_control() -> None:
    res = fit(arms=None, site=False, visits=["W16"], comparisons="pairwise")
    assert res.arms == ("Placebo", "High Dose", "Low Dose")
    assert list(res.differences["comparison"]) == [
        "High Dose - Placebo",
        "Low Dose - Placebo",
        "Low Dose - High Dose",
    ]
    ref = R["data3"]["W16"]["base"]["pairwise"]
    # the same model: Low - High is minus R's High - Low
    assert max_rel(res.differences["estimate"].iloc[2], -ref["estimate"][2]) < COEFFICIENT_TOL
    assert max_rel(res.differences["std_error"].iloc[2], ref["se"][2]) < SE_TOL


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"comparisons": [("Placebo", "Medium Dose")]}, "names arm 'Medium Dose', which is not"),
        ({"comparisons": [("Placebo", "Placebo")]}, "compares arm 'Placebo' with itself"),
        ({"comparisons": "all"}, "comparisons 'all' is not known"),
        ({"dose": {"Placebo": 0, "Low Dose": 54}}, "no dose for arm(s) High Dose"),
        ({"dose": {"Placebo": 0, "Low Dose": "high", "High Dose": 81}}, "not a number"),
        ({"dose": "SITE"}, "dose column 'SITE' is 'S1' at row 1 (subject S001)"),
    ],
)
def test_bad_comparisons_and_doses(kwargs: dict, message: str) -> None:
    with pytest.raises(ModelError) as exc:
        fit(**kwargs)
    assert message in str(exc.value)
