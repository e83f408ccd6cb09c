"""Document blocks of the trial summaries: CONSORT 2025 flow, Table 1, adherence, attrition
and the cross-checks.

CONSORT 2025 wording follows the flow diagram of Hopewell S, Chan A-W, Collins GS, et al.
CONSORT 2025 statement: updated guideline for reporting randomised trials. BMJ
2025;389:e081123, Figure 1 (enrolment, allocation, follow-up, analysis), and the
explanation of items 22a ("numbers ... randomly assigned, received intended intervention,
and were analysed for the primary outcome") and 22b ("losses and exclusions after
randomisation, together with reasons"; "for the primary outcome, loss to follow-up can be
reported in the flow diagram"), https://www.consort-spirit.org/item-22a-randomized and
https://www.consort-spirit.org/item22b-lossesandexclusions.
"""

from __future__ import annotations

import dataclasses

from trialkit.report.document import (
    EMPTY,
    Block,
    Cell,
    Column,
    Count,
    Estimate,
    Label,
    Number,
    Paragraph,
    PValue,
    Table,
    Tree,
    TreeNode,
)
from trialkit.report.format import fmt_num
from trialkit.summaries.adherence import AdherenceSummary
from trialkit.summaries.attrition import AttritionSummary
from trialkit.summaries.baseline import BaselineSummary
from trialkit.summaries.consort import ArmFlow, ConsortFlow
from trialkit.summaries.describe import DescribedVariable, GroupDescription, GroupStat
from trialkit.summaries.reconcile import Discrepancy

# Internal codes of the summaries -> the words a reader sees.
KIND_LABELS = {
    "not_assessed": "Not assessed",
    "withdrawal": "Withdrew",
    "complete": "Complete",
    "none": "None observed",
    "monotone": "Monotone",
    "intermittent": "Intermittent",
}


def kind_label(code: str) -> str:
    """The reader's word for an attrition reason or pattern kind code."""
    return KIND_LABELS.get(code, code.replace("_", " ").capitalize())


def _text(text: str, emphasis: str | None = None) -> Label:
    return Label(text, emphasis=emphasis)  # type: ignore[arg-type]


def fmt_mean_sd(s: GroupStat, digits: int = 1) -> str:
    return f"{fmt_num(s.mean, digits)} ({fmt_num(s.sd, digits)})"


def fmt_median_iqr(s: GroupStat, digits: int = 1) -> str:
    return f"{fmt_num(s.median, digits)} [{fmt_num(s.q1, digits)}, {fmt_num(s.q3, digits)}]"


def fmt_n_pct(n: int, pct: float) -> str:
    return f"{n} ({fmt_num(pct, 1)}%)"


def _count_text(n: int | None) -> str:
    return "not recorded" if n is None else f"n = {n}"


# --------------------------------------------------------------------------- CONSORT


def _reasons(reasons: tuple[tuple[str, int], ...]) -> tuple[TreeNode, ...]:
    return tuple(TreeNode(Label(f"{r} (n = {n})")) for r, n in reasons)


def _node(text: str, children: tuple[TreeNode, ...] = (), emphasis: str | None = None) -> TreeNode:
    return TreeNode(_text(text, emphasis), children)


def primary_followup(a: ArmFlow) -> tuple[str, int, tuple[tuple[str, int], ...]] | None:
    """(visit label, lost, reasons) of the primary outcome at the last follow-up visit."""
    if not a.followup:
        return None
    v = a.followup[-1]
    return v.label, v.not_assessed, v.reasons


