"""``trialkit init``: write a starter plan from a data file's columns."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from trialkit.cli.app import app
from trialkit.data.adam_starter import write_adam_starter
from trialkit.data.starter import write_starter_plan
from trialkit.report.validation_terminal import render_starter


@app.command("init")
def init_command(
    data: Annotated[
        list[Path],
        typer.Argument(
            help="Data file to describe; for CDISC ADaM, ADSL and the BDS datasets "
            "(e.g. adsl.xpt adqsadas.xpt).",
            show_default=False,
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Plan file to write.")] = Path(
        "plan.toml"
    ),
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite an existing plan file.")
    ] = False,
) -> None:
    """Write a starter plan for DATA: guessed columns, layout, visits and candidate outcomes.

    Given ADSL and BDS datasets, an ADaM plan listing their PARAMCDs."""
    if len(data) > 1:
        starter = write_adam_starter(data, out, force=force)
    else:
        starter = write_starter_plan(data[0], out, force=force)
    render_starter(starter, out, data[0], Console())
