"""``trialkit meta``: pool study-level effects as Cochrane reviews do (RevMan 5 / RevMan Web)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from trialkit.cli.app import app
from trialkit.core.errors import DataError
from trialkit.core.outputs import Output, check_outputs, writing
from trialkit.meta.workflow import run_meta
from trialkit.report.build_meta import meta_document
from trialkit.report.document_files import write_document
from trialkit.report.terminal import print_blocks

_STUDIES_HELP = (
    "Study-level CSV/TSV/Excel file, one row per study: study,n1,m1,sd1,n2,m2,sd2 (arm 1 = "
    "treatment) for MD/SMD; study,n,m_pre,sd_pre,m_post[,sd_post][,r] for SMCR/SMCC; or "
    "study,yi,se (or vi, or ci_lower,ci_upper) for generic data, which includes the file "
    "'trialkit analyze' exports (study,outcome,visit,yi,se,n1,n2; split by outcome and visit)."
)


@app.command("meta")
def meta_command(
    studies: Annotated[Path | None, typer.Argument(help=_STUDIES_HELP, show_default=False)] = None,
    example: Annotated[
        bool,
        typer.Option(
            "--example",
            help="Use the bundled example instead of STUDIES: stroke units (Normand 1999); "
            "try it with --preset revman5 --subgroup setting.",
        ),
    ] = False,
    measure: Annotated[
        str | None,
        typer.Option(
            help="MD, SMD (Hedges' g), SMCR or SMCC (pre-post), or generic. Default: the "
            "file's 'measure' column (the analyze --effects export has MD), else SMD."
        ),
    ] = None,
    method: Annotated[
        str | None, typer.Option(help="FE, DL, REML or PM (default DL, or the preset's).")
    ] = None,
    hksj: Annotated[
        bool | None,
        typer.Option("--hksj/--no-hksj", help="Hartung-Knapp-Sidik-Jonkman CI (t, k-1 df)."),
    ] = None,
    smd_variance: Annotated[
        str | None, typer.Option(help="SMD variance: metafor or revman5 (default metafor).")
    ] = None,
    preset: Annotated[
        str | None, typer.Option(help="revman5 or revman-web: those programs' defaults.")
    ] = None,
    subgroup: Annotated[
        str | None, typer.Option(help="Column defining subgroups (test for differences).")
    ] = None,
    by: Annotated[
        list[str] | None,
        typer.Option(
            help="Column(s) splitting the file into separate analyses "
            "(default: comparison, outcome and visit when present)."
        ),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(help="Study to leave out of a sensitivity analysis (repeatable)."),
    ] = None,
    flag_outliers: Annotated[
        bool,
        typer.Option("--flag-outliers", help="Also leave out studies with |rstudent| > 1.96."),
    ] = False,
    prepost_r: Annotated[
        float, typer.Option(help="Assumed pre-post correlation where a study gives no r.")
    ] = 0.5,
    sheet: Annotated[str | None, typer.Option(help="Excel sheet name.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write results as JSON.")] = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Write results as CSV.")] = None,
    markdown_out: Annotated[
        Path | None, typer.Option("--markdown", help="Write results as Markdown.")
    ] = None,
    html_out: Annotated[
        Path | None, typer.Option("--html", help="Write results as an HTML page.")
    ] = None,
    figures_dir: Annotated[
        Path | None, typer.Option(help="Write forest and funnel plots (PNG and SVG) here.")
    ] = None,
) -> None:
    """Meta-analyse STUDIES: pooled effect, heterogeneity, subgroups, influence and Egger."""
    if example == (studies is not None):
        raise DataError("Give either a STUDIES file or --example (not both).")
    if studies is None:
        from trialkit.data.bundled import meta_example

        studies = meta_example()
    files = {"JSON results": json_out, "CSV results": csv_out, "Markdown results": markdown_out}
    files["HTML results"] = html_out
    requested = [Output(kind, path) for kind, path in files.items() if path is not None]
    if figures_dir is not None:
        requested.append(Output("figures", figures_dir, folder=True))
    check_outputs(requested, [studies])
    run = run_meta(
        studies,
        measure=measure,
        method=method,
        hksj=hksj,
        smd_variance=smd_variance,
        preset=preset,
        subgroup=subgroup,
        by=by,
        exclude=tuple(exclude or ()),
        flag_outliers=flag_outliers,
        prepost_r=prepost_r,
        sheet=sheet,
    )
    console = Console()
    document = meta_document(run)
    print_blocks(document.blocks(), console)
    formats = {"JSON results": "json", "CSV results": "csv", "Markdown results": "markdown"}
    formats["HTML results"] = "html"
    for kind, path in files.items():
        if path is not None:
            with writing(kind, path):
                console.print(f"Wrote {write_document(document, formats[kind], path)}")
    if figures_dir is not None:
        from trialkit.report.meta_figures import write_figures

        with writing("figures", figures_dir):
            written = write_figures(run, figures_dir, [studies])
        for p in written:
            console.print(f"Wrote {p}")
