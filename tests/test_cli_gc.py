"""The CLI imports a command's module with the collector paused and freezes what it made."""

from __future__ import annotations

import subprocess
import sys


def test_command_import_freezes_and_reenables_the_collector() -> None:
    code = (
        "import gc\n"
        "from trialkit.cli.app import _import_command\n"
        "before = gc.get_freeze_count()\n"
        "_import_command('validate')\n"
        "print(gc.isenabled(), gc.get_freeze_count() > before + 10000)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["True", "True"]
