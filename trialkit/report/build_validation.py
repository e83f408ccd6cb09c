"""Report blocks of checking a trial: the problem table (``validate``, and every command that
stops on bad input), the verdict with each estimand's intercurrent events, what ``init``
guessed, and the counts of a :class:`~trialkit.data.summary.TrialSummary`.

The terminal renderer prints them (:func:`~trialkit.report.terminal.print_blocks`); data
strings stay literal text in every renderer.
"""

from __future__ import annotations

from pathlib import Path

from trialkit.core.problems import ValidationReport
from trialkit.data.estimands import event_table
from trialkit.data.starter import StarterPlan
from trialkit.data.summary import TrialSummary
from trialkit.data.trial import Trial
from trialkit.report.document import Block, Cell, Column, Count, Label, Paragraph, Table

SEVERITY = {"error": "flag", "warning": "warn"}


def problems_table(report: ValidationReport, title: str | None = None) -> Table:
    """One row per problem: number, severity, where, and the problem (its hint on a new
    line after ``->``)."""
    n_err, n_warn = len(report.errors), len(report.warnings)
    rows = tuple(
        (
            Count(i),
            Label(p.severity, emphasis=SEVERITY[p.severity]),  # type: ignore[arg-type]
            Label(p.where),
            Label(p.message + (f"\n-> {p.hint}" if p.hint else "")),
        )
        for i, p in enumerate(report.problems, start=1)
    )
    return Table(
        title or f"{n_err} error(s), {n_warn} warning(s)",
        (Column("#", "right"), Column("Severity"), Column("Where"), Column("Problem")),
        rows,
        rules=True,
    )


def event_tables(trial: Trial) -> list[Table]:
    """For each estimand: every subject with an intercurrent event and the visits affected."""
    plan = trial.plan
    post = plan.visits.post_baseline
    out = []
    for e in plan.estimands:
        events = event_table(trial.subjects, trial.arm_col, e, post)
        rows: list[tuple[Cell, ...]] = []
        for (event, strategy, arm, visit), group in events.groupby(
            ["event", "strategy", "arm", "visit"], sort=False
        ):
            affected = post[post.index(str(visit)) :]
            rows.append(
                (
                    Label(str(event)),
                    Label(str(strategy)),
                    Label(str(arm)),
                    Label(plan.visits.label(str(visit))),
                    Label(", ".join(plan.visits.label(v) for v in affected)),
                    Label(f"{len(group)}: " + ", ".join(group["subject"].astype(str))),
                )
            )
        if events.empty:
            rows.append((*(Label("-"),) * 5, Label("no subject has an event")))
        heads = ("Event", "Strategy", "Arm", "First visit affected", "Visits affected")
        out.append(
            Table(
                f"Estimand '{e.name}': intercurrent events ({len(events)} subject-events)",
                tuple(Column(h) for h in (*heads, "Subjects")),
                tuple(rows),
            )
        )
    return out


def valid_blocks(trial: Trial) -> list[Block]:
    """The verdict for data that passed validation, with any warnings as a table and the
    estimands' intercurrent events."""
    blocks: list[Block] = []
    if trial.warnings:
        blocks.append(problems_table(ValidationReport(tuple(trial.warnings))))  # type: ignore[arg-type]
    n_visits = len(trial.plan.visits.order)
    blocks.append(
        Paragraph(
            "OK: the data match the plan "
            f"({len(trial.subjects)} subjects x {n_visits} visits, "
            f"{len(trial.plan.outcomes)} outcome(s), {len(trial.warnings)} warning(s)).",
            "ok",
        )
    )
    return blocks + list(event_tables(trial))


def starter_blocks(starter: StarterPlan, out: Path, data: Path) -> list[Block]:
    """What ``trialkit init`` guessed and what the user must still do."""
    guesses = [
        f"layout {starter.layout}",
        f"subject column {starter.subject or '(not found)'}",
        f"arm column {starter.arm or '(not found)'}",
    ]
    if starter.layout == "long":
        guesses.append(f"visit column {starter.visit or '(not found)'}")
    guesses.append(f"visits {', '.join(starter.visits) or '(none found)'}")
    guesses.append(f"{len(starter.outcomes)} candidate outcome(s)")
    return [
        Paragraph(f"Wrote {out}: " + "; ".join(guesses) + "."),
        Paragraph(
            f"Next: set [arms] control, check every TODO in {out}, then run "
            f"`trialkit validate {data} --plan {out}`."
        ),
    ]


def trial_summary_blocks(summary: TrialSummary) -> list[Block]:
    """The title, arms with n, visits, and observed values per outcome x visit x arm (each
    outcome cell ``n_observed/n_randomised (pct_missing % missing)``), then any warnings."""
    arms = Table(
        "Arms",
        (Column("Arm"), Column("Value in data"), Column("Randomised", "right")),
        tuple(
            (Label(str(r.label)), Label(str(r.arm)), Count(int(r.n)))
            for r in summary.arms.itertuples(index=False)
        ),
    )
    visits = ", ".join(
        f"{r.label}{' (baseline)' if r.baseline else ''}"
        for r in summary.visits.itertuples(index=False)
    )
    arm_values = list(summary.arms["arm"])
    arm_labels = dict(zip(summary.arms["arm"], summary.arms["label"], strict=True))
    visit_labels = dict(zip(summary.visits["visit"], summary.visits["label"], strict=True))
    rows: list[tuple[Cell, ...]] = []
    previous = None
    for (name, label, visit), block in summary.outcomes.groupby(
        ["outcome", "label", "visit"], sort=False
    ):
        by_arm = block.set_index("arm")
        cells: list[Cell] = [
            Label("" if name == previous else str(label)),
            Label(str(visit_labels.get(visit, visit))),
        ]
        previous = name
        for a in arm_values:
            r = by_arm.loc[a]
            cells.append(Label(f"{r.n_observed}/{r.n_randomised} ({r.pct_missing:.0f}% missing)"))
        rows.append(tuple(cells))
    observed = Table(
        "Observed outcome values (n observed / n randomised)",
        (
            Column("Outcome"),
            Column("Visit"),
            *(Column(str(arm_labels[a]), "right") for a in arm_values),
        ),
        tuple(rows),
    )
    blocks: list[Block] = [
        Paragraph(summary.title, "bold"),
        Paragraph(f"{summary.n_subjects} randomised subjects"),
        arms,
        Paragraph(f"Visits: {visits}"),
        observed,
    ]
    if summary.warnings:
        title = f"{len(summary.warnings)} warning(s)"
        blocks.append(problems_table(ValidationReport(summary.warnings), title))
    return blocks
