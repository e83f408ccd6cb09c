"""Shared loaders and tolerances for the MMRM reference tests (no test functions here)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

REF = Path(__file__).parent / "reference"
FEV = REF / "fev"

# Relative tolerances, by kind of quantity.
TOL = {"estimate": 1e-4, "std_error": 1e-4, "df": 1e-4, "ci": 1e-4, "loglik": 1e-8}

DF_METHOD = {
    "Satterthwaite": "satterthwaite",
    "Kenward-Roger": "kenward-roger",
    "Kenward-Roger-Linear": "kenward-roger-linear",
}


def fev_data() -> pd.DataFrame:
    """fev_data with SEX reference 'Male' as in the mmrm reference (_about)."""
    df = pd.read_csv(FEV / "fev_data.csv")
    df["SEX"] = pd.Categorical(df["SEX"], categories=["Male", "Female"])
    return df


def fit_fev(**options: object):
    """``fit_mmrm`` on fev_data with its roles (no fallback ladder); ``options`` add the rest."""
    from trialkit import fit_mmrm

    return fit_mmrm(
        fev_data(),
        outcome="FEV1",
        arm="ARMCD",
        control="PBO",
        visit="AVISIT",
        subject="USUBJID",
        fallback=(),
        **options,
    )


def fev_reference() -> dict:
    with open(FEV / "fev_mmrm_reference.json") as fh:
        ref = json.load(fh)
    ref.pop("_about")
    return ref


def max_rel(actual: object, expected: object) -> float:
    a = np.asarray(actual, dtype=float)
    e = np.asarray(expected, dtype=float)
    return float(np.max(np.abs(a - e) / np.abs(e)))
