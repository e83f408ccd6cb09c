"""The in-memory trial: long data plus the plan that describes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from trialkit.core.errors import PlanError
from trialkit.data.adam import AdamSource
from trialkit.plan.schema import Outcome, Plan


@dataclass(frozen=True)
class Trial:
    """A validated trial, ready for analysis.

    Attributes
    ----------
    plan
        The analysis plan (arm values in ``plan.arms`` are filled in, treatment included).
    data
        Long data: one row per subject x visit over the *complete* grid of randomised
        subjects x plan visits (a visit with no record has missing outcomes). Columns keep
        their names from the file (wide outcomes take the outcome's ``name``). The visit
        column (``plan.columns.visit``, or ``"visit"`` for wide data) is an ordered
        Categorical in plan order; the arm column is a Categorical in model order (control first).
    subjects
        One row per randomised subject, indexed by subject id: the subject-level columns
        (arm, covariates, adherence, disposition, baseline characteristics).
    variable_labels
        Display names from the data file's variable labels, then from the plan.
    warnings
        Validation warnings (problems that do not stop the run).
    adam
        For ADaM data: what was read from ADSL and the BDS datasets and what was left out.
    """

    plan: Plan
    data: pd.DataFrame
    subjects: pd.DataFrame
    variable_labels: dict[str, str] = field(default_factory=dict)
    warnings: tuple[object, ...] = ()
    adam: AdamSource | None = None

    @property
    def subject_col(self) -> str:
        return self.plan.columns.subject

    @property
    def arm_col(self) -> str:
        return self.plan.columns.arm

    @property
    def visit_col(self) -> str:
        return self.plan.columns.visit or "visit"

    def outcome_column(self, outcome: Outcome) -> str:
        """The column of ``data`` holding an outcome: its ``column`` in the long layout
        (which may differ from its ``name``, e.g. a file column with a space), its
        ``name`` in the wide layout."""
        return self.plan.outcome_column(outcome)

    def ancova_column(self, outcome: Outcome) -> str:
        """The column the per-visit ANCOVA analyses: for ADaM data whose plan includes
        derived records (``[adam] derived``, e.g. LOCF), the outcome with those records;
        otherwise the outcome column (observed records only, as the MMRM uses)."""
        if self.adam is not None:
            column = dict(self.adam.ancova_columns).get(outcome.name)
            if column is not None:
                return column
        return self.outcome_column(outcome)

    def input_files(self, data: Path | None = None) -> list[Path]:
        """The files this trial was read from: the data file (``data``, else the plan's), the
        plan and the screening log (outputs must never overwrite them)."""
        plan = self.plan
        bds = list(plan.adam.bds) if plan.adam is not None else []
        return [p for p in (data or plan.data, plan.path, plan.enrolment.screening_log, *bds) if p]

    def label(self, column: str) -> str:
        """Display name of a column."""
        return self.variable_labels.get(column, column)


def arm_order(trial: Trial) -> tuple[str, ...]:
    """Arm values, the control first, then the other arms in the order of the arm column's
    categories (``(control, treatment)`` in a two-arm trial); the models use the same order.
    An arm column that is not a Categorical (a trial built without
    :func:`~trialkit.data.read.read_trial`) takes the plan's order
    (:meth:`~trialkit.plan.schema.Arms.arm_order`: ``[arms] order``, else ascending dose).
    """
    arms = trial.plan.arms
    column = trial.subjects[trial.arm_col]
    if isinstance(column.dtype, pd.CategoricalDtype):
        found = [str(c) for c in column.cat.categories]
    else:
        found = arms.arm_order([str(c) for c in column.dropna().unique()], _doses(trial))
    others = [a for a in found if a != arms.control]
    if not others and arms.treatment is None:
        raise PlanError("The plan's [arms] section has no treatment arm value.")
    return (arms.control, *(others or [str(arms.treatment)]))


def _doses(trial: Trial) -> dict[str, float] | None:
    """Each arm's (first) value of the plan's dose column, when the subjects carry one."""
    dose = trial.plan.arms.dose
    if not isinstance(dose, str) or dose not in trial.subjects.columns:
        return None
    values = pd.to_numeric(trial.subjects[dose], errors="coerce")
    return values.groupby(trial.subjects[trial.arm_col].astype(str).to_numpy()).first().to_dict()


def arm_label(trial: Trial, arm: str) -> str:
    """Display name of an arm value."""
    arms = trial.plan.arms
    if arm == arms.control and arms.control_label:
        return arms.control_label
    if arm == arms.treatment and arms.treatment_label:
        return arms.treatment_label
    return arm