def _arm_node(a: ArmFlow) -> TreeNode:
    alloc: list[TreeNode] = [_node(f"Received allocated intervention: {_count_text(a.received)}")]
    if a.not_received is not None:
        alloc.append(
            _node(
                f"Did not receive allocated intervention (n = {a.not_received})",
                _reasons(a.not_received_reasons),
            )
        )
    fu: list[TreeNode] = []
    lost = primary_followup(a)
    if lost is not None:
        fu.append(
            _node(
                f"Lost to follow-up for the primary outcome at {lost[0]} (n = {lost[1]})",
                _reasons(lost[2]),
            )
        )
    for v in a.followup:
        fu.append(
            _node(
                f"{v.label}: assessed n = {v.assessed}; not assessed n = {v.not_assessed}",
                _reasons(v.reasons),
            )
        )
    if a.discontinued is not None:
        fu.append(
            _node(
                f"Discontinued intervention (n = {a.discontinued})",
                _reasons(a.discontinued_reasons),
            )
        )
    if a.withdrew is not None:
        fu.append(
            _node(f"Withdrew from the study (n = {a.withdrew})", _reasons(a.withdrew_reasons))
        )
    an: list[TreeNode] = []
    if not a.analysis:
        an.append(_node("No fitted model given", emphasis="dim"))
    for i, m in enumerate(a.analysis):
        if i == 0:  # the primary outcome's MMRM: CONSORT 2025 "Analysed" box
            excluded = _node(f"Excluded from analysis (n = {m.excluded})", _reasons(m.reasons))
            an.append(
                _node(
                    f"Analysed for the primary outcome (n = {m.analysed}): {m.model}", (excluded,)
                )
            )
            continue
        an.append(
            _node(
                f"{m.model}: analysed n = {m.analysed}; excluded n = {m.excluded}",
                _reasons(m.reasons),
            )
        )
    return _node(
        f"Allocated to {a.label} (n = {a.allocated})",
        (
            *alloc,
            _node("Follow-up", tuple(fu), "heading"),
            _node("Analysis", tuple(an), "heading"),
        ),
        "bold",
    )


def consort_tree(flow: ConsortFlow) -> Tree:
    """The CONSORT 2025 participant flow: enrolment, then allocation, follow-up and
    analysis per arm (loss to follow-up and the analysed n stated for the primary outcome)."""
    e = flow.enrolment
    enrol: list[TreeNode] = []
    if e.assessed is not None:
        enrol.append(_node(f"Assessed for eligibility (n = {e.assessed})"))
    if e.excluded is not None:
        enrol.append(_node(f"Excluded (n = {e.excluded})", _reasons(e.excluded_reasons)))
    if e.source == "none":
        enrol.append(_node("Screening counts not given (plan [enrolment])", emphasis="dim"))
    root = _node(
        f"CONSORT 2025 flow: {flow.title}",
        (
            _node("Enrolment", tuple(enrol), "heading"),
            _node(
                f"Randomised (n = {e.randomised})",
                tuple(_arm_node(a) for a in flow.arms),
                "bold",
            ),
            _node(
                f"Assessed = outcome '{flow.assessed_by}' observed at the visit; the primary "
                "time point is the last visit.",
                emphasis="dim",
            ),
        ),
        "bold",
    )
    return Tree(root)


# --------------------------------------------------------------------------- Table 1


def description_table(
    desc: GroupDescription,
    group_labels: dict[str, str],
    *,
    title: str,
    show_smd: bool = True,
    show_p: bool = False,
    digits: int = 1,
) -> Table:
    """Variables by group: mean (SD) / median [IQR] / n (%), missing, SMD and p.

    With more than two groups (e.g. three arms) the SMD and p columns repeat for each group
    vs the first, headed by the comparison."""
    cols = [Column("Characteristic")]
    cols += [
        Column(f"{group_labels.get(g, g)}\n(n = {desc.group_n[g]})", "right") for g in desc.groups
    ]
    comparisons = desc.comparison_labels
    several = len(comparisons) > 1
    ref = desc.groups[0]
    shown = {
        f"{g} - {ref}": f"{group_labels.get(g, g)} vs {group_labels.get(ref, ref)}"
        for g in desc.groups
    }
    for c in comparisons:
        suffix = f"\n{shown.get(c, c)}" if several else ""
        if show_smd:
            cols.append(Column(f"Std. diff.{suffix}", "right"))
        if show_p:
            cols.append(Column(f"p{suffix}", "right"))
    blank: list[Cell] = [EMPTY] * ((int(show_smd) + int(show_p)) * len(comparisons))

    def extra(variable: str, level: str | None) -> list[Cell]:
        out: list[Cell] = []
        for label in comparisons:
            c = desc.comparison(variable, level, label)
            out += ([Number(c.smd, 2)] if show_smd else []) + (
                [PValue(c.p_value)] if show_p else []
            )
        return out

    rows: list[tuple[Cell, ...]] = []
    for var in desc.variables:
        rows += _variable_rows(desc, var, digits, extra, blank)
    return Table(title, tuple(cols), tuple(rows))


