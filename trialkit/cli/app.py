"""The ``trialkit`` command line. Each command lives in its own module and registers here."""

from __future__ import annotations

from typing import Annotated

import typer

from trialkit.cli.errors import TrialkitGroup
from trialkit.core.version import __version__

app = typer.Typer(
    name="trialkit",
    cls=TrialkitGroup,
    help="Analyse two-arm randomised controlled trials and pool trials in meta-analyses.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"trialkit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Show the trialkit version and exit.",
            is_eager=True,
            callback=_show_version,
        ),
    ] = False,
) -> None:
    """Analyse two-arm randomised controlled trials and pool trials in meta-analyses."""


def _register() -> None:
    # Import command modules for their side effect of registering on ``app``.
    from trialkit.cli import commands  # noqa: F401


def main() -> None:
    """Console-script entry point."""
    _register()
    app()
