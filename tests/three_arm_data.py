"""The SYNTHETIC three-arm trial (tests/data/three_arm/, made by its seeded generate.py),
shared by the k-arm summary and report tests."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

from trialkit.data.read import read_trial
from trialkit.data.trial import Trial

DIR = Path(__file__).parent / "data" / "three_arm"
PLAN = DIR / "three_arm.toml"
DATA = DIR / "three_arm_long.csv"
ARMS = ("Placebo", "Low Dose", "High Dose")  # control first, then [arms] order


@cache
def raw() -> pd.DataFrame:
    """The data file as pandas reads it (the independent source of the hand counts)."""
    return pd.read_csv(DATA, keep_default_na=False, na_values=[""])


@cache
def subjects() -> pd.DataFrame:
    """One row per subject (subject-level columns are constant within a subject)."""
    return raw().groupby("subject", sort=False).first()


def three_arm_trial() -> Trial:
    """The trial as :func:`trialkit.read_trial` reads it (arm order: control, then the plan's
    ``[arms] order``)."""
    return read_trial(None, PLAN)
