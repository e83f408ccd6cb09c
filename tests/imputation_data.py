"""fev_data and the rbmi references, shared by the imputation tests."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

REF = Path(__file__).parent / "reference"
RBMI = REF / "rbmi"
ARGS = dict(
    outcome="CHANGE",
    arm="THERAPY",
    control="PBO",
    visit="VISIT",
    subject="PATIENT",
    visit_covariates=["BASVAL"],
    reference={"TRT": "PBO", "PBO": "PBO"},
)


@cache
def fev() -> pd.DataFrame:
    """fev_data with rbmi's column names (all 200 subjects, as in the rbmi scripts)."""
    f = pd.read_csv(REF / "fev" / "fev_data.csv")
    return pd.DataFrame(
        {
            "PATIENT": f.USUBJID,
            "VISIT": f.AVISIT,
            "THERAPY": f.ARMCD,
            "BASVAL": f.FEV1_BL,
            "CHANGE": f.FEV1,
        }
    )


@cache
def reference(name: str = "fev_rbmi_reference.json") -> dict:
    return json.loads((RBMI / name).read_text())


def events(strategy: str) -> pd.DataFrame:
    d = reference()["dropouts"]
    return pd.DataFrame({"subject": d["PATIENT"], "visit": d["VISIT"], "strategy": strategy})


def rbmi_table(block: dict) -> dict[str, np.ndarray]:
    """rbmi's pooled table as arrays (visit, quantity): trt, lsm_ref, lsm_alt."""
    return {
        k: np.asarray(block[k], dtype=float).reshape(-1, 3)
        for k in ("est", "se", "lci", "uci", "pval")
    }


def ours_table(res) -> dict[str, np.ndarray]:
    """Our result in the same layout as :func:`rbmi_table`."""
    d = res.differences
    lsm = res.lsmeans
    c = lsm[lsm.arm == res.arms[0]].reset_index(drop=True)
    t = lsm[lsm.arm == res.arms[1]].reset_index(drop=True)
    cols = {
        "est": "estimate",
        "se": "std_error",
        "lci": "ci_lower",
        "uci": "ci_upper",
        "pval": "p_value",
    }
    return {k: np.column_stack([d[v], c[v], t[v]]) for k, v in cols.items()}


def fev_grid(data: pd.DataFrame | None = None, strategy: str = "JR"):  # type: ignore[no-untyped-def]
    """The imputation grid of ``data`` (default fev_data) with the rbmi dropouts as events
    (those of subjects in ``data``) under ``strategy``."""
    from trialkit.imputation.grid import build_grid
    from trialkit.imputation.strategies import registry

    data = fev() if data is None else data
    ev = events(strategy)
    return build_grid(
        data,
        outcome="CHANGE",
        arm="THERAPY",
        control="PBO",
        visit="VISIT",
        subject="PATIENT",
        covariates=[],
        visit_covariates=["BASVAL"],
        events=ev[ev.subject.isin(data.PATIENT)],
        reference=ARGS["reference"],
        strategies=tuple(registry(None)),
    )
