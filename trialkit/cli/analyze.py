"""``trialkit analyze``: analyse a trial (without arguments: the bundled sample trial)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from trialkit.cli.app import app
from trialkit.data import read_trial, summarize_trial
from trialkit.data.bundled import sample_plan
from trialkit.errors import PlanError
from trialkit.report.trial_summary_terminal import render_trial_summary


@app.command("analyze")
def analyze_command(
    data: Annotated[
        Path | None,
        typer.Argument(
            help="Data file. Default: the data file named in the plan.", show_default=False
        ),
    ] = None,
    plan: Annotated[
        Path | None,
        typer.Option(
            "--plan", "-p", help="Analysis plan (TOML). Default: the bundled sample trial."
        ),
    ] = None,
) -> None:
    """Analyse a trial. With no arguments, runs on the bundled synthetic sample trial."""
    if plan is None and data is not None:
        raise PlanError(f"Give the analysis plan for {data} with --plan.")
    trial = read_trial(data, plan if plan is not None else sample_plan())
    render_trial_summary(summarize_trial(trial), Console())
