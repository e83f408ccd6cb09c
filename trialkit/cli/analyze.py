"""``trialkit analyze``: run every analysis in the plan and render the trial report.

Without arguments it analyses the bundled synthetic sample trial. The report goes to stdout;
progress (a transient spinner naming the current step) goes to stderr.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from trialkit.analysis import analyze_trial
from trialkit.cli.app import app
from trialkit.data import read_trial
from trialkit.data.bundled import sample_plan
from trialkit.errors import PlanError
from trialkit.report.terminal import render_report


def _path_option(flag: str, text: str) -> object:
    return typer.Option(flag, help=text, show_default=False)


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
    html: Annotated[
        Path | None, _path_option("--html", "Write a self-contained HTML report here.")
    ] = None,
    markdown: Annotated[
        Path | None, _path_option("--markdown", "Write a Markdown report here.")
    ] = None,
    json: Annotated[
        Path | None, _path_option("--json", "Write every number as JSON (schema 1.0) here.")
    ] = None,
    csv_dir: Annotated[
        Path | None, _path_option("--csv-dir", "Write the report's tables as CSV files here.")
    ] = None,
    figures_dir: Annotated[
        Path | None, _path_option("--figures-dir", "Write the figures (PNG and SVG) here.")
    ] = None,
    effects: Annotated[
        Path | None,
        _path_option("--effects", "Write per outcome x visit effects (CSV) for trialkit meta."),
    ] = None,
) -> None:
    """Analyse a trial and print the report. With no arguments: the bundled sample trial."""
    if plan is None and data is not None:
        raise PlanError(f"Give the analysis plan for {data} with --plan.")
    err = Console(stderr=True)
    with err.status("Reading the data") as status:
        trial = read_trial(data, plan if plan is not None else sample_plan())
        analysis = analyze_trial(trial, progress=lambda step: status.update(step))
        status.update("Writing the report")
        _write_files(analysis, html, markdown, json, csv_dir, figures_dir, effects)
    render_report(analysis, Console())
    for kind, path in (
        ("HTML report", html),
        ("Markdown report", markdown),
        ("JSON", json),
        ("CSV tables", csv_dir),
        ("Figures", figures_dir),
        ("Effects for trialkit meta", effects),
    ):
        if path is not None:
            err.print(f"{kind}: {path}", highlight=False, markup=False)


def _write_files(analysis, html, markdown, json, csv_dir, figures_dir, effects) -> None:  # noqa: ANN001
    # Imported lazily: the terminal report alone never loads matplotlib.
    if html is not None:
        from trialkit.report.html import write_html

        write_html(analysis, html)
    if markdown is not None:
        from trialkit.report.markdown import write_markdown

        write_markdown(analysis, markdown)
    if json is not None:
        from trialkit.report.json_report import write_json

        write_json(analysis, json)
    if csv_dir is not None:
        from trialkit.report.csv_tables import write_csv_tables

        write_csv_tables(analysis, csv_dir)
    if figures_dir is not None:
        from trialkit.report.figures import write_figures

        write_figures(analysis, figures_dir)
    if effects is not None:
        analysis.effects_frame().to_csv(effects, index=False, float_format="%.17g")
