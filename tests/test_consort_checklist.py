"""The pre-filled CONSORT 2025 checklist: the statement's 30 items with their published
numbers and wording (Hopewell et al., BMJ 2025;389:e081123, Table 1; sources in
trialkit/report/consort_items.py), the items trialkit fills, and their numbers against the
sample trial's own results (the MMRM sample accounting and the observed data)."""

from __future__ import annotations

from trialkit.analysis import TrialAnalysis
from trialkit.report.consort_checklist import consort_checklist, outcome_results
from trialkit.report.consort_items import ITEMS

# CONSORT 2025 Table 1: 30 numbered items, some split into a/b(/c/d).
NUMBERS = (
    "1a 1b 2 3 4 5a 5b 6 7 8 9 10 11 12a 12b 13 14 15 16a 16b 17a 17b 18 19 20a 20b "
    "21a 21b 21c 21d 22a 22b 23a 23b 24a 24b 25 26 27 28 29 30"
).split()


def test_items_follow_the_published_numbering() -> None:
    assert [i for i, _, _ in ITEMS] == NUMBERS
    assert len({n.rstrip("abcd") for n in NUMBERS}) == 30
    # Wording quoted from the statement, for the items whose 2010 wording differed most
    # (the checklist was first written from memory and had the 2010 texts of 27 and 30).
    text = {i: t for i, _, t in ITEMS}
    assert text["27"] == "All harms or unintended events in each group"
    assert text["30"] == (
        "Trial limitations, addressing sources of potential bias, imprecision, "
        "generalisability, and, if relevant, multiplicity of analyses"
    )
    assert text["21c"] == "How missing data were handled in the analysis"
    topics = {i: t for i, t, _ in ITEMS}
    assert topics["22a"] == topics["22b"] == "Participant flow, including flow diagram"
    assert topics["26"] == "Numbers analysed, outcomes and estimation"
    assert topics["24a"] == "Intervention and comparator delivery"
    assert all(t and not t.endswith(".") for _, _, t in ITEMS)


def test_filled_items_and_the_rest_for_the_authors(sample_analysis: TrialAnalysis) -> None:
    items = consort_checklist(sample_analysis)
    assert [i.item for i in items] == NUMBERS
    filled = {i.item for i in items if i.filled}
    # 23a needs recruitment dates, which the sample plan does not give.
    assert filled == {"21b", "21c", "22a", "22b", "24a", "25", "26", "28"}
    for i in items:
        if not i.filled:
            assert i.entry == ("To be completed by the authors.",)


def test_flow_and_numbers_analysed_match_the_results(sample_analysis: TrialAnalysis) -> None:
    items = {i.item: i for i in consort_checklist(sample_analysis)}
    plan = sample_analysis.trial.plan
    primary = next(oa for oa in sample_analysis.outcomes if oa.name == plan.primary.name)
    assert primary.mmrm is not None
    n_mmrm = primary.mmrm.sample.n_subjects
    randomised = sample_analysis.trial.subjects[sample_analysis.trial.arm_col].astype(str)
    lines = items["22a"].entry[:2]  # one line per arm, then a pointer to the flow
    for line, arm in zip(lines, (plan.arms.control, plan.arms.treatment), strict=True):
        assert f"randomised {int((randomised == arm).sum())};" in line
        assert f"analysed for the primary outcome {n_mmrm[arm]}." in line
    res = outcome_results(sample_analysis)
    data = sample_analysis.trial.data
    for r in res.itertuples():
        oa = next(o for o in sample_analysis.outcomes if o.name == r.outcome)
        assert oa.mmrm is not None
        assert r.n_analysed == oa.mmrm.sample.n_subjects[r.arm]
        at = data[(data[sample_analysis.trial.visit_col].astype(str) == str(r.visit))]
        at = at[at[sample_analysis.trial.arm_col].astype(str) == r.arm]
        assert r.n_with_data == int(
            at[sample_analysis.trial.outcome_column(oa.outcome)].notna().sum()
        )
        d = oa.mmrm.differences.set_index(oa.mmrm.differences["visit"].astype(str))
        assert r.estimate == d.loc[str(r.visit), "estimate"]
