"""Render a :class:`~trialkit.data.summary.TrialSummary` on the terminal with rich."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from trialkit.core.problems import ValidationReport
from trialkit.data.summary import TrialSummary
from trialkit.report.validation_terminal import render_problems


def render_trial_summary(summary: TrialSummary, console: Console) -> None:
    """Print the title, arms with n, visits, and observed values per outcome x visit x arm.

    Each outcome cell reads ``n_observed/n_randomised (pct_missing % missing)``.
    """
    console.print(Text(summary.title, style="bold"))
    console.print(f"{summary.n_subjects} randomised subjects")
    arms = Table(title="Arms", title_justify="left")
    arms.add_column("Arm")
    arms.add_column("Value in data")
    arms.add_column("Randomised", justify="right")
    for row in summary.arms.itertuples(index=False):
        arms.add_row(Text(str(row.label)), Text(str(row.arm)), str(row.n))
    console.print(arms)

    visits = ", ".join(
        f"{r.label}{' (baseline)' if r.baseline else ''}"
        for r in summary.visits.itertuples(index=False)
    )
    console.print(Text(f"Visits: {visits}"))

    arm_values = list(summary.arms["arm"])
    arm_labels = dict(zip(summary.arms["arm"], summary.arms["label"], strict=True))
    visit_labels = dict(zip(summary.visits["visit"], summary.visits["label"], strict=True))
    table = Table(title="Observed outcome values (n observed / n randomised)", title_justify="left")
    table.add_column("Outcome")
    table.add_column("Visit")
    for a in arm_values:
        table.add_column(Text(str(arm_labels[a])), justify="right")
    previous = None
    for (name, label, visit), block in summary.outcomes.groupby(
        ["outcome", "label", "visit"], sort=False
    ):
        shown = "" if name == previous else str(label)
        previous = name
        cells = []
        by_arm = block.set_index("arm")
        for a in arm_values:
            r = by_arm.loc[a]
            cells.append(f"{r.n_observed}/{r.n_randomised} ({r.pct_missing:.0f}% missing)")
        table.add_row(Text(shown), Text(str(visit_labels.get(visit, visit))), *cells)
    console.print(table)
    if summary.warnings:
        render_problems(
            ValidationReport(summary.warnings),
            console,
            title=f"{len(summary.warnings)} warning(s)",
        )
