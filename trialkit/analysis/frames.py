"""The analysis data of one outcome: post-baseline rows with the outcome's baseline value,
and the plan's covariates named as columns of that frame."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from trialkit.data.codes import first_rows, level_codes
from trialkit.data.trial import Trial
from trialkit.models.accounting import ReasonNames
from trialkit.plan.schema import Outcome


def outcome_frame(trial: Trial, outcome: Outcome) -> tuple[pd.DataFrame, str]:
    """Post-baseline long data for one outcome with its baseline value as a column."""
    plan = trial.plan
    data = trial.data
    vcol, scol = trial.visit_col, trial.subject_col
    column = trial.outcome_column(outcome)
    base_name = f"{outcome.name} (baseline)"
    post_visits = list(plan.visits.post_baseline)
    vpos = level_codes(data[vcol], [plan.visits.baseline, *post_visits])  # 0: baseline
    base_rows = np.flatnonzero(vpos == 0)
    _, first, subjects = first_rows(data[scol].iloc[base_rows])  # a subject's first baseline
    base = pd.Series(data[column].iloc[base_rows[first]].to_numpy(), index=subjects, name=base_name)
    post = data.iloc[np.flatnonzero(vpos > 0)].copy()
    post[base_name] = base.reindex(post[scol].to_numpy()).to_numpy()  # left join on subject
    post[vcol] = pd.Categorical(post[vcol].astype(str), categories=post_visits)
    return post, base_name


def covariates_for(trial: Trial, base_name: str) -> tuple[list[str], list[str]]:
    """The plan's covariates and visit covariates, with ``baseline`` replaced by the outcome's
    baseline column ``base_name``."""
    spec = trial.plan.model
    sub = {"baseline": base_name}
    covs = [sub.get(c, c) for c in spec.covariates]
    vcovs = [sub.get(c, c) for c in spec.visit_covariates]
    return covs, vcovs


def reason_names(
    trial: Trial, outcome: Outcome, columns: Iterable[str], base_name: str | None = None
) -> ReasonNames:
    """Display names for a model's exclusion reasons: the outcome's columns (MMRM and
    ANCOVA) by its label, its baseline column as ``"<label> (baseline)"``, the other
    ``columns`` (covariates) by their labels, and each visit by the plan's visit label (a
    plan without visit labels leaves the engines' ``"<visit column> <value>"``, e.g.
    ``"week 4"``, rather than a bare ``"4"``)."""
    names = {c: trial.label(c) for c in columns}
    if base_name is not None:
        names[base_name] = f"{outcome.label} (baseline)"
    for c in (trial.outcome_column(outcome), trial.ancova_column(outcome)):
        names[c] = outcome.label
    visits = trial.plan.visits
    labelled = {v: visits.label(v) for v in visits.order} if visits.labels else {}
    return ReasonNames(names, labelled)
