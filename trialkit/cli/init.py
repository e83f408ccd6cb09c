"""``trialkit init``: write a starter plan from a data file's columns."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from trialkit.cli.app import app
from trialkit.data.starter import write_starter_plan
from trialkit.report.build_validation import starter_blocks
from trialkit.report.terminal import print_blocks


@app.command("init")
def init_command(
    data: Annotated[Path, typer.Argument(help="Data file to describe.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Plan file to write.")] = Path(
        "plan.toml"
    ),
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite an existing plan file.")
    ] = False,
) -> None:
    """Write a starter plan for DATA: guessed columns, layout, visits and candidate outcomes."""
    starter = write_starter_plan(data, out, force=force)
    print_blocks(starter_blocks(starter, out, data), Console())