def _variable_rows(desc, var: DescribedVariable, digits, extra, blank) -> list[tuple[Cell, ...]]:  # type: ignore[no-untyped-def]
    stats = {(s.group, s.level): s for s in desc.stats if s.variable == var.name}
    missing = [
        max((s.n_missing for s in stats.values() if s.group == g), default=0) for g in desc.groups
    ]
    rows: list[tuple[Cell, ...]] = []
    if var.kind == "continuous":
        cells = [Label(fmt_mean_sd(stats[(g, None)], digits)) for g in desc.groups]
        rows.append((Label(f"{var.label}, mean (SD)"), *cells, *extra(var.name, None)))
        if var.show_median:
            cells = [Label(fmt_median_iqr(stats[(g, None)], digits)) for g in desc.groups]
            rows.append((Label("median [IQR]", indent=1), *cells, *blank))
    else:
        head = extra(var.name, None) if var.kind == "categorical" else blank
        rows.append((Label(f"{var.label}, n (%)"), *[EMPTY] * len(desc.groups), *head))
        for lvl in var.levels:
            cells = [
                Label(fmt_n_pct(stats[(g, lvl)].n, stats[(g, lvl)].percent)) for g in desc.groups
            ]
            tail = extra(var.name, lvl) if var.kind == "multi_select" else blank
            rows.append((Label(str(lvl), indent=1), *cells, *tail))
    if any(missing):
        rows.append(
            (Label("missing", indent=1, emphasis="dim"), *[Count(m) for m in missing], *blank)
        )
    return rows


def baseline_table(summary: BaselineSummary, digits: int = 1) -> Table:
    """Table 1 by arm and overall."""
    return description_table(
        summary.description,
        summary.group_labels,
        title="Baseline characteristics",
        show_smd=summary.show_smd,
        show_p=summary.show_p,
        digits=digits,
    )


# --------------------------------------------------------------------------- adherence


def adherence_blocks(summary: AdherenceSummary | None) -> list[Block]:
    """Per arm: sessions distribution, mean (SD), median, and the adherence headline."""
    if summary is None:
        return [Paragraph("The plan defines no adherence measure.")]
    out: list[Block] = []
    for a in summary.arms:
        rows: list[tuple[Cell, ...]] = [
            (Label("Randomised"), Count(a.n_randomised)),
            (Label("Started (>= 1 session)"), Count(a.n_started)),
        ]
        if a.n_missing:
            rows.append((Label("Sessions not recorded"), Count(a.n_missing)))
        rows += [
            (Label("Sessions, mean (SD)"), Label(f"{fmt_num(a.mean)} ({fmt_num(a.sd)})")),
            (Label("Sessions, median"), Number(a.median)),
            (
                Label(f"Attended >= {summary.threshold} of {summary.sessions}", emphasis="bold"),
                Label(
                    f"{a.n_adherent}/{a.headline_denominator} ({fmt_num(a.headline_percent)}%)",
                    emphasis="bold",
                ),
            ),
            (
                Label("of those started", indent=1),
                Label(f"{a.n_adherent}/{a.n_started} ({fmt_num(a.percent_of_started)}%)"),
            ),
            (
                Label("of those randomised", indent=1),
                Label(f"{a.n_adherent}/{a.n_randomised} ({fmt_num(a.percent_of_randomised)}%)"),
            ),
        ]
        for e in a.extra:
            rows.append(
                (
                    Label(f"{e.label}, mean (SD); median"),
                    Label(f"{fmt_num(e.mean)} ({fmt_num(e.sd)}); {fmt_num(e.median)}"),
                )
            )
        out.append(
            Table(
                f"{summary.label}: {a.label}",
                (Column("Measure"), Column("Value", "right")),
                tuple(rows),
            )
        )
        out.append(
            Table(
                "Sessions attended",
                (Column("Sessions", "right"), Column("n", "right")),
                tuple((Count(k), Count(n)) for k, n in a.distribution),
            )
        )
    if not out:
        out.append(Paragraph("No arm records sessions attended."))
    return out


# --------------------------------------------------------------------------- attrition


