"""The one place where the CLI turns a :class:`~trialkit.errors.TrialkitError` into output.

:class:`TrialkitGroup` is the click group class of the ``trialkit`` app. Every command runs
inside its :meth:`~TrialkitGroup.invoke`, so any ``TrialkitError`` raised under any command
is caught here: a validation error prints its report as one table, any other prints one plain
sentence; then the process exits with ``error.exit_code`` and no traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

from trialkit.core.errors import TrialkitError

if TYPE_CHECKING:  # rich is imported when an error is printed, not at start-up
    from rich.console import Console

    from trialkit.data.trial import Trial


def error_console() -> Console:
    """A console on the current ``sys.stderr`` (created per call so test runners capture it)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def report_error(err: TrialkitError, console: Console | None = None) -> None:
    """Print ``err`` for the user: its problem table (if it has a report), then its sentence."""
    from rich.text import Text

    console = console or error_console()
    report = getattr(err, "report", None)
    if report is not None and report.problems:
        from trialkit.report.build_validation import problems_table  # only when needed
        from trialkit.report.terminal import print_blocks

        print_blocks([problems_table(report)], console)
    console.print(Text(f"Error: {err}", style="bold red"), soft_wrap=True)


def report_warnings(problems: Iterable[object], console: Console | None = None) -> None:
    """Print each warning of a data check (a :class:`~trialkit.core.problems.Problem`) as one
    line ``Warning: ...`` on stderr, so that a run never hides what its check found."""
    from rich.text import Text

    console = console or error_console()
    for p in problems:
        console.print(Text(f"Warning: {getattr(p, 'message', p)}", style="yellow"), soft_wrap=True)


def load_trial(data: Path | None, plan: Path | None, console: Console | None = None) -> Trial:
    """:func:`~trialkit.data.bundled.trial_or_sample`, printing the data check's warnings (on
    ``console``, by default a new one on stderr)."""
    from trialkit.data.bundled import trial_or_sample

    trial = trial_or_sample(data, plan)
    report_warnings(trial.warnings, console)
    return trial


class TrialkitGroup(TyperGroup):
    """Click group that reports :class:`TrialkitError` from any command and exits cleanly."""

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TrialkitError as err:
            report_error(err)
            ctx.exit(err.exit_code)
