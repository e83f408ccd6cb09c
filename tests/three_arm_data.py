"""The SYNTHETIC three-arm trial (tests/data/three_arm/, made by its seeded generate.py),
shared by the k-arm summary and report tests."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

from trialkit.data.read import build_trial, read_trial
from trialkit.data.readers import read_table
from trialkit.data.trial import Trial
from trialkit.plan.loader import load_plan

DIR = Path(__file__).parent / "data" / "three_arm"
PLAN = DIR / "three_arm.toml"
DATA = DIR / "three_arm_long.csv"
ARMS = ("Placebo", "Low Dose", "High Dose")  # control first, then the data's order


@cache
def raw() -> pd.DataFrame:
    """The data file as pandas reads it (the independent source of the hand counts)."""
    return pd.read_csv(DATA, keep_default_na=False, na_values=[""])


@cache
def subjects() -> pd.DataFrame:
    """One row per subject (subject-level columns are constant within a subject)."""
    return raw().groupby("subject", sort=False).first()


def three_arm_trial() -> Trial:
    """The trial as :func:`trialkit.read_trial` reads it (arm order: control, then data)."""
    try:
        return read_trial(None, PLAN)
    except Exception:  # noqa: BLE001 - until the data layer accepts k arms (branch karm)
        plan = load_plan(PLAN)
        trial = build_trial(read_table(DATA), plan)
        cat = pd.CategoricalDtype(list(ARMS))
        arm = dict(zip(subjects().index, subjects()["arm"], strict=True))
        data = trial.data.assign(arm=trial.data["subject"].map(arm).astype(cat))
        subj = trial.subjects.assign(arm=trial.subjects.index.map(arm).astype(cat))
        return Trial(trial.plan, data, subj, trial.variable_labels, trial.warnings)
