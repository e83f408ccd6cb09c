"""``trialkit analyze``: run every analysis in the plan and render the trial report.

Without arguments it analyses the bundled synthetic sample trial. The report goes to stdout;
progress (a transient line naming the current step, with a bar over the draws or refits of an
estimand's imputation) goes to stderr. ``--scheduler`` runs those imputations on a Dask
cluster; the report is the same, byte for byte.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.text import Text

from trialkit.analysis import TrialAnalysis, analyze_trial
from trialkit.cli.app import app
from trialkit.cli.errors import load_trial
from trialkit.cli.progress import step_progress
from trialkit.core.errors import ModelError
from trialkit.core.outputs import Output, check_outputs, writing
from trialkit.core.parallel import Execution
from trialkit.report.build import build_document
from trialkit.report.document import Document
from trialkit.report.format import visit_where
from trialkit.report.terminal import TerminalRenderer

if TYPE_CHECKING:
    from trialkit.report.figures import DrawnFigures


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
        Path | None, _path_option("--json", "Write every number as JSON (schema 1.1) here.")
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
    docx: Annotated[
        Path | None,
        _path_option("--docx", "Write the report as a Word document (tables and figures) here."),
    ] = None,
    rtf: Annotated[
        Path | None,
        _path_option("--rtf", "Write the report's tables as RTF (clinical study report style)."),
    ] = None,
    scheduler: Annotated[
        str | None,
        _path_option(
            "--scheduler",
            "Dask scheduler address (tcp://host:8786) for the estimands' imputations.",
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds to wait for the scheduler.")
    ] = 10.0,
) -> None:
    """Analyse a trial and print the report. With no arguments: the bundled sample trial."""
    outputs = {
        "HTML report": (html, "html"),
        "Markdown report": (markdown, "markdown"),
        "JSON report": (json, "json"),
        "CSV tables": (csv_dir, "csv"),
        "figures": (figures_dir, "figures"),
        "effects for trialkit meta": (effects, "effects"),
        "Word report": (docx, "docx"),
        "RTF tables": (rtf, "rtf"),
    }
    err = Console(stderr=True)
    with step_progress(err, "Reading the data") as (step, tick):
        trial = load_trial(data, plan, err)
        inputs = trial.input_files(data)
        check_outputs(
            [
                Output(kind, path, folder=fmt in ("csv", "figures"))
                for kind, (path, fmt) in outputs.items()
                if path is not None
            ],
            inputs,
        )
        if scheduler is not None and not trial.plan.estimands:
            err.print(
                Text(f"Note: --scheduler {scheduler} is not used: the plan has no estimands."),
                soft_wrap=True,
            )
        execution = Execution(scheduler=scheduler, timeout=timeout, progress=tick)
        analysis = analyze_trial(trial, progress=step, execution=execution)
        document = build_document(analysis)
        with ExitStack() as kept:
            drawn = _figures_once(analysis, kept)
            for kind, (path, fmt) in outputs.items():
                if path is not None:
                    step(f"Writing the {kind}")
                    _write(drawn, document, fmt, path, kind, figures_dir, inputs)
    TerminalRenderer().render(document, Console())
    for kind, (path, _) in outputs.items():
        if path is not None:
            err.print(Text(f"Wrote the {kind}: {path}"))
    for oa in analysis.outcomes:
        for model, visit, reason in oa.not_estimable():
            where = visit_where(analysis.trial.plan, visit)
            text = f"Note: the {model} for {oa.outcome.label} has no estimate at {where}: {reason}."
            err.print(
                Text(text),
                soft_wrap=True,
            )
    failed = analysis.failed_models()
    if failed:
        label, model, reason = failed[0]
        more = f" (and {len(failed) - 1} more, listed in the report)" if len(failed) > 1 else ""
        raise ModelError(f"The {model} for {label} could not be fitted: {reason}{more}.")


def _figures_once(analysis: TrialAnalysis, kept: ExitStack) -> Callable[[], DrawnFigures]:
    """The analysis's figures, drawn once on first use for every output that shows them and
    closed when ``kept`` closes (matplotlib is imported only then)."""
    held: list[DrawnFigures] = []

    def drawn() -> DrawnFigures:
        if not held:
            from trialkit.report.figures import DrawnFigures

            held.append(kept.enter_context(DrawnFigures(analysis)))
        return held[0]

    return drawn


def _write(
    drawn: Callable[[], DrawnFigures],
    document: Document,
    fmt: str,
    path: Path,
    kind: str,
    figures_dir: Path | None,
    inputs: list[Path],
) -> None:
    """Write one output from the one report document (the figures, drawn once by ``drawn``);
    renderers are imported lazily so the terminal report alone never loads matplotlib. The
    Markdown report links the PNG figures when they are written too. Folder writers refuse
    to write a file that is one of ``inputs``."""
    with writing(kind, path):
        if fmt == "html":
            from trialkit.report.html import HtmlRenderer

            path.write_text(HtmlRenderer(drawn().svg()).render(document), "utf-8")
        elif fmt == "markdown":
            from trialkit.report.markdown import MarkdownRenderer

            links = {
                name: Path(os.path.relpath(figures_dir / f"{name}.png", path.parent)).as_posix()
                for name in (document.figure_keys() if figures_dir is not None else ())
            }
            path.write_text(MarkdownRenderer(links).render(document), "utf-8")
        elif fmt == "json":
            from trialkit.report.json_report import write_json

            write_json(document, path)
        elif fmt == "csv":
            from trialkit.report.csv_report import write_csv_tables

            write_csv_tables(document, path, inputs)
        elif fmt == "docx":
            from trialkit.report.docx_report import write_docx

            write_docx(document, path, drawn().png())
        elif fmt == "rtf":
            from trialkit.report.rtf_report import write_rtf

            write_rtf(document, path)
        elif fmt == "figures":
            drawn().write(path, inputs=inputs)
        else:
            from trialkit.report.csv_report import write_effects

            write_effects(document, path)
