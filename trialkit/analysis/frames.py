"""The analysis data of one outcome: post-baseline rows with the outcome's baseline value,
and the plan's covariates named as columns of that frame."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

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
    base = (
        data.loc[data[vcol].astype(str) == plan.visits.baseline, [scol, column]]
        .drop_duplicates(scol)
        .set_index(scol)[column]
        .rename(base_name)
    )
    post = data[data[vcol].astype(str).isin(plan.visits.post_baseline)].copy()
    post = post.join(base, on=scol)
    post[vcol] = pd.Categorical(post[vcol].astype(str), categories=list(plan.visits.post_baseline))
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
