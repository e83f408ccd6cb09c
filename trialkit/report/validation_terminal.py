"""Terminal output of checking: the problem table, the verdict, and ``init``'s guesses."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from trialkit.core.problems import ValidationReport
from trialkit.data.estimands import event_table
from trialkit.data.starter import StarterPlan
from trialkit.data.trial import Trial

_STYLE = {"error": "bold red", "warning": "yellow"}


def problems_table(report: ValidationReport, title: str | None = None) -> Table:
    """A table with one row per problem: number, severity, where, and the problem.

    A problem's hint follows its message on a new line. Data strings are added as
    :class:`rich.text.Text`, so markup in them is shown literally.
    """
    n_err, n_warn = len(report.errors), len(report.warnings)
    heading = title or f"{n_err} error(s), {n_warn} warning(s)"
    table = Table(title=heading, title_justify="left", show_lines=True, expand=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("Severity", no_wrap=True)
    table.add_column("Where", overflow="fold", ratio=1)
    table.add_column("Problem", overflow="fold", ratio=3)
    for i, p in enumerate(report.problems, start=1):
        text = Text(p.message)
        if p.hint:
            text.append(f"\n-> {p.hint}", style="cyan")
        table.add_row(str(i), Text(p.severity, style=_STYLE[p.severity]), Text(p.where), text)
    return table


def render_problems(report: ValidationReport, console: Console, title: str | None = None) -> None:
    """Print every problem of ``report`` as one table on ``console``."""
    console.print(problems_table(report, title))


def render_valid(trial: Trial, console: Console) -> None:
    """Print the verdict for data that passed validation, with any warnings as a table."""
    if trial.warnings:
        render_problems(ValidationReport(tuple(trial.warnings)), console)  # type: ignore[arg-type]
    n = len(trial.subjects)
    n_visits = len(trial.plan.visits.order)
    line = (
        "OK: the data match the plan "
        f"({n} subjects x {n_visits} visits, {len(trial.plan.outcomes)} outcome(s), "
        f"{len(trial.warnings)} warning(s))."
    )
    console.print(Text(line, style="green"), soft_wrap=True)
    for table in estimand_event_tables(trial):
        console.print(table)


def estimand_event_tables(trial: Trial) -> list[Table]:
    """For each estimand: every subject with an intercurrent event and the visits affected."""
    plan = trial.plan
    post = plan.visits.post_baseline
    out = []
    for e in plan.estimands:
        events = event_table(trial.subjects, trial.arm_col, e, post)
        t = Table(
            title=f"Estimand '{e.name}': intercurrent events ({len(events)} subject-events)",
            title_justify="left",
        )
        for col in (
            "Event",
            "Strategy",
            "Arm",
            "First visit affected",
            "Visits affected",
            "Subjects",
        ):
            t.add_column(col)
        for (event, strategy, arm, visit), rows in events.groupby(
            ["event", "strategy", "arm", "visit"], sort=False
        ):
            affected = post[post.index(str(visit)) :]
            t.add_row(
                Text(str(event)),
                str(strategy),
                Text(str(arm)),
                Text(plan.visits.label(str(visit))),
                Text(", ".join(plan.visits.label(v) for v in affected)),
                Text(f"{len(rows)}: " + ", ".join(rows["subject"].astype(str))),
            )
        if events.empty:
            t.add_row("-", "-", "-", "-", "-", "no subject has an event")
        out.append(t)
    return out


def render_starter(starter: StarterPlan, out: Path, data: Path, console: Console) -> None:
    """Print what ``trialkit init`` guessed and what the user must still do."""
    guesses = [
        f"layout {starter.layout}",
        f"subject column {starter.subject or '(not found)'}",
        f"arm column {starter.arm or '(not found)'}",
    ]
    if starter.layout == "long":
        guesses.append(f"visit column {starter.visit or '(not found)'}")
    guesses.append(f"visits {', '.join(starter.visits) or '(none found)'}")
    guesses.append(f"{len(starter.outcomes)} candidate outcome(s)")
    console.print(Text(f"Wrote {out}: " + "; ".join(guesses) + "."), soft_wrap=True)
    console.print(
        Text(
            f"Next: set [arms] control, check every TODO in {out}, then run "
            f"`trialkit validate {data} --plan {out}`."
        ),
        soft_wrap=True,
    )
