"""``trialkit consort | baseline | attrition | adherence``: the trial summaries.

Each takes ``[DATA] --plan PLAN``; with neither, it runs on the bundled synthetic sample.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from trialkit.analysis import consort_with_models
from trialkit.cli.app import app
from trialkit.cli.errors import load_trial
from trialkit.core.outputs import Output, check_outputs, writing
from trialkit.report.build_summaries import (
    adherence_blocks,
    attrition_blocks,
    baseline_table,
    consort_tree,
    discrepancy_blocks,
)
from trialkit.report.terminal import print_blocks
from trialkit.summaries import (
    adherence_summary,
    attrition_summary,
    reconcile,
)
from trialkit.summaries import baseline_table as baseline_summary

DataArg = Annotated[
    Path | None,
    typer.Argument(help="Data file. Default: the data file named in the plan.", show_default=False),
]
PlanOpt = Annotated[
    Path | None,
    typer.Option("--plan", "-p", help="Analysis plan (TOML). Default: the bundled sample trial."),
]
AssessedOpt = Annotated[
    str | None,
    typer.Option(
        "--assessed-by",
        help="Outcome whose observation counts as 'assessed' (default: the primary; 'any').",
    ),
]


@app.command("consort")
def consort_command(
    data: DataArg = None,
    plan: PlanOpt = None,
    svg: Annotated[Path | None, typer.Option("--svg", help="Write the diagram as SVG.")] = None,
    png: Annotated[Path | None, typer.Option("--png", help="Write the diagram as PNG.")] = None,
    assessed_by: AssessedOpt = None,
) -> None:
    """CONSORT flow (enrolment, allocation, follow-up, analysis), with cross-checks.

    The analysis boxes show the subjects each model of the primary outcome actually used.
    """
    trial = load_trial(data, plan)
    diagrams = {"SVG diagram": svg, "PNG diagram": png}
    check_outputs(
        [Output(kind, path) for kind, path in diagrams.items() if path is not None],
        trial.input_files(data),
    )
    flow = consort_with_models(trial, assessed_by=assessed_by)
    console = Console()
    print_blocks([consort_tree(flow)], console)
    adherence = adherence_summary(trial) if trial.plan.adherence is not None else None
    print_blocks(discrepancy_blocks(reconcile(flow, baseline_summary(trial), adherence)), console)
    if svg is not None or png is not None:
        # matplotlib loads only when a diagram is asked for (keeps CLI start-up fast)
        from trialkit.report.consort_diagram import draw_consort

        with writing("CONSORT diagram", svg or png):  # type: ignore[arg-type]
            drawn = draw_consort(flow, svg=svg, png=png)
        for path in (drawn.svg, drawn.png):
            if path is not None:
                console.print(f"Wrote {path}", soft_wrap=True)


@app.command("baseline")
def baseline_command(
    data: DataArg = None,
    plan: PlanOpt = None,
    p_values: Annotated[
        bool | None,
        typer.Option("--p-values/--no-p-values", help="Add p-values (default: the plan's)."),
    ] = None,
    median_iqr: Annotated[
        bool, typer.Option("--median-iqr", help="Median [IQR] for every continuous variable.")
    ] = False,
) -> None:
    """Baseline characteristics (Table 1) by arm and overall."""
    trial = load_trial(data, plan)
    summary = baseline_summary(trial, p_values=p_values, median_iqr=median_iqr)
    print_blocks([baseline_table(summary)], Console())


@app.command("attrition")
def attrition_command(
    data: DataArg = None, plan: PlanOpt = None, assessed_by: AssessedOpt = None
) -> None:
    """Follow-up per visit, reasons, missing-data patterns and differential attrition."""
    trial = load_trial(data, plan)
    print_blocks(attrition_blocks(attrition_summary(trial, assessed_by=assessed_by)), Console())


@app.command("adherence")
def adherence_command(data: DataArg = None, plan: PlanOpt = None) -> None:
    """Sessions attended per arm and the share meeting the plan's threshold."""
    trial = load_trial(data, plan)
    print_blocks(adherence_blocks(adherence_summary(trial)), Console())
