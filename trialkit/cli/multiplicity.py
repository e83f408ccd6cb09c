"""``trialkit multiplicity``: adjust p-values (Holm, Hochberg, Hommel, fixed sequence) or test
them with a graphical procedure (Bretz et al. 2009)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from trialkit.cli.app import app
from trialkit.errors import DataError
from trialkit.inference.multiplicity_files import multiplicity_from_files
from trialkit.report.multiplicity_terminal import render_multiplicity


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
) -> None:
    """Adjusted p-values and decisions for a family of hypotheses."""
    if figure is not None and figure.resolve() in {
        p_values.resolve(),
        *([graph.resolve()] if graph else []),
    }:
        raise DataError(f"--figure {figure} would overwrite an input file")
    result = multiplicity_from_files(p_values, method=method, alpha=alpha, graph=graph)
    console = Console()
    render_multiplicity(result, console)
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