def attrition_blocks(summary: AttritionSummary) -> list[Block]:
    """Assessed per visit, reasons, patterns, differential attrition, completers, last visit."""
    by = summary.by_visit_frame()
    labels = {str(k): str(v) for k, v in zip(by["visit"], by["label"], strict=False)}
    arm_labels = summary.arm_labels
    visits_rows = []
    for arm in summary.arms:
        rows = by[by["arm"] == arm].set_index("visit")
        cells = [
            Label(
                f"{rows.at[v, 'n_assessed']}/{rows.at[v, 'n_randomised']} "
                f"({fmt_num(rows.at[v, 'percent_assessed'])}%)"
            )
            for v in summary.visits
        ]
        visits_rows.append((Label(arm_labels[arm]), *cells))
    visits = Table(
        f"Assessed per visit (outcome '{summary.assessed_by}')",
        (Column("Arm"), *[Column(labels[str(v)], "right") for v in summary.visits]),
        tuple(visits_rows),
    )
    reasons = Table(
        "Reasons",
        (Column("Arm"), Column("Kind"), Column("Visit"), Column("Reason"), Column("n", "right")),
        tuple(
            (
                Label(arm_labels[r.arm]),
                Label(kind_label(str(r.kind))),
                Label("" if r.visit is None else labels.get(str(r.visit), str(r.visit))),
                Label(str(r.reason)),
                Count(r.n),
            )
            for r in summary.reasons.itertuples()
        ),
    )
    patterns = Table(
        "Missing-data patterns (X observed, . missing)",
        (Column("Arm"), Column("Pattern"), Column("Kind"), Column("n")),
        tuple(
            (Label(arm_labels[r.arm]), Label(str(r.pattern)), Label(kind_label(r.kind)), Count(r.n))
            for r in summary.patterns.itertuples()
        ),
    )
    woolf = any(d.ci_method == "woolf" for d in summary.differential)
    several = len({d.comparison for d in summary.differential}) > 1
    control = summary.arms[0]
    shown = {
        f"{a} - {control}": f"{arm_labels[a]} vs {arm_labels[control]}" for a in summary.arms[1:]
    }
    who = "arm" if several else "treatment"
    diff = Table(
        "Differential attrition (Fisher's exact test; OR of not being assessed)",
        (
            *([Column("Comparison")] if several else []),
            Column("Visit"),
            *[
                Column(c, "right")
                for c in (f"Missing, {who}", "Missing, control", "OR (95% CI)", "p")
            ],
        ),
        tuple(
            (
                *([Label(shown.get(d.comparison, d.comparison))] if several else []),
                Label(labels.get(str(d.visit), str(d.visit))),
                Label(f"{d.n_missing_treatment}/{d.n_treatment}"),
                Label(f"{d.n_missing_control}/{d.n_control}"),
                Estimate(
                    d.estimate,
                    d.ci_lower,
                    d.ci_upper,
                    2,
                    marks=("W",) if d.ci_method == "woolf" else (),
                ),
                PValue(d.p_value),
            )
            for d in summary.differential
        ),
        footnotes=(
            ("W: Woolf (logit) interval; the exact CI is too costly here.",) if woolf else ()
        ),
    )
    la = summary.last_assessment
    order = list(dict.fromkeys(la["visit"]))
    last_label = dict(zip(la["visit"], la["label"], strict=False))
    last_rows = []
    for arm in summary.arms:
        n = la[la["arm"] == arm].set_index("visit")["n"]
        last_rows.append((Label(arm_labels[arm]), *[Count(int(n[v])) for v in order]))
    last = Table(
        "Last visit with an observed outcome",
        (Column("Arm"), *[Column(str(last_label[v]), "right") for v in order]),
        tuple(last_rows),
    )
    comp = description_table(
        summary.completers, {}, title="Completers vs non-completers (baseline)", show_smd=True
    )
    empty = [g for g in summary.completers.groups if summary.completers.group_n[g] == 0]
    if empty:
        note = f"Std. diff. not estimable (shown as -): no subject is a {' or '.join(empty)}."
        comp = dataclasses.replace(comp, footnotes=(*comp.footnotes, note))
    return [visits, reasons, patterns, diff, last, comp]


def discrepancy_blocks(found: tuple[Discrepancy, ...]) -> list[Block]:
    """The reconcile result: a passing line when everything agrees, else a table."""
    if not found:
        return [Paragraph("Flow, baseline table, adherence and model counts agree.", "ok")]
    return [
        Table(
            "Discrepancies",
            (
                Column("Check"),
                Column("Expected", "right"),
                Column("Found", "right"),
                Column("Message"),
            ),
            tuple(
                (
                    Label(d.check, emphasis="flag"),
                    Label(str(d.expected)),
                    Label(str(d.observed)),
                    Label(d.message),
                )
                for d in found
            ),
        )
    ]
