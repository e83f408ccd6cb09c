"""An installed wheel carries the example data and runs from any directory (issue 9, section 4).

The wheel is built from a copy of the source tree (``pip wheel --no-deps --no-build-isolation``,
so no network is needed and the checkout is left alone) and installed into a fresh virtual
environment, without the network (``--no-index``):

* with ``TRIALKIT_WHEELHOUSE`` set (folders of wheels, separated by ``os.pathsep``; ``.ci/run``
  fills one with ``pip download`` while it has PyPI), the wheel is installed with its
  dependencies resolved from those wheels only: an honest fresh install, and the test checks
  that pandas, SciPy, ... are imported from the fresh environment;
* without it, pip cannot install the dependencies offline (this machine has no wheels of, for
  example, pandas 3.1 or pyreadstat, and pip keeps no cache of them), so the wheel alone is
  installed (``--no-deps``) and the fresh environment sees this interpreter's dependencies
  through a ``.pth`` file listing its site-packages. trialkit itself still comes only from the
  wheel (checked), which is what the bundled-data check needs.

Then, from ``/``: ``trialkit analyze`` (the bundled synthetic sample), ``trialkit meta
--example`` and ``trialkit analyze --plan`` on the bundled real trial (acupuncture). Takes
~30-60 s (plus the dependency install with a wheelhouse).
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROOT_DIR = Path("/")  # where the installed commands run: outside any checkout
IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis",
    "tests", "benchmarks", "docs",
)  # fmt: skip
BUNDLED = (
    "trialkit/sample_data/dbt_long.toml",
    "trialkit/sample_data/dbt_wide.toml",
    "trialkit/sample_data/dbt_trial_long.csv",
    "trialkit/sample_data/dbt_trial_wide.sav",
    "trialkit/sample_data/meta_example/stroke_units_normand1999.csv",
    "trialkit/sample_data/acupuncture/acupuncture.toml",
    "trialkit/sample_data/acupuncture/acupuncture_headache.csv",
    "trialkit/sample_data/acupuncture/README.md",
    "trialkit/report/schema/trial_report.schema.json",
)


def run(cmd: list[str | Path], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def test_wheel_runs_the_examples_from_root(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["COLUMNS"] = "200"
    src, wheels, venv = tmp_path / "src", tmp_path / "wheels", tmp_path / "venv"
    shutil.copytree(ROOT, src, ignore=IGNORE)
    build = run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         src, "-w", wheels],
        tmp_path,
        env,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    (wheel,) = wheels.glob("trialkit-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert not [n for n in BUNDLED if n not in names], sorted(names)

    made = run([sys.executable, "-m", "venv", venv], tmp_path, env)
    assert made.returncode == 0, made.stderr
    python, trialkit_exe = venv / "bin" / "python", venv / "bin" / "trialkit"
    wheelhouse = [d for d in os.environ.get("TRIALKIT_WHEELHOUSE", "").split(os.pathsep) if d]
    links = [f"--find-links={d}" for d in wheelhouse]
    pip = run(
        [python, "-m", "pip", "install", "--no-index", *(links or ["--no-deps"]), wheel],
        tmp_path,
        env,
    )
    assert pip.returncode == 0, pip.stdout[-3000:] + pip.stderr[-3000:]
    purelib = run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], ROOT_DIR, env
    )
    fresh_site = Path(purelib.stdout.strip())
    if wheelhouse:  # the dependencies too must come from the fresh environment
        names = "numpy, pandas, scipy, rich, typer, matplotlib, pyreadstat"
        deps = run(
            [python, "-c", f"import {names}; print(*(m.__file__ for m in ({names})), sep=' ')"],
            ROOT_DIR,
            env,
        )
        assert deps.returncode == 0, deps.stderr
        assert all(Path(f).is_relative_to(fresh_site) for f in deps.stdout.split()), deps.stdout
    else:  # no wheels of the dependencies offline: see the module docstring
        (fresh_site / "_outer_dependencies.pth").write_text(
            "\n".join(site.getsitepackages()) + "\n"
        )

    where = run(
        [python, "-c", "import trialkit; from trialkit.data.bundled import sample_dir; "
         "print(trialkit.__file__); print(sample_dir())"],
        ROOT_DIR,
        env,
    )  # fmt: skip
    assert where.returncode == 0, where.stderr
    module, data = (Path(line) for line in where.stdout.split())
    assert module.is_relative_to(fresh_site) and data.is_relative_to(fresh_site), where.stdout

    sample = run([trialkit_exe, "analyze"], ROOT_DIR, env)
    assert sample.returncode == 0, sample.stdout[-3000:] + sample.stderr[-3000:]
    assert "Online DBT for chronic pain (SYNTHETIC sample data)" in sample.stdout
    assert "6 of 6 published figures agree. This agreement holds by construction" in " ".join(
        sample.stdout.split()
    )
    meta = run(
        [trialkit_exe, "meta", "--example", "--preset", "revman5", "--subgroup", "setting"],
        ROOT_DIR,
        env,
    )
    assert meta.returncode == 0, meta.stdout[-3000:] + meta.stderr[-3000:]
    assert "stroke" in meta.stdout.lower()
    real = run(
        [trialkit_exe, "analyze", "--plan", data / "acupuncture" / "acupuncture.toml"],
        ROOT_DIR,
        env,
    )
    assert real.returncode == 0, real.stdout[-3000:] + real.stderr[-3000:]
    assert "2 of 2 published figures agree." in " ".join(real.stdout.split())
