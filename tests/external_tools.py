"""External programs some tests drive (chromium, LibreOffice, pdftoppm): skip or fail.

Without the program a test is skipped with the reason (``pytest -ra`` prints it), unless the
program's environment variable is ``1``: then it fails. ``.ci/run`` installs the programs and
sets the variables, so CI always runs these tests.
"""

from __future__ import annotations

import os
import shutil

import pytest

BROWSER_ENV = "TRIALKIT_REQUIRE_BROWSER"
LIBREOFFICE_ENV = "TRIALKIT_REQUIRE_LIBREOFFICE"


def require_program(names: tuple[str, ...], what: str, package: str, env: str) -> str:
    """The first of ``names`` on the PATH; without one, skip (fail when ``env`` is ``1``)."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    reason = f"{what} is not installed (apt-get install {package}); test not run"
    if os.environ.get(env) == "1":
        pytest.fail(f"{reason}, and {env}=1 requires it")
    pytest.skip(reason)
