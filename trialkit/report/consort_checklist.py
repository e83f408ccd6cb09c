"""A pre-filled CONSORT 2025 checklist for the items the data and the plan can fill.

Item numbers, section/topic names and wording: :mod:`trialkit.report.consort_items`
(Table 1 of Hopewell S, Chan A-W, Collins GS, et al. CONSORT 2025 statement: updated
guideline for reporting randomised trials. BMJ 2025;389:e081123), quoted word for word.

Filled: 21b (who was analysed, in which group), 21c (missing data), 22a/22b (participant
flow, losses and exclusions), 23a (dates, only when the plan gives them), 24a (intervention
as delivered: adherence), 25 (baseline table), 26 (per outcome and group: n analysed, n with
data at the time point, effect with its CI), 28 (other analyses, marked pre-specified).
Every other item is listed as "to be completed by the authors".

:func:`consort_checklist` returns the items as data (the JSON report's
``consort_checklist``); :func:`checklist_blocks` the report appendix.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from trialkit.analysis import TrialAnalysis
from trialkit.report.arms import ReportArm, comparison_names, report_arms
from trialkit.report.consort_items import ITEMS
from trialkit.report.document import (
    Block,
    Column,
    Count,
    Estimate,
    Label,
    Paragraph,
    PValue,
    Table,
)
from trialkit.report.format import model_digits
from trialkit.report.rows import Record, keyed

TO_COMPLETE = "To be completed by the authors."


@dataclass(frozen=True)
class ChecklistItem:
    """One checklist item: number, topic, what to report, and trialkit's entry."""

    item: str
    topic: str
    text: str
    filled: bool
    entry: tuple[str, ...]


def _n_text(counts: dict[str, int], arms: tuple[ReportArm, ...]) -> str:
    return "; ".join(f"{a.label} {counts.get(a.value, 0)}" for a in arms)


def _item_21b(analysis: TrialAnalysis) -> tuple[str, ...]:
    primary = analysis.outcomes[0]
    text = [
        "Each participant is analysed in the group to which they were randomised. The MMRM "
        "uses every randomised participant with the outcome observed at one or more "
        "post-baseline visits (no imputation); the ANCOVA uses complete cases at each visit."
    ]
    if primary.mmrm is not None:
        s = primary.mmrm.sample
        n = {str(k): int(v) for k, v in s.n_subjects.items()}
        arms = report_arms(analysis.trial)
        text.append(f"Primary outcome ({primary.outcome.label}), MMRM: {_n_text(n, arms)}.")
    return tuple(text)


def _item_21c(analysis: TrialAnalysis) -> tuple[str, ...]:
    plan = analysis.trial.plan
    if not analysis.estimands:
        return (
            "No imputation: the MMRM uses all observed post-baseline values and is valid "
            "when data are missing at random (MAR); no estimand or sensitivity analysis of "
            "the missing-data assumption was planned.",
        )
    out = []
    for e in analysis.estimands:
        methods = "; ".join(
            f"{r.spec.name} ({'main' if i == 0 else 'sensitivity'}): {r.label}"
            for i, r in enumerate(e.estimators)
        )
        out.append(f"Estimand {e.spec.name} ({plan.outcome(e.spec.outcome).label}): {methods}.")
    return tuple(out)


def _flow_items(analysis: TrialAnalysis) -> tuple[tuple[str, ...], tuple[str, ...]]:
    flow = analysis.consort
    a22, b22 = [], []
    for a in flow.arms:
        received = "not recorded" if a.received is None else str(a.received)
        analysed = a.analysis[0].analysed if a.analysis else None
        a22.append(
            f"{a.label}: randomised {a.allocated}; received the allocated intervention "
            f"{received}; analysed for the primary outcome "
            f"{analysed if analysed is not None else '-'}."
        )
        parts = []
        if a.followup:
            v = a.followup[-1]
            why = ", ".join(f"{r} {n}" for r, n in v.reasons) or "no reasons recorded"
            parts.append(f"lost to follow-up at {v.label} {v.not_assessed} ({why})")
        if a.discontinued is not None:
            parts.append(f"discontinued the intervention {a.discontinued}")
        if a.analysis:
            m = a.analysis[0]
            why = ", ".join(f"{r} {n}" for r, n in m.reasons)
            parts.append(
                f"excluded from the primary analysis {m.excluded}" + (f" ({why})" if why else "")
            )
        b22.append(f"{a.label}: " + "; ".join(parts) + ".")
    a22.append("See the CONSORT flow section and diagram.")
    return tuple(a22), tuple(b22)


def _item_24a(analysis: TrialAnalysis) -> tuple[str, ...] | None:
    ad = analysis.adherence
    if ad is None:
        return None
    return tuple(
        f"{a.label}: attended >= {ad.threshold} of {ad.sessions} sessions "
        f"{a.n_adherent}/{a.headline_denominator} ({a.headline_percent:.1f}%); "
        f"started {a.n_started}/{a.n_randomised}."
        for a in ad.arms
    )


def _item_28(analysis: TrialAnalysis) -> tuple[str, ...]:
    out = [
        "ANCOVA at each visit (complete cases) as a sensitivity analysis of every outcome: "
        "pre-specified in the analysis plan."
    ]
    for e in analysis.estimands:
        for r in e.estimators[1:]:
            out.append(
                f"Estimand {e.spec.name}: {r.spec.name} ({r.label}), sensitivity analysis, "
                "pre-specified in the analysis plan."
            )
    out.append("No subgroup analyses were planned.")
    return tuple(out)


_EFFECT = ("estimate", "ci_lower", "ci_upper", "p_value")


