"""``trialkit multiplicity``: adjust p-values (Holm, Hochberg, Hommel, fixed sequence) or test
them with a graphical procedure (Bretz et al. 2009).

The decisions are a report document (:mod:`trialkit.report.build_inference`), printed to the
terminal and, on request, written as JSON, Markdown or HTML by the report renderers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from trialkit.cli.app import app
from trialkit.core.outputs import Output, check_outputs, writing
from trialkit.errors import DataError
from trialkit.inference.multiplicity_files import multiplicity_from_files
from trialkit.report.build_inference import multiplicity_document
from trialkit.report.document_files import write_document
from trialkit.report.terminal import print_blocks


@app.command("multiplicity")
def multiplicity_command(
    p_values: Annotated[
        Path,
        typer.Argument(
            help="Table with columns hypothesis,p_value (testing order).", show_default=False
        ),
    ],
    method: Annotated[
        str, typer.Option(help="bonferroni, holm, hochberg, hommel or fixed-sequence.")
    ] = "holm",
    alpha: Annotated[float, typer.Option(help="Familywise error rate.")] = 0.05,
    graph: Annotated[
        Path | None,
        typer.Option(help="TOML file with weights and transitions: a graphical test."),
    ] = None,
    figure: Annotated[
        Path | None, typer.Option(help="Draw the graph and the decisions (PNG or SVG).")
    ] = None,
    json: Annotated[
        Path | None,
        typer.Option("--json", help="Write the decisions and adjusted p-values as JSON."),
    ] = None,
    markdown: Annotated[
        Path | None, typer.Option("--markdown", help="Write the decisions as Markdown.")
    ] = None,
    html: Annotated[
        Path | None, typer.Option("--html", help="Write the decisions as an HTML page.")
    ] = None,
) -> None:
    """Adjusted p-values and decisions for a family of hypotheses."""
    inputs = [p_values, *([graph] if graph else [])]
    if figure is not None and figure.resolve() in {p.resolve() for p in inputs}:
        raise DataError(f"--figure {figure} would overwrite an input file")
    outputs = {"JSON results": (json, "json"), "Markdown results": (markdown, "markdown")}
    outputs["HTML results"] = (html, "html")
    check_outputs([Output(k, p) for k, (p, _) in outputs.items() if p is not None], inputs)
    result = multiplicity_from_files(p_values, method=method, alpha=alpha, graph=graph)
    document = multiplicity_document(result)
    console = Console()
    print_blocks(document.blocks(), console)
    for kind, (path, fmt) in outputs.items():
        if path is not None:
            with writing(kind, path):
                write_document(document, fmt, path)
            console.print(f"Wrote {path}")
    if figure is not None:
        if result.graph is None:
            raise DataError("--figure needs a graph (--graph or --method fixed-sequence)")
        import matplotlib.pyplot as plt

        from trialkit.report.multiplicity_figure import multiplicity_graph_figure

        fig = multiplicity_graph_figure(result)
        try:
            fig.savefig(
                figure,
                dpi=150,
                facecolor="white",
                metadata={"Date": None} if figure.suffix.lower() == ".svg" else {"Software": None},
            )
        finally:
            plt.close(fig)
        console.print(f"Wrote {figure}")
