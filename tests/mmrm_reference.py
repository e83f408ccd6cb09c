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


TRIAL2_VISITS = ["W4", "W8", "W12", "W16"]
# roles of the trial2 data; the MMRM adds SITE and BASE x VISIT (README in mmrm_trial2/)
TRIAL2_ROLES = dict(outcome="Y", arm="ARM", control="Control", visit="VISIT", subject="ID")
TRIAL2_MMRM = dict(**TRIAL2_ROLES, covariates=["SITE"], visit_covariates=["BASE"])


def trial2_data() -> pd.DataFrame:
    """tests/reference/mmrm_trial2/data.csv with VISIT ordered W4 < W8 < W12 < W16."""
    d = pd.read_csv(REF / "mmrm_trial2" / "data.csv")
    d["VISIT"] = pd.Categorical(d["VISIT"], categories=TRIAL2_VISITS, ordered=True)
    return d


def fit_trial2(data: pd.DataFrame | None = None, **options: object):
    """``fit_mmrm`` of ``Y ~ ARM * VISIT + BASE * VISIT + SITE`` on trial2 (no fallback)."""
    from trialkit import fit_mmrm

    return fit_mmrm(trial2_data() if data is None else data, **TRIAL2_MMRM, fallback=(), **options)


def fev_reference() -> dict:
    with open(FEV / "fev_mmrm_reference.json") as fh:
        ref = json.load(fh)
    ref.pop("_about")
    return ref


def max_rel(actual: object, expected: object) -> float:
    a = np.asarray(actual, dtype=float)
    e = np.asarray(expected, dtype=float)
    return float(np.max(np.abs(a - e) / np.abs(e)))
