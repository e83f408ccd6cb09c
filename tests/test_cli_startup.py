"""Start-up: command modules are imported on demand, ``--version`` loads no pandas/SciPy."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner


def test_command_table_matches_registrations() -> None:
    """COMMAND_MODULES names exactly the commands the modules register, each in its module."""
    from trialkit.cli.app import COMMAND_MODULES, _register, app

    _register()
    registered = {
        (c.name, c.callback.__module__.rsplit(".", 1)[-1]) for c in app.registered_commands
    }
    assert registered == set(COMMAND_MODULES.items())


def test_version_imports_no_heavy_module() -> None:
    code = (
        "import sys\n"
        "sys.argv = ['trialkit', '--version']\n"
        "from trialkit.cli.app import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "names = ('pandas', 'scipy', 'matplotlib', 'statsmodels', 'trialkit.cli.analyze')\n"
        "heavy = [m for m in names if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "trialkit " in out.stdout
    assert "HEAVY []" in out.stdout, out.stdout


def test_help_lists_every_command() -> None:
    from trialkit.cli.app import COMMAND_MODULES, app

    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for name in COMMAND_MODULES:
        assert f" {name} " in result.output


def test_unknown_command_suggests_the_close_one() -> None:
    from trialkit.cli.app import app

    result = CliRunner().invoke(app, ["analyz"], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "analyze" in result.output
