"""Summaries of the bundled SYNTHETIC DBT trial against the generator's known counts.

Known counts (sample_data/README.md, from sample_data/generate_dbt.py, seed 20250506):
45 DBT vs 44 standard care; 264 assessed for eligibility, 175 excluded; 79/89 assessed at
week 9 and 72/89 at week 21; 3 DBT never started; 34/42 starters attended >= 7 of 8
sessions; 74 women; pain types 48/39/33; follow-up patterns per arm (README table).
Floating-point statistics are checked against R on a snapshot of the sample CSV
(tests/reference/summaries/dbt_trial_long_snapshot.csv, read with the same plan), so that a
regenerated sample cannot silently invalidate the R reference.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from trialkit.data.read import read_trial
from trialkit.plan import load_plan
from trialkit.summaries import (
    adherence_summary,
    attrition_summary,
    baseline_table,
    reconcile,
    summarize_consort,
)

ROOT = Path(__file__).parent.parent
R = json.loads((ROOT / "tests/reference/summaries/summaries_reference.json").read_text())["sample"]
RTOL_MOMENT = 1e-10
RTOL_SMD = 1e-10
RTOL_P = 1e-8
RTOL_OR = 1e-8
DBT, SC = "DBT + standard care", "Standard care"


PLAN = ROOT / "sample_data" / "dbt_long.toml"


@pytest.fixture(scope="module")
def trial():
    return read_trial(None, PLAN)


@pytest.fixture(scope="module")
def snapshot():
    # the snapshot predates the sample's intercurrent-event column; the summaries do not use it
    plan = dataclasses.replace(load_plan(PLAN), estimands=())
    return read_trial(ROOT / "tests/reference/summaries/dbt_trial_long_snapshot.csv", plan)


def test_flow_matches_generator(trial):
    flow = summarize_consort(trial)
    e = flow.enrolment
    assert (e.assessed, e.excluded, e.randomised) == (264, 175, 89)
    dbt, sc = flow.arm(DBT), flow.arm(SC)
    assert (dbt.allocated, sc.allocated) == (45, 44)
    assert (dbt.received, dbt.not_received) == (42, 3)  # 3 DBT never started
    # received_intervention is 0 for every control subject, with no reasons: not applicable.
    assert (sc.received, sc.not_received) == (None, None)
    assert dbt.visit("9").assessed + sc.visit("9").assessed == 79
    assert dbt.visit("21").assessed + sc.visit("21").assessed == 72
    # README: DBT 5 withdrew before week 9 + 1 intermittent miss; SC 3 + 1.
    assert (dbt.visit("9").not_assessed, sc.visit("9").not_assessed) == (6, 4)
    assert dict(dbt.discontinued_reasons) == {
        "Time commitment": 2,
        "Health problems": 2,
        "Lost interest": 1,
        "Found sessions unhelpful": 1,
    }
    # 17 withdrawals: lost to follow-up 9, withdrew consent 4, health problems 2, too busy 2.
    both = {}
    for arm in (dbt, sc):
        for reason, n in arm.withdrew_reasons:
            both[reason] = both.get(reason, 0) + n
    assert both == {
        "Lost to follow-up": 9,
        "Withdrew consent": 4,
        "Health problems unrelated to study": 2,
        "Too busy": 2,
    }


def test_baseline_matches_generator(trial):
    b = baseline_table(trial)
    d = b.description
    assert b.n == {SC: 44, DBT: 45, "Overall": 89}
    assert d.stat("gender", "Overall", "Woman").n == 74
    block = "Pain type (not exclusive)"
    pain = {
        lvl: d.stat(block, "Overall", lvl).n for lvl in ("Neuropathic", "Low back", "Arthritis")
    }
    assert pain == {"Neuropathic": 48, "Low back": 39, "Arthritis": 33}
    age = d.stat("age", "Overall")
    # Generator: age standardised to mean 51.5, SD 14.2, then rounded to 1 decimal.
    assert age.mean == pytest.approx(51.5, abs=0.05)
    assert age.sd == pytest.approx(14.2, abs=0.05)
    # pain_duration_years is listed in median_iqr, so median [IQR] is shown whatever its skew.
    shown = {v.name: v.show_median for v in d.variables}
    assert shown["pain_duration_years"]


def test_baseline_against_r(snapshot):
    d = baseline_table(snapshot).description
    for var, key in (
        ("age", "age"),
        ("pain_duration_years", "pain_duration_years"),
        ("ders@baseline", "outcome_baseline"),
    ):
        for ref_group, group in (("control", SC), ("treatment", DBT), ("overall", "Overall")):
            s, r = d.stat(var, group), R[key][ref_group]
            assert s.n == r["n"]
            for stat in ("mean", "sd", "median", "q1", "q3"):
                assert getattr(s, stat) == pytest.approx(r[stat], rel=RTOL_MOMENT)
    skew = {v.name: v.skewness for v in d.variables}
    assert skew["age"] == pytest.approx(R["age"]["overall"]["skewness"], rel=RTOL_MOMENT)
    smd = R["smd"]
    for var, key in (
        ("age", "age"),
        ("pain_duration_years", "pain_duration_years"),
        ("ders@baseline", "ders_baseline"),
        ("gender", "gender"),
    ):
        assert d.comparison(var).smd == pytest.approx(smd[key], rel=RTOL_SMD)
    block = "Pain type (not exclusive)"
    for lvl, key in (
        ("Neuropathic", "pain_neuropathic"),
        ("Low back", "pain_low_back"),
        ("Arthritis", "pain_arthritis"),
    ):
        assert d.comparison(block, lvl).smd == pytest.approx(smd[key], rel=RTOL_SMD)
    dp = baseline_table(snapshot, p_values=True).description
    assert dp.comparison("age").p_value == pytest.approx(R["p"]["age_welch"], rel=RTOL_P)
    # Gender: every expected count >= 5 (checked in R), so Pearson chi-square.
    assert R["p"]["gender_expected_min"] >= 5
    g = dp.comparison("gender")
    assert g.test == "Pearson chi-square"
    assert g.p_value == pytest.approx(R["p"]["gender_chisq"], rel=RTOL_P)


def test_adherence_matches_generator(trial):
    a = adherence_summary(trial).arm(DBT)
    assert (a.n_randomised, a.n_started, a.n_adherent) == (45, 42, 34)
    assert a.headline_denominator == 42
    assert a.headline_percent == pytest.approx(100 * 34 / 42, rel=1e-12)
    assert a.percent_of_randomised == pytest.approx(100 * 34 / 45, rel=1e-12)
    dist = dict(a.distribution)
    # 3 non-starters, 34 attended 7 or 8, 8 attended 1-6.
    assert dist[0] == 3
    assert dist[7] + dist[8] == 34
    assert sum(dist[k] for k in range(1, 7)) == 8


def test_attrition_matches_generator_and_r(trial):
    a = attrition_summary(trial)
    kinds = a.pattern_kinds().set_index(["arm", "kind"])["n"].to_dict()
    # README table: complete 34/36; monotone 5+5 / 3+4; intermittent 1/1.
    assert kinds == {
        (SC, "complete"): 36, (SC, "monotone"): 7, (SC, "intermittent"): 1, (SC, "none"): 0,
        (DBT, "complete"): 34, (DBT, "monotone"): 10, (DBT, "intermittent"): 1, (DBT, "none"): 0,
    }  # fmt: skip
    pats = a.patterns.set_index(["arm", "pattern"])["n"].to_dict()
    assert (pats[(DBT, "X..")], pats[(DBT, "XX.")], pats[(DBT, "X.X")]) == (5, 5, 1)
    assert (pats[(SC, "X..")], pats[(SC, "XX.")], pats[(SC, "X.X")]) == (3, 4, 1)
    assert a.completers.group_n == {"Completer": 72, "Non-completer": 17}


def test_differential_attrition_against_r(snapshot):
    a = attrition_summary(snapshot)
    for visit, key in (("9", "fisher_week9"), ("21", "fisher_week21")):
        d, r = a.differential_at(visit), R[key]
        assert [[d.n_missing_treatment, d.n_treatment - d.n_missing_treatment],
                [d.n_missing_control, d.n_control - d.n_missing_control]] == r["table"]  # fmt: skip
        assert d.p_value == pytest.approx(r["p_value"], rel=RTOL_P)
        assert d.estimate == pytest.approx(r["estimate"], rel=RTOL_OR)
        assert (d.ci_lower, d.ci_upper) == (
            pytest.approx(r["ci_lower"], rel=RTOL_OR),
            pytest.approx(r["ci_upper"], rel=RTOL_OR),
        )
        assert d.sample_odds_ratio == pytest.approx(r["sample_odds_ratio"], rel=1e-12)


def test_sample_reconciles(trial):
    flow = summarize_consort(trial)
    assert reconcile(flow, baseline_table(trial), adherence_summary(trial)) == ()


def test_wide_sav_gives_the_same_summaries(trial):
    # The same synthetic trial in wide SPSS layout (value labels, -99 user-missing codes).
    wide = read_trial(None, ROOT / "sample_data" / "dbt_wide.toml")
    assert summarize_consort(wide) == summarize_consort(trial)
    cols = ["variable", "level", "group", "n", "denominator", "n_missing", "mean", "sd"]
    b_wide, b_long = baseline_table(wide).to_frame(), baseline_table(trial).to_frame()
    assert b_wide[cols].equals(b_long[cols])
    a_wide, a_long = attrition_summary(wide), attrition_summary(trial)
    assert a_wide.by_visit == a_long.by_visit
    assert a_wide.patterns.equals(a_long.patterns)
    assert (
        adherence_summary(wide)
        .distribution_frame()
        .equals(adherence_summary(trial).distribution_frame())
    )
