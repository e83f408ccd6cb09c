"""``trialkit validate``: check a data file against its plan and list every problem."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from trialkit.cli.app import app
from trialkit.data import read_trial
from trialkit.report.build_validation import valid_blocks
from trialkit.report.terminal import print_blocks


@app.command("validate")
def validate_command(
    plan: Annotated[Path, typer.Option("--plan", "-p", help="Analysis plan (TOML).")],
    data: Annotated[
        Path | None,
        typer.Argument(
            help="Data file (CSV, TSV, Excel, Parquet, SPSS, Stata, SAS). "
            "Default: the data file named in the plan.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Check DATA against the plan and list every problem at once (exit 2 on any error)."""
    trial = read_trial(data, plan)
    print_blocks(valid_blocks(trial), Console())
