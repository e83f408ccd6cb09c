"""The ``trialkit`` command line. Each command lives in its own module and registers here.

Command modules are imported only when needed: ``trialkit --version`` imports none of them,
``trialkit analyze`` imports only :mod:`trialkit.cli.analyze` (and what it uses), and
``trialkit --help`` imports them all to list them.
"""

from __future__ import annotations

import importlib
from typing import Annotated, Any

import typer

from trialkit.cli.errors import TrialkitGroup
from trialkit.core.version import __version__

# Command name -> the module of trialkit.cli that registers it (a test checks this table
# against the commands the modules register).
COMMAND_MODULES: dict[str, str] = {
    "analyze": "analyze",
    "init": "init",
    "meta": "meta",
    "multiplicity": "multiplicity",
    "consort": "summarize",
    "baseline": "summarize",
    "attrition": "summarize",
    "adherence": "summarize",
    "validate": "validate",
}


class LazyGroup(TrialkitGroup):
    """The app's click group: imports a command's module when the command is first needed."""

    def list_commands(self, ctx: typer.Context) -> list[str]:
        _register()
        self._sync()
        return super().list_commands(ctx)

    def get_command(self, ctx: typer.Context, cmd_name: str) -> Any:
        if cmd_name not in self.commands:
            module = COMMAND_MODULES.get(cmd_name)
            if module is None:
                _register()  # unknown name: load every command so suggestions are complete
            else:
                importlib.import_module(f"trialkit.cli.{module}")
            self._sync()
        return super().get_command(ctx, cmd_name)

    def _sync(self) -> None:
        """Adopt the click commands of everything registered on ``app`` so far, in order."""
        fresh: Any = typer.main.get_command(app)
        self.commands = dict(fresh.commands)


app = typer.Typer(
    name="trialkit",
    cls=LazyGroup,
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
    """Console-script entry point (commands are imported on demand by :class:`LazyGroup`)."""
    app()
