"""The summaries on a SYNTHETIC three-arm trial (tests/data/three_arm/, seeded generator).

Counts are checked against hand counts made here with pandas ``crosstab`` on the data file
itself (independent of trialkit's reading and counting); floating-point statistics against
R (tests/reference/three_arm/three_arm_reference.json, made by three_arm_reference.R; see
PROVENANCE.md there). Two-arm behaviour is covered by test_summaries_handmade.py and
test_summaries_sample.py, unchanged.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from three_arm_data import ARMS, raw, subjects, three_arm_trial

from trialkit.models.accounting import SampleAccounting
from trialkit.summaries import (
    adherence_summary,
    attrition_summary,
    baseline_table,
    reconcile,
    summarize_consort,
)

REF = json.loads(
    (Path(__file__).parent / "reference" / "three_arm" / "three_arm_reference.json").read_text()
)
RTOL_MOMENT = 1e-10  # means and SDs
RTOL_SMD = 1e-10  # standardised differences
RTOL_P = 1e-8  # p-values
RTOL_OR = 1e-8  # conditional MLE odds ratio and its exact CI
CONTROL, OTHERS = ARMS[0], ARMS[1:]


@pytest.fixture(scope="module")
def trial():
    return three_arm_trial()


def _post(week: int) -> pd.DataFrame:
    d = raw()
    return d[d["week"] == week]


def test_arm_order_is_control_first(trial):
    flow = summarize_consort(trial)
    assert tuple(a.arm for a in flow.arms) == ARMS
    assert flow.arm("control").arm == CONTROL


def test_consort_counts_per_arm_match_hand_counts(trial):
    flow = summarize_consort(trial)
    s = subjects()
    allocated = s["arm"].value_counts()
    received = pd.crosstab(s["arm"], s["received"])
    withdrew = pd.crosstab(s["arm"], s["withdrew"])
    discontinued = pd.crosstab(s["arm"], s["discontinued"])
    for arm in ARMS:
        a = flow.arm(arm)
        assert a.allocated == allocated[arm] == 18
        assert a.received == received.at[arm, 1]
        assert a.not_received == received.at[arm, 0]
        assert a.withdrew == withdrew.at[arm, 1]
        assert a.discontinued == discontinued.at[arm, 1]
    assert flow.randomised == len(s) == 54
    for week in (4, 8):
        post = _post(week)
        assessed = pd.crosstab(post["arm"], post["score"].notna())
        for arm in ARMS:
            f = flow.arm(arm).visit(str(week))
            assert f.assessed == assessed.at[arm, True]
            assert f.not_assessed == assessed.at[arm, False]
            assert sum(n for _, n in f.reasons) == f.not_assessed
    # withdrawal reasons per arm, counted by hand
    wd = s[s["withdrew"] == 1]
    hand = pd.crosstab(wd["arm"], wd["withdrawal_reason"])
    for arm in ARMS:
        got = dict(flow.arm(arm).withdrew_reasons)
        want = {r: int(n) for r, n in hand.loc[arm].items() if n}
        assert got == want


def test_consort_analysis_boxes_one_per_arm(trial):
    # A model's accounting: every subject with a post-baseline score analysed, the rest
    # excluded with a reason (counted by hand from the file).
    d = raw()
    seen = d[d["week"] > 0].groupby("subject")["score"].apply(lambda x: x.notna().any())
    arm = subjects()["arm"]
    n_used = arm[seen].value_counts().to_dict()
    excluded = pd.DataFrame(
        {"subject": seen.index[~seen], "arm": arm[~seen].to_numpy(), "reason": "no outcome"}
    )
    acc = SampleAccounting(
        n_subjects=n_used,
        n_observations=n_used,
        excluded=excluded,
    )
    flow = summarize_consort(trial, {"MMRM: score": acc})
    for a in flow.arms:
        m = a.model("MMRM: score")
        assert m.analysed == n_used[a.arm]
        assert m.analysed + m.excluded == a.allocated
    assert reconcile(flow) == ()


def test_baseline_table_one_column_per_arm_plus_total(trial):
    b = baseline_table(trial)
    assert b.description.groups == (*ARMS, "Overall")
    assert b.n == {**{a: 18 for a in ARMS}, "Overall": 54}
    sex = pd.crosstab(subjects()["sex"], subjects()["arm"])
    for arm in ARMS:
        for level in ("Female", "Male"):
            assert b.description.stat("sex", arm, level).n == sex.at[level, arm]
        r = REF["baseline"][arm]
        st = b.description.stat("age", arm)
        assert st.mean == pytest.approx(r["age_mean"], rel=RTOL_MOMENT)
        assert st.sd == pytest.approx(r["age_sd"], rel=RTOL_MOMENT)
        st = b.description.stat("score@baseline", arm)
        assert st.mean == pytest.approx(r["score_mean"], rel=RTOL_MOMENT)
        assert st.sd == pytest.approx(r["score_sd"], rel=RTOL_MOMENT)
    assert b.description.stat("sex", "Overall", "Male").n == int(
        (subjects()["sex"] == "Male").sum()
    )


def test_baseline_comparisons_each_arm_vs_control_against_r(trial):
    b = baseline_table(trial, p_values=True)
    labels = [f"{a} - {CONTROL}" for a in OTHERS]
    assert b.description.comparison_labels == tuple(labels)
    frame = b.comparisons_frame()
    assert list(frame["comparison"].unique()) == labels
    for arm, label in zip(OTHERS, labels, strict=True):
        r = REF["comparisons"][arm]
        c = {v.name: b.description.comparison(v.name, None, label) for v in b.description.variables}
        assert c["age"].smd == pytest.approx(r["smd_age"], rel=RTOL_SMD)
        assert c["score@baseline"].smd == pytest.approx(r["smd_score"], rel=RTOL_SMD)
        assert c["pain@baseline"].smd == pytest.approx(r["smd_pain"], rel=RTOL_SMD)
        assert c["sex"].smd == pytest.approx(r["smd_sex"], rel=RTOL_SMD)
        assert c["age"].p_value == pytest.approx(r["p_age"], rel=RTOL_P)
        assert c["sex"].p_value == pytest.approx(r["p_sex"], rel=RTOL_P)
        assert c["sex"].test == "Pearson chi-square"


def test_attrition_per_arm_counts_and_reasons(trial):
    a = attrition_summary(trial)
    assert a.arms == ARMS
    by = a.by_visit_frame().set_index(["arm", "visit"])
    d = raw()
    hand = pd.crosstab([d["arm"], d["week"].astype(str)], d["score"].notna())
    for arm in ARMS:
        for v in ("0", "4", "8"):
            assert by.at[(arm, v), "n_assessed"] == hand.loc[(arm, v)].get(True, 0)
            assert by.at[(arm, v), "n_randomised"] == 18
    wd = a.reasons[a.reasons["kind"] == "withdrawal"].set_index(["arm", "reason"])["n"]
    s = subjects()
    hand_wd = s[s["withdrew"] == 1].groupby(["arm", "withdrawal_reason"]).size()
    assert wd.sort_index().to_dict() == hand_wd.sort_index().to_dict()
    kinds = a.pattern_kinds()
    assert set(kinds["arm"]) == set(ARMS)
    assert kinds.groupby("arm")["n"].sum().to_dict() == {arm: 18 for arm in ARMS}
    last = a.last_assessment.groupby("arm")["n"].sum().to_dict()
    assert last == {arm: 18 for arm in ARMS}


def test_differential_attrition_each_arm_vs_control_against_r(trial):
    a = attrition_summary(trial)
    frame = a.differential_frame()
    labels = [f"{x} - {CONTROL}" for x in OTHERS]
    assert list(frame["comparison"]) == [lab for lab in labels for _ in ("4", "8")]
    assert list(frame["visit"]) == ["4", "8", "4", "8"]
    for arm, label in zip(OTHERS, labels, strict=True):
        for week in (4, 8):
            d = a.differential_at(str(week), label)
            r = REF["fisher"][f"{arm} {week}"]
            post = _post(week)
            miss = post["score"].isna().groupby(post["arm"]).sum()
            assert (d.n_missing_treatment, d.n_missing_control) == (miss[arm], miss[CONTROL])
            assert (d.n_treatment, d.n_control) == (18, 18)
            assert d.p_value == pytest.approx(r["p_value"], rel=RTOL_P)
            assert d.estimate == pytest.approx(r["estimate"], rel=RTOL_OR)
            assert d.ci_lower == pytest.approx(r["ci_lower"], rel=RTOL_OR)
            assert d.ci_upper == pytest.approx(r["ci_upper"], rel=RTOL_OR)
            assert d.ci_method == "exact"


def test_adherence_every_arm(trial):
    adh = adherence_summary(trial)
    s = subjects()
    assert tuple(x.arm for x in adh.arms) == ARMS
    for arm in ARMS:
        x = adh.arm(arm)
        sess = s.loc[s["arm"] == arm, "sessions"]
        assert x.n_randomised == len(sess)
        assert x.n_started == int((sess >= 1).sum())
        assert x.n_adherent == int((sess >= 5).sum())
        assert x.percent_of_randomised == pytest.approx(100 * x.n_adherent / len(sess), rel=1e-12)
        assert dict(x.distribution) == {k: int((sess == k).sum()) for k in range(7)}
        assert math.isclose(x.mean, sess.mean(), rel_tol=RTOL_MOMENT)


def test_reconcile_three_arms_agree(trial):
    flow = summarize_consort(trial)
    assert reconcile(flow, baseline_table(trial), adherence_summary(trial)) == ()


def test_trial_summary_lists_every_arm(trial):
    """trialkit.summarize_trial: one row per arm (control first) with hand-counted N."""
    import trialkit

    summary = trialkit.summarize_trial(trial)
    assert tuple(summary.arms["arm"]) == ARMS
    hand = subjects()["arm"].value_counts()
    assert summary.arms["n"].tolist() == [int(hand[a]) for a in ARMS]
    assert summary.n_subjects == len(subjects())