def _effect(diffs: dict[tuple[str, ...], Record], key: str, visit: str) -> dict[str, object]:
    """One comparison's difference at a visit (nulls when the model has none there)."""
    d = diffs.get((key, visit))
    return {"comparison": key, **{c: None if d is None else float(d[c]) for c in _EFFECT}}


def outcome_results(analysis: TrialAnalysis) -> pd.DataFrame:
    """Item 26: per outcome x post-baseline visit, one row per arm with the n analysed (MMRM
    subjects) and the n with data at the visit, and the MMRM difference with its CI (full
    precision). With one comparison (two arms) the arm rows carry it; with several, each
    comparison follows the arm rows as its own row (``arm`` null)."""
    plan = analysis.trial.plan
    arms = report_arms(analysis.trial)
    rows = []
    for oa in analysis.outcomes:
        m = oa.mmrm
        n_data = keyed(oa.observed, ("visit", "arm"))
        names = comparison_names(m, arms)
        diffs = {} if m is None else keyed(m.differences, ("comparison", "visit"))
        n_subjects = None if m is None else m.sample.n_subjects
        for v in plan.visits.post_baseline:
            common = {
                "outcome": oa.name,
                "label": oa.outcome.label,
                "role": oa.outcome.role,
                "visit": str(v),
                "visit_label": plan.visits.label(str(v)),
            }
            single = _effect(diffs, next(iter(names)) if len(names) == 1 else "", str(v))
            for a in arms:
                seen = n_data.get((str(v), a.value))
                rows.append(
                    {
                        **common,
                        "arm": a.value,
                        "arm_label": a.label,
                        "n_analysed": None if n_subjects is None else int(n_subjects[a.value]),
                        "n_with_data": 0 if seen is None else int(seen["n"]),
                        **(single if len(names) == 1 else {k: None for k in single}),
                    }
                )
            if len(names) > 1:
                rows += [
                    {
                        **common,
                        "arm": None,
                        "arm_label": shown,
                        "n_analysed": None,
                        "n_with_data": None,
                        **_effect(diffs, key, str(v)),
                    }
                    for key, shown in names.items()
                ]
    return pd.DataFrame(rows).astype({"n_analysed": "Int64", "n_with_data": "Int64"})


def consort_checklist(analysis: TrialAnalysis) -> tuple[ChecklistItem, ...]:
    """Every CONSORT 2025 item; those the data and plan can fill are filled."""
    a22, b22 = _flow_items(analysis)
    ci = f"{100 * (1 - analysis.trial.plan.analysis.alpha):g}% CI"
    filled: dict[str, tuple[str, ...] | None] = {
        "21b": _item_21b(analysis),
        "21c": _item_21c(analysis),
        "22a": a22,
        "22b": b22,
        "23a": None,  # the plan holds no recruitment or follow-up dates
        "24a": _item_24a(analysis),
        "25": (
            f"See the baseline table: {len(analysis.baseline.description.variables)} "
            "characteristics by group.",
        ),
        "26": (
            f"See the table below: per outcome, visit and group, the n analysed (MMRM) and "
            f"the n with data at the time point, and the difference with its {ci}. All "
            "outcomes are continuous (absolute and relative effects for binary outcomes do "
            "not apply).",
        ),
        "28": _item_28(analysis),
    }
    out = []
    for item, topic, text in ITEMS:
        entry = filled.get(item)
        out.append(ChecklistItem(item, topic, text, entry is not None, entry or (TO_COMPLETE,)))
    return tuple(out)


def checklist_blocks(
    analysis: TrialAnalysis, items: tuple[ChecklistItem, ...], res: pd.DataFrame
) -> list[Block]:
    """The appendix: the checklist table (``items``: :func:`consort_checklist`) and the item
    26 results table (``res``: :func:`outcome_results`), each computed once per report."""
    table = Table(
        "CONSORT 2025 checklist (pre-filled by trialkit)",
        (Column("Item"), Column("Topic"), Column("What to report"), Column("Reported")),
        tuple(
            (
                Label(i.item),
                Label(i.topic),
                Label(i.text),
                Label("\n".join(i.entry), emphasis=None if i.filled else "dim"),
            )
            for i in items
        ),
    )
    ci = f"{100 * (1 - analysis.trial.plan.analysis.alpha):g}% CI"
    digits = {oa.name: model_digits(oa.outcome) for oa in analysis.outcomes}
    rows = []
    last = None
    several = bool(res["arm"].isna().any()) if len(res) else False
    for r in res.itertuples():
        first = (r.outcome, r.visit) != last
        last = (r.outcome, r.visit)
        is_comparison = pd.isna(r.arm)
        effect = is_comparison if several else first
        rows.append(
            (
                Label(r.label if first else ""),
                Label(r.visit_label if first else ""),
                Label(r.arm_label, indent=1 if is_comparison else 0),
                Label("") if is_comparison else Count(r.n_analysed),
                Label("") if is_comparison else Count(r.n_with_data),
                Estimate(r.estimate, r.ci_lower, r.ci_upper, digits[r.outcome])
                if effect
                else Label(""),
                PValue(r.p_value) if effect else Label(""),
            )
        )
    what = "differences between arms" if several else "treatment - control"
    results = Table(
        f"Item 26: numbers analysed and effects (MMRM, {what})",
        (
            Column("Outcome"),
            Column("Visit"),
            Column("Group"),
            Column("n analysed", "right"),
            Column("n with data", "right"),
            Column(f"Difference ({ci})", "right"),
            Column("p", "right"),
        ),
        tuple(rows),
    )
    intro = Paragraph(
        "Items trialkit can fill from the data and the plan are filled; the others are for "
        "the authors. Item numbers follow CONSORT 2025 (Hopewell et al., BMJ "
        "2025;389:e081123)."
    )
    return [intro, table, results]
