"""Table 1: baseline characteristics by arm and overall.

The variables come from ``plan.baseline_table``: ``continuous`` (mean (SD); also
median [IQR] when listed in ``median_iqr``, when ``median_iqr=True`` is passed, or when the
variable is skewed, ``|g1| > 1``), ``categorical`` (n (%)), ``multi_select`` blocks (each
option n (%)), and with ``include_outcomes`` each outcome's value at the baseline visit.
Row names come from ``baseline_table.labels``, else the data file's variable labels, else
the column name. Standardised differences are treatment minus control; p-values are off
unless asked for (CONSORT 2010 explanation of item 15). With more than two arms each
arm is compared with the control. Formulas: see
:mod:`trialkit.summaries.comparison` and :mod:`trialkit.summaries.describe`.

Validated against R 4.x (tests/reference/summaries/) and the sample trial's known counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from trialkit.core.errors import PlanError
from trialkit.data.trial import Trial, arm_label, arm_order
from trialkit.summaries.assessment import outcome_column
from trialkit.summaries.describe import GroupDescription, VariableSpec, describe_groups

OVERALL = "Overall"


@dataclass(frozen=True)
class BaselineSummary:
    """Table 1. ``description`` holds the numbers; ``group_labels`` the column titles.

    ``n`` gives the subjects counted per arm (and ``"Overall"``); reconcile compares it
    with the CONSORT flow.
    """

    description: GroupDescription
    group_labels: dict[str, str]
    show_smd: bool
    show_p: bool

    @property
    def n(self) -> dict[str, int]:
        return dict(self.description.group_n)

    def to_frame(self) -> pd.DataFrame:
        """Tidy view: one row per variable x level x group (see ``GroupStat``)."""
        return self.description.to_frame()

    def comparisons_frame(self) -> pd.DataFrame:
        """Standardised differences and p-values: ``variable, level, smd, p_value, test``."""
        return self.description.comparisons_frame()


def _label(trial: Trial, column: str) -> str:
    plan_labels = dict(trial.plan.baseline_table.labels)
    return plan_labels.get(column) or trial.variable_labels.get(column) or column


def baseline_specs(trial: Trial, median_iqr: bool = False) -> tuple[VariableSpec, ...]:
    """The plan's baseline-table variables as specs (outcome baselines last)."""
    bt = trial.plan.baseline_table
    cols = trial.subjects.columns
    named = (
        list(bt.continuous) + list(bt.categorical) + [c for m in bt.multi_select for c in m.columns]
    )
    absent = [c for c in named if c not in cols]
    if absent:
        raise PlanError(
            f"The plan's [baseline_table] names column '{absent[0]}', which is not a "
            "subject-level column of the data."
        )
    specs = [
        VariableSpec(
            c, _label(trial, c), "continuous", (c,), median_iqr=median_iqr or c in bt.median_iqr
        )
        for c in bt.continuous
    ]
    specs += [VariableSpec(c, _label(trial, c), "categorical", (c,)) for c in bt.categorical]
    specs += [
        VariableSpec(
            m.label,
            m.label,
            "multi_select",
            tuple(m.columns),
            tuple(m.labels) or tuple(_label(trial, c) for c in m.columns),
        )
        for m in bt.multi_select
    ]
    if bt.include_outcomes:
        specs += [
            VariableSpec(
                f"{o.name}@baseline",
                f"{o.label}, baseline",
                "continuous",
                (f"{o.name}@baseline",),
                median_iqr=median_iqr or o.name in bt.median_iqr,
            )
            for o in trial.plan.outcomes
        ]
    return tuple(specs)


def baseline_frame(trial: Trial) -> pd.DataFrame:
    """Subject-level data plus each outcome's baseline value as ``<name>@baseline``."""
    plan = trial.plan
    base = trial.data[trial.data[trial.visit_col].astype("string") == plan.visits.baseline]
    base = base.set_index(trial.subject_col)
    extra = pd.DataFrame(
        {f"{o.name}@baseline": base[outcome_column(plan, o)] for o in plan.outcomes},
        index=base.index,
    ).reindex(trial.subjects.index)
    return pd.concat([trial.subjects, extra], axis=1)


def baseline_table(
    trial: Trial,
    *,
    p_values: bool | None = None,
    standardized_differences: bool | None = None,
    median_iqr: bool = False,
) -> BaselineSummary:
    """Baseline characteristics by arm and overall.

    Parameters
    ----------
    trial
        The trial.
    p_values, standardized_differences
        Override the plan's ``baseline_table`` choices (``None`` keeps the plan's).
    median_iqr
        Show median [IQR] for every continuous variable.

    Returns
    -------
    BaselineSummary
        Groups are the arms (the control first) and ``"Overall"``; standardised differences
        (and p-values) compare each arm with the control.

    Notes
    -----
    Validated against R 4.2 (means, SDs, type-7 quantiles, e1071 skewness, standardised
    differences, ``t.test``, ``chisq.test``, ``fisher.test``): tests/reference/summaries/.
    """
    bt = trial.plan.baseline_table
    show_p = bt.p_values if p_values is None else p_values
    show_smd = (
        bt.standardized_differences
        if standardized_differences is None
        else (standardized_differences)
    )
    order = arm_order(trial)
    frame = baseline_frame(trial)
    group = frame[trial.arm_col].astype("string").astype(object)
    desc = describe_groups(
        frame,
        group,
        order,
        baseline_specs(trial, median_iqr),
        overall=OVERALL,
        smd=show_smd,
        p_values=show_p,
    )
    labels = {a: arm_label(trial, a) for a in order} | {OVERALL: OVERALL}
    return BaselineSummary(desc, labels, show_smd, show_p)
