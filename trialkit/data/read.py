"""Read, check and assemble a trial: :func:`read_trial`."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from trialkit.core.problems import DataValidationError, Problem
from trialkit.data.adam import read_adam
from trialkit.data.readers import RawTable, read_table
from trialkit.data.reshape import wide_to_long
from trialkit.data.trial import Trial
from trialkit.data.validate import subject_level_columns, validate
from trialkit.data.values import numeric_values, text_values
from trialkit.plan.loader import load_plan
from trialkit.plan.schema import Plan


def read_trial(path: str | Path | None, plan: Plan | str | Path) -> Trial:
    """Read a trial's data file, check it against the plan and return the analysis-ready trial.

    Parameters
    ----------
    path
        The data file, or None for the plan's ``[trial] data``.
    plan
        A loaded :class:`~trialkit.plan.schema.Plan` or the path of a plan file.

    Returns
    -------
    Trial
        Long data over the complete subject x visit grid (see :class:`Trial`), with the
        validation warnings attached.

    Raises
    ------
    PlanError
        The plan file is missing, not TOML, or has problems (``error.report`` lists them).
    DataError
        The data file is missing, of unknown format or unreadable; or it has problems
        against the plan (a :class:`DataValidationError` whose ``report`` lists all of them).
    """
    if not isinstance(plan, Plan):
        plan = load_plan(plan)
    if plan.layout == "adam":
        return _read_adam_trial(path, plan)
    raw = read_table(Path(path) if path is not None else plan.data, sheet=plan.sheet)
    report = validate(raw, plan)
    if not report.ok:
        raise DataValidationError(report, f"Data file {raw.path}")
    return build_trial(raw, plan, report.warnings)


def _read_adam_trial(path: str | Path | None, plan: Plan) -> Trial:
    """ADaM data: ADSL (``path``, else ``[trial] data``) and the BDS files, converted to the
    long layout, checked like long data, and the trial's plan marked ``adam`` again."""
    if path is not None:
        plan = replace(plan, data=Path(path))
    data, long_plan, labels, source = read_adam(plan)
    raw = RawTable(df=data, path=plan.data, format="adam", variable_labels=labels)
    report = validate(raw, long_plan)
    if not report.ok:
        raise DataValidationError(report, f"ADaM data {plan.data.name}")
    trial = build_trial(raw, long_plan, report.warnings)
    return replace(trial, plan=replace(trial.plan, layout="adam"), adam=source)


def build_trial(raw: RawTable, plan: Plan, warnings: tuple[Problem, ...] = ()) -> Trial:
    """Assemble a :class:`Trial` from data that passed :func:`trialkit.data.validate`.

    Steps: reshape wide data to long; convert subject, arm and visit values to text (so
    ``9`` and ``9.0`` both match the plan's ``"9"``) and outcomes to float; collect one row
    per subject of the arm, the plan's subject-level columns and every other column that
    is constant within every subject (first non-missing value); reindex the long data on
    the complete grid of subjects (in order of first appearance) x plan visits, filling the
    subject-level columns on added rows; make the arm a Categorical in model order (the
    control first, then :meth:`~trialkit.plan.schema.Arms.arm_order`)
    and the visit an ordered Categorical in plan order.
    """
    subj, arm = plan.columns.subject, plan.columns.arm
    visit = plan.columns.visit or "visit"
    long = wide_to_long(raw.df, plan) if plan.layout == "wide" else raw.df.copy()
    for col in (subj, arm, visit):
        long[col] = text_values(long[col])
    outcome_cols = [o.name if plan.layout == "wide" else o.column for o in plan.outcomes]
    for col in dict.fromkeys(c for c in outcome_cols if c):
        long[col] = numeric_values(long[col])[0]

    doses = None
    if isinstance(plan.arms.dose, str):  # each arm's (first) value of the dose column
        dose_col = numeric_values(long[plan.arms.dose])[0]
        doses = dose_col.groupby(long[arm].to_numpy()).first().to_dict()
    arm_values = plan.arms.arm_order([str(a) for a in pd.unique(long[arm].dropna())], doses)
    treatment = plan.arms.treatment or next(a for a in arm_values if a != plan.arms.control)
    plan = replace(plan, arms=replace(plan.arms, treatment=treatment))

    declared = [arm] + [c for c, _ in subject_level_columns(plan)]
    others = [c for c in long.columns if c not in {subj, visit, *declared, *outcome_cols}]
    grouped = long.groupby(subj, sort=False)
    if others:
        constant = grouped[others].nunique(dropna=True).le(1).all(axis=0)
        others = [c for c in others if constant[c]]
    subject_cols = list(dict.fromkeys(declared + others))
    subjects = grouped[subject_cols].first()

    grid = pd.MultiIndex.from_product(
        [subjects.index, list(plan.visits.order)], names=[subj, visit]
    )
    long = long.set_index([subj, visit]).reindex(grid)
    positions = np.repeat(np.arange(len(subjects)), len(plan.visits.order))
    for col in subject_cols:
        long[col] = subjects[col].to_numpy()[positions]
    long = long.reset_index()

    arms_cat = pd.CategoricalDtype(arm_values)
    long[arm] = long[arm].astype(arms_cat)
    subjects[arm] = subjects[arm].astype(arms_cat)
    long[visit] = pd.Categorical(long[visit], categories=list(plan.visits.order), ordered=True)
    front = [subj, visit, arm]
    long = long[front + [c for c in long.columns if c not in front]]

    labels = dict(raw.variable_labels)
    labels.update({o.name: o.label for o in plan.outcomes})
    if plan.layout == "long":
        labels.update({o.column: o.label for o in plan.outcomes if o.column})
    labels.update(dict(plan.baseline_table.labels))
    return Trial(plan=plan, data=long, subjects=subjects, variable_labels=labels, warnings=warnings)
