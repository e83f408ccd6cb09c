"""Observed retention per arm and visit: the share of subjects still in the trial.

A subject is *retained* at visit ``v`` when their last observed outcome is at ``v`` or later
(an intermittently missed visit does not end retention). The denominator is every subject
the model used plus those excluded for having no observed outcome (early dropouts); subjects
excluded only for a missing covariate are left out of both counts.

Validated against: hand counts on the sample trial (tests/test_power_from_fit.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trialkit.models.design import Design


def observed_retention(design: Design) -> pd.DataFrame:
    """``arm, visit, n_randomised, n_retained, retention`` (arm x visit, visit order)."""
    subj = design.subject
    starts = np.flatnonzero(np.r_[True, subj[1:] != subj[:-1]])
    ends = np.r_[starts[1:], subj.size] - 1
    last = design.visit[ends]  # rows are sorted by subject then visit
    arm = design.arm[starts]
    excluded = design.sample.excluded
    no_outcome = np.char.startswith(excluded["reason"].to_numpy(dtype=str), "no observed")
    early_arms = excluded["arm"].to_numpy(dtype=str)[no_outcome]
    rows = []
    for code, name in enumerate(design.arms):
        early = int(np.sum(early_arms == name))
        in_arm = last[arm == code]
        total = in_arm.size + early
        for v, visit in enumerate(design.visits):
            kept = int(np.sum(in_arm >= v))
            rows.append(
                {
                    "arm": name,
                    "visit": visit,
                    "n_randomised": total,
                    "n_retained": kept,
                    "retention": kept / total if total else float("nan"),
                }
            )
    return pd.DataFrame(rows)
