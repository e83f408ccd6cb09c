"""The ``trialkit`` command line. Each command lives in its own module and registers here.

Command modules are imported only when needed: ``trialkit --version`` imports none of them,
``trialkit analyze`` imports only :mod:`trialkit.cli.analyze` (and what it uses), and
``trialkit --help`` imports them all to list them.
"""

from __future__ import annotations

import gc
import importlib
import os
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
    "power": "power",
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
                _import_command(module)
            self._sync()
        return super().get_command(ctx, cmd_name)

    def _sync(self) -> None:
        """Adopt the click commands of everything registered on ``app`` so far, in order."""
        fresh: Any = typer.main.get_command(app)
        self.commands = dict(fresh.commands)


app = typer.Typer(
    name="trialkit",
    cls=LazyGroup,
    help="Analyse randomised controlled trials (two or more arms) and pool them in meta-analyses.",
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
    """Analyse randomised controlled trials (two or more arms) and pool them in meta-analyses."""


def _import_command(module: str) -> None:
    """Import a command's module (and with it pandas, SciPy and the analysis modules) with
    the garbage collector paused, then move everything the import made to the permanent
    generation (:func:`gc.freeze`). Those objects live as long as the process anyway; left
    in the collected generations, every full collection during the analysis would walk the
    millions of them again (0.2 s of ``trialkit analyze`` on the sample,
    benchmarks/results_2026-12-08.txt)."""
    gc.disable()
    try:
        importlib.import_module(f"trialkit.cli.{module}")
    finally:
        gc.freeze()
        gc.enable()


def _register() -> None:
    # Import command modules for their side effect of registering on ``app``.
    from trialkit.cli import commands  # noqa: F401


#: Environment variables that set the BLAS thread count; if the user set none of them, the
#: command line runs BLAS on one thread (see :func:`main`).
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def main() -> None:
    """Console-script entry point (commands are imported on demand by :class:`LazyGroup`).

    Unless one of :data:`BLAS_THREAD_VARIABLES` is set, BLAS (OpenBLAS in the NumPy and SciPy
    wheels) gets one thread: trialkit's matrices are small or tall and thin, where extra BLAS
    threads gain little and, on a machine shared with other jobs (or with trialkit's own
    worker processes), spin and slow the run down (2026-12-07, load average 12 on 2 cores:
    ``analyze`` of a 20,000 x 8 trial took 16 s with one thread and 23 s with the default).
    Set ``OPENBLAS_NUM_THREADS`` to choose otherwise. NumPy is not loaded yet at this point.
    """
    if not any(os.environ.get(v) for v in BLAS_THREAD_VARIABLES):
        os.environ["OPENBLAS_NUM_THREADS"] = "1"
    app()
