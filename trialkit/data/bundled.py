"""Locate the synthetic sample trial that ships with the source tree."""

from __future__ import annotations

from pathlib import Path

from trialkit.core.errors import DataError, PlanError
from trialkit.data.trial import Trial

#: The sample plan used by ``trialkit analyze`` without arguments.
SAMPLE_PLAN = "dbt_long.toml"


def sample_dir() -> Path:
    """The ``sample_data`` folder beside the ``trialkit`` package in the source tree."""
    return Path(__file__).resolve().parents[2] / "sample_data"


def sample_plan(name: str = SAMPLE_PLAN) -> Path:
    """Path of a bundled sample plan.

    Raises
    ------
    DataError
        If the plan is not there (e.g. trialkit was installed from a wheel without the
        source tree's ``sample_data`` folder).
    """
    path = sample_dir() / name
    if not path.is_file():
        raise DataError(
            f"The bundled sample plan {path} is missing; run trialkit from a source checkout "
            "or give a data file and --plan."
        )
    return path


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
