"""A descriptive summary of a validated trial: who is in it and how much data each visit has."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from trialkit.core.problems import Problem
from trialkit.data.trial import Trial, arm_label, arm_order


@dataclass(frozen=True)
class TrialSummary:
    """Counts that describe a trial before any model is fitted.

    Attributes
    ----------
    title
        The plan's title.
    arms
        One row per arm (control first): ``arm`` (value), ``label`` (display name),
        ``n`` (randomised subjects).
    visits
        One row per visit in plan order: ``visit`` (value), ``label``, ``baseline`` (bool).
    outcomes
        One row per outcome x visit x arm: ``outcome``, ``label``, ``visit``, ``arm``,
        ``n_randomised``, ``n_observed`` (non-missing values) and ``pct_missing``
        (``100 * (1 - n_observed / n_randomised)``).
    warnings
        The trial's validation warnings.
    """

    title: str
    arms: pd.DataFrame
    visits: pd.DataFrame
    outcomes: pd.DataFrame
    warnings: tuple[Problem, ...] = ()

    @property
    def n_subjects(self) -> int:
        return int(self.arms["n"].sum())


def summarize_trial(trial: Trial) -> TrialSummary:
    """Count randomised subjects per arm and observed outcome values per arm x visit.

    Parameters
    ----------
    trial
        A trial from :func:`trialkit.read_trial`.

    Returns
    -------
    TrialSummary
        ``pct_missing = 100 * (n_randomised - n_observed) / n_randomised`` per arm x visit,
        where ``n_randomised`` counts every subject of the arm (the grid is complete).
    """
    plan = trial.plan
    arm_col, visit_col = trial.arm_col, trial.visit_col
    order = list(arm_order(trial))
    n_arm = trial.subjects[arm_col].astype(str).value_counts().reindex(order, fill_value=0)
    arms = pd.DataFrame(
        {
            "arm": order,
            "label": [arm_label(trial, a) for a in order],
            "n": n_arm.to_numpy(dtype=int),
        }
    )
    visits = pd.DataFrame(
        {
            "visit": list(plan.visits.order),
            "label": [plan.visits.label(v) for v in plan.visits.order],
            "baseline": [v == plan.visits.baseline for v in plan.visits.order],
        }
    )
    frames = []
    for o in plan.outcomes:
        col = o.name if plan.layout == "wide" else o.column
        observed = trial.data[col].notna().rename("observed")
        g = (
            pd.concat([trial.data[[visit_col, arm_col]], observed], axis=1)
            .groupby([visit_col, arm_col], observed=False)["observed"]
            .agg(["size", "sum"])
            .reset_index()
        )
        frames.append(
            pd.DataFrame(
                {
                    "outcome": o.name,
                    "label": o.label,
                    "visit": g[visit_col].astype("str").to_numpy(),
                    "arm": g[arm_col].astype("str").to_numpy(),
                    "n_randomised": g["size"].to_numpy(dtype=int),
                    "n_observed": g["sum"].to_numpy(dtype=int),
                }
            )
        )
    outcomes = pd.concat(frames, ignore_index=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        outcomes["pct_missing"] = 100.0 * (1.0 - outcomes["n_observed"] / outcomes["n_randomised"])
    return TrialSummary(
        title=plan.title,
        arms=arms,
        visits=visits,
        outcomes=outcomes,
        warnings=tuple(p for p in trial.warnings if isinstance(p, Problem)),
    )
