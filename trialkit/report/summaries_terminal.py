"""Terminal rendering (rich) of the trial summaries.

Each function returns a rich renderable; nothing here prints. Data strings are passed as
:class:`rich.text.Text`, so a reason like ``"[red]"`` is shown literally, never as markup.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from trialkit.report.format import fmt_num, fmt_p
from trialkit.summaries.adherence import AdherenceSummary
from trialkit.summaries.attrition import AttritionSummary
from trialkit.summaries.baseline import BaselineSummary
from trialkit.summaries.consort import ArmFlow, ConsortFlow
from trialkit.summaries.describe import DescribedVariable, GroupDescription, GroupStat
from trialkit.summaries.reconcile import Discrepancy


def fmt_mean_sd(s: GroupStat, digits: int = 1) -> str:
    return f"{fmt_num(s.mean, digits)} ({fmt_num(s.sd, digits)})"


def fmt_median_iqr(s: GroupStat, digits: int = 1) -> str:
    return f"{fmt_num(s.median, digits)} [{fmt_num(s.q1, digits)}, {fmt_num(s.q3, digits)}]"


def fmt_n_pct(n: int, pct: float) -> str:
    return f"{n} ({fmt_num(pct, 1)}%)"


def fmt_count(n: int | None) -> str:
    return "not recorded" if n is None else f"n = {n}"


# --------------------------------------------------------------------------- CONSORT


def _reasons(node: Tree, reasons: tuple[tuple[str, int], ...]) -> None:
    for reason, n in reasons:
        node.add(Text(f"{reason} (n = {n})"))


def _arm_tree(parent: Tree, a: ArmFlow) -> None:
    arm = parent.add(Text(f"Allocated to {a.label} (n = {a.allocated})", style="bold"))
    arm.add(Text(f"Received allocated intervention: {fmt_count(a.received)}"))
    if a.not_received is not None:
        _reasons(
            arm.add(Text(f"Did not receive allocated intervention (n = {a.not_received})")),
            a.not_received_reasons,
        )
    fu = arm.add(Text("Follow-up", style="bold cyan"))
    for v in a.followup:
        node = fu.add(
            Text(f"{v.label}: assessed n = {v.assessed}; not assessed n = {v.not_assessed}")
        )
        _reasons(node, v.reasons)
    if a.discontinued is not None:
        _reasons(
            fu.add(Text(f"Discontinued intervention (n = {a.discontinued})")),
            a.discontinued_reasons,
        )
    if a.withdrew is not None:
        _reasons(fu.add(Text(f"Withdrew from the study (n = {a.withdrew})")), a.withdrew_reasons)
    an = arm.add(Text("Analysis", style="bold cyan"))
    if not a.analysis:
        an.add(Text("No fitted model given", style="dim"))
    for m in a.analysis:
        node = an.add(Text(f"{m.model}: analysed n = {m.analysed}; excluded n = {m.excluded}"))
        _reasons(node, m.reasons)


def consort_renderable(flow: ConsortFlow) -> Tree:
    """The CONSORT flow as a tree: enrolment, then one branch per arm."""
    e = flow.enrolment
    root = Tree(Text(f"CONSORT flow: {flow.title}", style="bold"))
    enrol = root.add(Text("Enrolment", style="bold cyan"))
    if e.assessed is not None:
        enrol.add(Text(f"Assessed for eligibility (n = {e.assessed})"))
    if e.excluded is not None:
        _reasons(enrol.add(Text(f"Excluded (n = {e.excluded})")), e.excluded_reasons)
    if e.source == "none":
        enrol.add(Text("Screening counts not given (plan [enrolment])", style="dim"))
    rand = root.add(Text(f"Randomised (n = {e.randomised})", style="bold"))
    for a in flow.arms:
        _arm_tree(rand, a)
    root.add(Text(f"Assessed = outcome '{flow.assessed_by}' observed at the visit.", style="dim"))
    return root


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
    """Variables by group: mean (SD) / median [IQR] / n (%), missing, SMD and p."""
    table = Table(title=title, title_justify="left")
    table.add_column("Characteristic")
    for g in desc.groups:
        table.add_column(
            Text(f"{group_labels.get(g, g)}\n(n = {desc.group_n[g]})"), justify="right"
        )
    if show_smd:
        table.add_column("Std. diff.", justify="right")
    if show_p:
        table.add_column("p", justify="right")

    def extra(variable: str, level: str | None) -> list[str]:
        c = desc.comparison(variable, level)
        return ([fmt_num(c.smd, 2)] if show_smd else []) + ([fmt_p(c.p_value)] if show_p else [])

    blank = [""] * (int(show_smd) + int(show_p))
    for var in desc.variables:
        _variable_rows(table, desc, var, digits, extra, blank)
    return table


def _variable_rows(
    table: Table,
    desc: GroupDescription,
    var: DescribedVariable,
    digits: int,
    extra: Callable[[str, str | None], list[str]],
    blank: list[str],
) -> None:
    stats = {(s.group, s.level): s for s in desc.stats if s.variable == var.name}
    missing = [
        max((s.n_missing for s in stats.values() if s.group == g), default=0) for g in desc.groups
    ]
    if var.kind == "continuous":
        cells = [fmt_mean_sd(stats[(g, None)], digits) for g in desc.groups]
        table.add_row(Text(f"{var.label}, mean (SD)"), *cells, *extra(var.name, None))
        if var.show_median:
            cells = [fmt_median_iqr(stats[(g, None)], digits) for g in desc.groups]
            table.add_row(Text("  median [IQR]"), *cells, *blank)
    else:
        head = extra(var.name, None) if var.kind == "categorical" else blank
        table.add_row(Text(f"{var.label}, n (%)"), *[""] * len(desc.groups), *head)
        for lvl in var.levels:
            cells = [fmt_n_pct(stats[(g, lvl)].n, stats[(g, lvl)].percent) for g in desc.groups]
            tail = extra(var.name, lvl) if var.kind == "multi_select" else blank
            table.add_row(Text(f"  {lvl}"), *cells, *tail)
    if any(missing):
        table.add_row(Text("  missing", style="dim"), *[str(m) for m in missing], *blank)


def baseline_renderable(summary: BaselineSummary, digits: int = 1) -> Table:
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


def adherence_renderable(summary: AdherenceSummary) -> RenderableType:
    """Per arm: sessions distribution, mean (SD), median, and the adherence headline."""
    parts: list[RenderableType] = []
    for a in summary.arms:
        t = Table(title=Text(f"{summary.label}: {a.label}"), title_justify="left")
        t.add_column("Measure")
        t.add_column("Value", justify="right")
        t.add_row("Randomised", str(a.n_randomised))
        t.add_row("Started (>= 1 session)", str(a.n_started))
        if a.n_missing:
            t.add_row("Sessions not recorded", str(a.n_missing))
        t.add_row("Sessions, mean (SD)", f"{fmt_num(a.mean)} ({fmt_num(a.sd)})")
        t.add_row("Sessions, median", fmt_num(a.median))
        t.add_row(
            Text(f"Attended >= {summary.threshold} of {summary.sessions}", style="bold"),
            Text(
                f"{a.n_adherent}/{a.headline_denominator} ({fmt_num(a.headline_percent)}%)",
                style="bold",
            ),
        )
        t.add_row(
            "  of those started", f"{a.n_adherent}/{a.n_started} ({fmt_num(a.percent_of_started)}%)"
        )
        t.add_row(
            "  of those randomised",
            f"{a.n_adherent}/{a.n_randomised} ({fmt_num(a.percent_of_randomised)}%)",
        )
        for e in a.extra:
            t.add_row(
                Text(f"{e.label}, mean (SD); median"),
                f"{fmt_num(e.mean)} ({fmt_num(e.sd)}); {fmt_num(e.median)}",
            )
        dist = Table(title="Sessions attended", title_justify="left")
        dist.add_column("Sessions", justify="right")
        dist.add_column("n", justify="right")
        for k, n in a.distribution:
            dist.add_row(str(k), str(n))
        parts += [t, dist]
    if not parts:
        parts.append(Text("No arm records sessions attended."))
    return Group(*parts)


# --------------------------------------------------------------------------- attrition


def attrition_renderable(summary: AttritionSummary) -> RenderableType:
    """Assessed per visit, reasons, patterns, differential attrition, completers, last visit."""
    by = summary.by_visit_frame()
    visits = Table(
        title=f"Assessed per visit (outcome '{summary.assessed_by}')", title_justify="left"
    )
    visits.add_column("Arm")
    labels = dict(zip(by["visit"], by["label"], strict=False))
    for v in summary.visits:
        visits.add_column(Text(labels[v]), justify="right")
    for arm in summary.arms:
        rows = by[by["arm"] == arm].set_index("visit")
        cells = [
            f"{rows.at[v, 'n_assessed']}/{rows.at[v, 'n_randomised']} "
            f"({fmt_num(rows.at[v, 'percent_assessed'])}%)"
            for v in summary.visits
        ]
        visits.add_row(Text(summary.arm_labels[arm]), *cells)

    reasons = Table(title="Reasons", title_justify="left")
    for col in ("Arm", "Kind", "Visit", "Reason", "n"):
        reasons.add_column(col, justify="right" if col == "n" else "left")
    for r in summary.reasons.itertuples():
        reasons.add_row(
            Text(summary.arm_labels[r.arm]),
            r.kind,
            "" if r.visit is None else str(r.visit),
            Text(r.reason),
            str(r.n),
        )

    patterns = Table(title="Missing-data patterns (X observed, . missing)", title_justify="left")
    for col in ("Arm", "Pattern", "Kind", "n"):
        patterns.add_column(col)
    for r in summary.patterns.itertuples():
        patterns.add_row(Text(summary.arm_labels[r.arm]), Text(r.pattern), r.kind, str(r.n))

    title = "Differential attrition (Fisher's exact test; OR of not being assessed)"
    if any(d.ci_method == "woolf" for d in summary.differential):
        title += "; CIs marked W are Woolf (logit) intervals: the exact CI is too costly here"
    diff = Table(title=title, title_justify="left")
    for col in ("Visit", "Missing, treatment", "Missing, control", "OR (95% CI)", "p"):
        diff.add_column(col, justify="right")
    for d in summary.differential:
        diff.add_row(
            d.visit,
            f"{d.n_missing_treatment}/{d.n_treatment}",
            f"{d.n_missing_control}/{d.n_control}",
            f"{fmt_num(d.estimate, 2)} ({fmt_num(d.ci_lower, 2)} to {fmt_num(d.ci_upper, 2)})"
            + (" W" if d.ci_method == "woolf" else ""),
            fmt_p(d.p_value),
        )

    last = Table(title="Last visit with an observed outcome", title_justify="left")
    last.add_column("Arm")
    la = summary.last_assessment
    order = list(dict.fromkeys(la["visit"]))
    label = dict(zip(la["visit"], la["label"], strict=False))
    for v in order:
        last.add_column(Text(label[v]), justify="right")
    for arm in summary.arms:
        rows = la[la["arm"] == arm].set_index("visit")["n"]
        last.add_row(Text(summary.arm_labels[arm]), *[str(rows[v]) for v in order])

    comp = description_table(
        summary.completers,
        {},
        title="Completers vs non-completers (baseline)",
        show_smd=True,
    )
    return Group(visits, reasons, patterns, diff, last, comp)


def discrepancies_renderable(found: tuple[Discrepancy, ...]) -> RenderableType:
    """The reconcile result: a green line when everything agrees, else a table."""
    if not found:
        return Text("Flow, baseline table, adherence and model counts agree.", style="green")
    table = Table(title="Discrepancies", title_justify="left", style="red")
    table.add_column("Check")
    table.add_column("Expected", justify="right")
    table.add_column("Found", justify="right")
    table.add_column("Message")
    for d in found:
        table.add_row(d.check, str(d.expected), str(d.observed), Text(d.message))
    return table
