"""Summaries on a 10-subject hand-made trial whose every count was worked out by hand.

Data: tests/reference/summaries/handmade_long.csv (plan: handmade.toml next to it).
Visits 0/4/8; "X" = primary outcome ``score`` observed, "." = missing:

    Therapy (treatment)                         Usual care (control)
    T1 XXX  sessions 6                          C1 XXX
    T2 XX.  no-show: sessions 0, not received   C2 XXX
    T3 X.X  intermittent; discontinued          C3 XX.  missed week 8, not withdrawn
    T4 X..  baseline only; withdrew, discont.   C4 .XX  no baseline score (intermittent)
    T5 XXX  sessions 5                          C5 ...  withdrew, blank reason

Floating-point statistics are checked against R (tests/reference/summaries/
summaries_reference.json, made by summaries_reference.R; see PROVENANCE.md there).
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from trialkit.core.errors import DataError, PlanError
from trialkit.data.read import read_trial
from trialkit.models.accounting import SampleAccounting
from trialkit.plan.schema import Enrolment
from trialkit.summaries import (
    adherence_summary,
    attrition_summary,
    baseline_table,
    read_screening_log,
    reconcile,
    summarize_consort,
)

REF = Path(__file__).parent / "reference" / "summaries"
R = json.loads((REF / "summaries_reference.json").read_text())["handmade"]
# Relative tolerances by kind of quantity (R reference).
RTOL_MOMENT = 1e-10  # means, SDs, skewness, quantiles
RTOL_SMD = 1e-10
RTOL_P = 1e-8
RTOL_OR = 1e-8  # conditional MLE odds ratio and its exact CI (R at uniroot tol 1e-13)

T, C = "Therapy", "Usual care"


@pytest.fixture(scope="module")
def trial():
    return read_trial(None, REF / "handmade.toml")


def _accounting(control: int, treatment: int) -> SampleAccounting:
    # C4 has no baseline score, C5 and T4 have no post-baseline score.
    excluded = pd.DataFrame(
        {
            "subject": ["C4", "C5", "T4"],
            "arm": [C, C, T],
            "reason": ["No baseline value", "No post-baseline outcome", "No post-baseline outcome"],
        }
    )
    return SampleAccounting({C: control, T: treatment}, {C: 7, T: 8}, excluded)


# --------------------------------------------------------------------------- CONSORT flow


def test_consort_enrolment_from_plan(trial):
    e = summarize_consort(trial).enrolment
    # plan: assessed 20; excluded 7 + 3 = 10; randomised = 10 subjects in the data.
    assert (e.assessed, e.excluded, e.randomised, e.source) == (20, 10, 10, "plan")
    assert e.excluded_reasons == (("Not eligible", 7), ("Declined", 3))


def test_consort_allocation_no_show(trial):
    flow = summarize_consort(trial)
    t, c = flow.arm("treatment"), flow.arm("control")
    assert (t.allocated, c.allocated) == (5, 5)
    # T2 is the only Therapy subject with received = 0 (the no-show).
    assert (t.received, t.not_received) == (4, 1)
    assert t.not_received_reasons == (("Could not be contacted", 1),)
    # Every Usual care subject has received = 1.
    assert (c.received, c.not_received, c.not_received_reasons) == (5, 0, ())


def test_consort_follow_up_with_reasons(trial):
    flow = summarize_consort(trial)
    t, c = flow.arm(T), flow.arm(C)
    # Week 4: Therapy T1, T2, T5 observed; T3 missed (not withdrawn), T4 withdrew (moved away).
    w4 = t.visit("4")
    assert (w4.assessed, w4.not_assessed) == (3, 2)
    assert dict(w4.reasons) == {"Missed assessment (not withdrawn)": 1, "Withdrew: Moved away": 1}
    # Week 4: Usual care C1-C4 observed; C5 withdrew with a blank reason.
    assert (c.visit("4").assessed, c.visit("4").reasons) == (
        4,
        (("Withdrew: Reason not recorded", 1),),
    )
    # Week 8: Therapy T1, T3, T5; T2 missed, T4 withdrew.
    # Usual care C1, C2, C4; C3 missed, C5 withdrew.
    assert dict(t.visit("8").reasons) == {
        "Missed assessment (not withdrawn)": 1,
        "Withdrew: Moved away": 1,
    }
    assert (c.visit("8").assessed, dict(c.visit("8").reasons)) == (
        3,
        {"Missed assessment (not withdrawn)": 1, "Withdrew: Reason not recorded": 1},
    )
    # Discontinued: T3 (time constraints), T4 (moved away). Withdrew: T4; C5 (blank reason).
    assert (t.discontinued, dict(t.discontinued_reasons)) == (
        2,
        {"Time constraints": 1, "Moved away": 1},
    )
    assert (c.discontinued, c.discontinued_reasons) == (0, ())
    assert (t.withdrew, t.withdrew_reasons) == (1, (("Moved away", 1),))
    assert (c.withdrew, c.withdrew_reasons) == (1, (("Reason not recorded", 1),))


def test_consort_analysis_from_sample_accounting(trial):
    flow = summarize_consort(trial, {"MMRM, score": _accounting(3, 4)})
    c, t = flow.arm(C).model("MMRM, score"), flow.arm(T).model("MMRM, score")
    assert (c.analysed, c.excluded) == (3, 2)
    assert dict(c.reasons) == {"No baseline value": 1, "No post-baseline outcome": 1}
    assert (t.analysed, t.excluded, t.reasons) == (4, 1, (("No post-baseline outcome", 1),))
    frame = flow.to_frame()
    row = frame[(frame.stage == "analysis") & (frame.arm == T) & (frame.item == "analysed")]
    assert row["n"].tolist() == [4]


def test_consort_analysis_accepts_role_keys_and_fitted_objects(trial):
    class Fit:
        sample = SampleAccounting(
            {"control": 5, "treatment": 5}, {}, pd.DataFrame(columns=["subject", "arm", "reason"])
        )

    flow = summarize_consort(trial, {"ANCOVA": Fit()})
    assert flow.arm(C).model("ANCOVA").analysed == 5
    assert flow.arm(T).model("ANCOVA").excluded == 0


def test_assessed_by_any_outcome_changes_baseline_only(trial):
    # C4 has pain (not score) at baseline: "any" counts 4 Usual care at week 0, primary 3.
    primary = attrition_summary(trial).by_visit_frame().set_index(["arm", "visit"])["n_assessed"]
    anyout = attrition_summary(trial, assessed_by="any").by_visit_frame()
    anyout = anyout.set_index(["arm", "visit"])["n_assessed"]
    assert (primary[(C, "0")], anyout[(C, "0")]) == (3, 4)
    assert primary.drop((C, "0")).equals(anyout.drop((C, "0")))
    with pytest.raises(PlanError, match="outcome 'nope'"):
        summarize_consort(trial, assessed_by="nope")


# --------------------------------------------------------------------------- baseline table


def test_baseline_counts_and_missing(trial):
    b = baseline_table(trial)
    d = b.description
    assert b.n == {C: 5, T: 5, "Overall": 10}
    # sex: Therapy F,F,M,F,M -> F 3/5; Usual care F,M,F,F,(missing) -> F 3/4, 1 missing.
    f_t, f_c, f_all = (d.stat("sex", g, "F") for g in (T, C, "Overall"))
    assert (f_t.n, f_t.denominator, f_t.percent) == (3, 5, 60.0)
    assert (f_c.n, f_c.denominator, f_c.n_missing, f_c.percent) == (3, 4, 1, 75.0)
    assert (f_all.n, f_all.denominator, f_all.n_missing) == (6, 9, 1)
    assert f_all.percent == pytest.approx(100 * 6 / 9, rel=1e-12)
    # Pain type (multi-select): Back T2, T3 -> 2/5; Usual care C1, C2 of 4 answered (C4 missing).
    back_t, back_c = d.stat("Pain type", T, "Back"), d.stat("Pain type", C, "Back")
    assert (back_t.n, back_t.denominator, back_t.percent) == (2, 5, 40.0)
    assert (back_c.n, back_c.denominator, back_c.n_missing, back_c.percent) == (2, 4, 1, 50.0)
    # Neuropathic: T1, T3, T4 and C3, C4, C5 -> 3/5 in each arm.
    assert d.stat("Pain type", C, "Neuropathic").n == 3
    # Age missing for C4 only; baseline score missing for C4 and C5.
    assert d.stat("age", C).n_missing == 1
    assert (d.stat("score@baseline", C).n, d.stat("score@baseline", C).n_missing) == (3, 2)


def test_baseline_continuous_against_r(trial):
    d = baseline_table(trial).description
    groups = {"control": C, "treatment": T, "overall": "Overall"}
    for var, ref_key in (
        ("age", "age"),
        ("pain_years", "pain_years"),
        ("score@baseline", "outcome_baseline"),
    ):
        for key, group in groups.items():
            s, r = d.stat(var, group), R[ref_key][key]
            assert s.n == r["n"]
            for stat in ("mean", "sd", "median", "q1", "q3"):
                assert getattr(s, stat) == pytest.approx(r[stat], rel=RTOL_MOMENT, abs=1e-12)
    # Age 30..70 is symmetric (g1 = 0): mean (SD) only. pain_years has g1 = 2.64 > 1: skewed.
    skew = {v.name: v for v in d.variables}
    assert not skew["age"].show_median
    assert skew["pain_years"].show_median
    assert skew["pain_years"].skewness == pytest.approx(
        R["pain_years"]["overall"]["skewness"], rel=RTOL_MOMENT
    )


def test_baseline_standardised_differences_against_r(trial):
    d = baseline_table(trial).description
    assert d.comparison("age").smd == pytest.approx(R["smd"]["age"], abs=1e-12)
    for var, key in (
        ("pain_years", "pain_years"),
        ("score@baseline", "score_baseline"),
        ("sex", "sex"),
    ):
        assert d.comparison(var).smd == pytest.approx(R["smd"][key], rel=RTOL_SMD)
    assert d.comparison("Pain type", "Back").smd == pytest.approx(
        R["smd"]["pain_back"], rel=RTOL_SMD
    )
    # Neuropathic 3/5 vs 3/5: no difference.
    assert d.comparison("Pain type", "Neuropathic").smd == 0.0


def test_baseline_p_values_only_on_request(trial):
    assert math.isnan(baseline_table(trial).description.comparison("age").p_value)
    d = baseline_table(trial, p_values=True).description
    assert d.comparison("age").p_value == pytest.approx(R["p"]["age_welch"], rel=RTOL_P)
    assert d.comparison("pain_years").p_value == pytest.approx(
        R["p"]["pain_years_welch"], rel=RTOL_P
    )
    # sex: 2 x 2 with expected counts < 5 -> Fisher's exact.
    sex = d.comparison("sex")
    assert (sex.test, sex.p_value) == (
        "Fisher's exact",
        pytest.approx(R["p"]["sex_fisher"], rel=RTOL_P),
    )
    assert d.comparison("Pain type", "Back").p_value == pytest.approx(
        R["p"]["back_fisher"], rel=RTOL_P
    )


def test_baseline_labels_and_frames(trial):
    b = baseline_table(trial)
    frame = b.to_frame()
    labels = dict(zip(frame["variable"], frame["label"], strict=False))
    assert labels["age"] == "Age, years"  # from the plan's baseline_table.labels
    assert labels["pain_years"] == "pain_years"  # no label anywhere: the column name
    assert labels["score@baseline"] == "Symptom score, baseline"
    # 3 groups x (age, pain_years, score, pain) + 3 x 2 sex levels + 3 x 2 pain types.
    assert len(frame) == 3 * 4 + 6 + 6
    assert list(b.comparisons_frame().columns) == [
        "variable",
        "level",
        "smd",
        "p_value",
        "test",
        "comparison",
    ]


# --------------------------------------------------------------------------- adherence


def test_adherence_hand_counts(trial):
    a = adherence_summary(trial)
    assert [x.arm for x in a.arms] == [T]  # Usual care records no sessions
    t = a.arm(T)
    # Sessions T1..T5 = 6, 0, 3, 1, 5: started (>= 1) = 4; adherent (>= 5) = T1, T5 = 2.
    assert (t.n_randomised, t.n_recorded, t.n_started, t.n_adherent) == (5, 5, 4, 2)
    assert (t.percent_of_started, t.percent_of_randomised) == (50.0, 40.0)
    assert (t.headline_denominator, t.headline_percent) == (4, 50.0)  # plan: denominator = started
    assert t.distribution == ((0, 1), (1, 1), (2, 0), (3, 1), (4, 0), (5, 1), (6, 1))
    # mean 15/5 = 3; squared deviations 9+9+0+4+4 = 26, SD = sqrt(26/4); median 3.
    assert (t.mean, t.median) == (3.0, 3.0)
    assert t.sd == pytest.approx(math.sqrt(6.5), rel=1e-12)
    # app modules 4, 0, 2, (missing), 3: n 4, mean 2.25, SD sqrt(8.75/3), median 2.5.
    (e,) = t.extra
    assert (e.n, e.n_missing, e.mean, e.median) == (4, 1, 2.25, 2.5)
    assert e.sd == pytest.approx(math.sqrt(8.75 / 3), rel=1e-12)
    assert a.distribution_frame()["n"].sum() == 5


# --------------------------------------------------------------------------- attrition


def test_attrition_by_visit(trial):
    frame = attrition_summary(trial).by_visit_frame().set_index(["arm", "visit"])
    # Usual care: week 0 C1-C3 (C4, C5 missing) = 3; week 4 C1-C4 = 4; week 8 C1, C2, C4 = 3.
    # Therapy: week 0 all 5; week 4 T1, T2, T5 = 3; week 8 T1, T3, T5 = 3.
    expected = {(C, "0"): 3, (C, "4"): 4, (C, "8"): 3, (T, "0"): 5, (T, "4"): 3, (T, "8"): 3}
    assert frame["n_assessed"].to_dict() == expected
    assert frame.loc[(C, "4"), "percent_assessed"] == 80.0


def test_attrition_patterns(trial):
    a = attrition_summary(trial)
    pats = {(r.arm, r.pattern): (r.kind, r.n) for r in a.patterns.itertuples()}
    assert pats == {
        (T, "XXX"): ("complete", 2),
        (T, "XX."): ("monotone", 1),
        (T, "X.X"): ("intermittent", 1),
        (T, "X.."): ("monotone", 1),  # baseline only
        (C, "XXX"): ("complete", 2),
        (C, "XX."): ("monotone", 1),
        (C, ".XX"): ("intermittent", 1),  # missing baseline, observed later
        (C, "..."): ("none", 1),
    }
    kinds = a.pattern_kinds().set_index(["arm", "kind"])["n"].to_dict()
    assert kinds == {
        (C, "complete"): 2, (C, "monotone"): 1, (C, "intermittent"): 1, (C, "none"): 1,
        (T, "complete"): 2, (T, "monotone"): 2, (T, "intermittent"): 1, (T, "none"): 0,
    }  # fmt: skip


def test_attrition_differential_against_r(trial):
    a = attrition_summary(trial)
    w4 = a.differential_at("4")
    # Week 4 not assessed: Therapy 2/5 (T3, T4), Usual care 1/5 (C5); sample OR (2*4)/(3*1).
    assert (w4.n_missing_treatment, w4.n_treatment, w4.n_missing_control, w4.n_control) == (
        2,
        5,
        1,
        5,
    )
    assert w4.sample_odds_ratio == pytest.approx(8 / 3, rel=1e-12)
    for d, key in ((w4, "fisher_week4"), (a.differential_at("8"), "fisher_week8")):
        r = R[key]
        assert d.p_value == pytest.approx(r["p_value"], rel=RTOL_P)
        assert d.estimate == pytest.approx(r["estimate"], rel=RTOL_OR)
        assert d.ci_lower == pytest.approx(r["ci_lower"], rel=RTOL_OR)
        assert d.ci_upper == pytest.approx(r["ci_upper"], rel=RTOL_OR)
    frame = a.differential_frame()
    assert list(frame.columns[:8]) == [
        "comparison", "visit", "estimate", "std_error", "df", "ci_lower", "ci_upper",
        "p_value",
    ]  # fmt: skip
    assert set(frame["comparison"]) == {"Therapy - Usual care"}


def test_attrition_reasons_and_last_assessment(trial):
    a = attrition_summary(trial)
    wd = a.reasons[a.reasons["kind"] == "withdrawal"]
    assert set(zip(wd["arm"], wd["reason"], wd["n"], strict=True)) == {
        (T, "Moved away", 1),
        (C, "Reason not recorded", 1),
    }
    last = a.last_assessment.set_index(["arm", "visit"])["n"].to_dict()
    # Therapy: T4 at 0, T2 at 4, T1/T3/T5 at 8. Usual care: C3 at 4, C1/C2/C4 at 8, C5 none.
    assert last == {
        (C, "0"): 0, (C, "4"): 1, (C, "8"): 3, (C, "none"): 1,
        (T, "0"): 1, (T, "4"): 1, (T, "8"): 3, (T, "none"): 0,
    }  # fmt: skip


def test_completers_vs_non_completers(trial):
    comp = attrition_summary(trial).completers
    # Completers (score at week 8): T1, T3, T5, C1, C2, C4 = 6; non-completers 4.
    assert comp.group_n == {"Completer": 6, "Non-completer": 4}
    age_c = comp.stat("age", "Completer")
    assert (age_c.n, age_c.n_missing) == (5, 1)  # C4's age is missing
    assert age_c.mean == pytest.approx(R["completers"]["completer_age"]["mean"], rel=RTOL_MOMENT)
    assert comp.comparison("age").smd == pytest.approx(R["completers"]["age_smd"], rel=RTOL_SMD)


# --------------------------------------------------------------------------- reconcile


def test_reconcile_clean_and_dirty(trial):
    flow = summarize_consort(trial, {"MMRM": _accounting(3, 4)})
    assert reconcile(flow, baseline_table(trial), adherence_summary(trial)) == ()
    bad = summarize_consort(trial, {"MMRM": _accounting(4, 4)})
    (d,) = reconcile(bad)
    # Usual care: 4 analysed + 2 excluded = 6, not the 5 allocated.
    assert (d.check, d.arm, d.model, d.expected, d.observed) == (
        "model_accounting",
        C,
        "MMRM",
        5,
        6,
    )
    assert "adds to 6" in d.message


# --------------------------------------------------------------------------- screening log


def test_screening_log(tmp_path):
    log = tmp_path / "screen.csv"
    log.write_text(
        "screening_id,eligible,randomised,exclusion_reason\n"
        "1,1,1,\n2,0,0,Age over 75\n3,0,0,Age over 75\n4,1,0,Declined\n"
        "5,1,0,\n6,0,0,\n7,yes,true,\n"
    )
    e = read_screening_log(log, randomised=2)
    # 7 rows assessed; rows 2-6 not randomised = 5 excluded.
    assert (e.assessed, e.excluded, e.source) == (7, 5, "screening_log")
    assert dict(e.excluded_reasons) == {
        "Age over 75": 2,
        "Declined": 1,
        "Eligible, not randomised, reason not recorded": 1,  # row 5
        "Not eligible, reason not recorded": 1,  # row 6
    }
    bad = tmp_path / "bad.csv"
    bad.write_text("eligible,randomised,exclusion_reason\n1,1,\n1,maybe,\n")
    with pytest.raises(DataError, match=r"bad.csv, column 'randomised', row 3"):
        read_screening_log(bad, randomised=1)
    with pytest.raises(DataError, match="no column 'exclusion_reason'"):
        (tmp_path / "short.csv").write_text("eligible,randomised\n1,1\n")
        read_screening_log(tmp_path / "short.csv", randomised=1)


def test_screening_log_named_in_the_plan(trial, tmp_path):
    # plan.enrolment.screening_log replaces the plan's counts:
    # 12 rows screened, 10 randomised, 2 excluded (both "Declined").
    log = tmp_path / "screen.csv"
    log.write_text("eligible,randomized,exclusion_reason\n" + "1,1,\n" * 10 + "1,0,Declined\n" * 2)
    plan = replace(trial.plan, enrolment=Enrolment(screening_log=log))
    flow = summarize_consort(replace(trial, plan=plan))
    e = flow.enrolment
    assert (e.assessed, e.excluded, e.excluded_reasons, e.source) == (
        12,
        2,
        (("Declined", 2),),
        "screening_log",
    )
    assert reconcile(flow) == ()
    # 12 screened minus 3 excluded = 9, not the 10 randomised: flagged.
    log.write_text("eligible,randomised,exclusion_reason\n" + "1,1,\n" * 9 + "0,0,Too old\n" * 3)
    (d,) = reconcile(summarize_consort(replace(trial, plan=plan)))
    assert (d.check, d.expected, d.observed) == ("enrolment", 10, 9)
