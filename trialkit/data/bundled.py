"""Locate the example data that ship with trialkit: the sample trials and the meta example.

The files live in the repository's top-level ``sample_data/`` folder. A wheel or a plain
``pip install .`` installs that folder as the package ``trialkit.sample_data`` (setup.py maps
it), found here with :mod:`importlib.resources`; an editable install maps the same package to
the checkout's folder. Only when trialkit runs from a source tree that is not installed at
all is the folder beside the ``trialkit`` package used.
"""

from __future__ import annotations

import importlib.util
from importlib import resources
from pathlib import Path

from trialkit.core.errors import DataError, PlanError
from trialkit.data.trial import Trial

#: The package the example data are installed as.
SAMPLE_PACKAGE = "trialkit.sample_data"

#: The sample plan used by ``trialkit analyze`` without arguments.
SAMPLE_PLAN = "dbt_long.toml"

#: The study-level file used by ``trialkit meta --example``.
META_EXAMPLE = "meta_example/stroke_units_normand1999.csv"


def sample_dir() -> Path:
    """The folder holding the bundled example data (see the module docstring)."""
    if importlib.util.find_spec(SAMPLE_PACKAGE) is not None:
        files = resources.files(SAMPLE_PACKAGE)
        if isinstance(files, Path):
            return files
    return Path(__file__).resolve().parents[2] / "sample_data"


def bundled_file(name: str, what: str = "file") -> Path:
    """Path of a bundled example file, ``name`` relative to :func:`sample_dir`.

    Raises
    ------
    DataError
        If the file is not there (an installation without the example data).
    """
    path = sample_dir() / name
    if not path.is_file():
        raise DataError(
            f"The bundled {what} {path} is missing; reinstall trialkit, or give a data file "
            "and --plan."
        )
    return path


def sample_plan(name: str = SAMPLE_PLAN) -> Path:
    """Path of a bundled sample plan (raises :class:`DataError` when it is missing)."""
    return bundled_file(name, "sample plan")


def meta_example() -> Path:
    """Path of the bundled meta-analysis example (Normand 1999, stroke units)."""
    return bundled_file(META_EXAMPLE, "meta-analysis example")


def trial_or_sample(data: Path | None, plan: Path | None) -> Trial:
    """The trial a command names, or the bundled sample when it names neither data nor plan.

    Raises
    ------
    PlanError
        If a data file is given without its plan.
    """
    from trialkit.data.read import read_trial

    if plan is None and data is not None:
        raise PlanError(f"Give the analysis plan for {data} with --plan.")
    return read_trial(data, plan if plan is not None else sample_plan())
