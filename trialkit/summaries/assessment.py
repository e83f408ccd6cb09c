"""Who was assessed when: the subject x visit grid of observed outcomes.

Every summary that counts follow-up (the CONSORT flow, attrition, completers) starts from
one definition, kept here so that they cannot disagree:

    a subject is **assessed** at a visit when the chosen outcome is observed (not missing)
    at that visit.

The chosen outcome is the plan's primary outcome by default. ``assessed_by`` may name
another outcome, or be ``"any"``: assessed when at least one of the plan's outcomes is
observed at that visit.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from trialkit.core.errors import DataError, PlanError
from trialkit.data.codes import level_codes
from trialkit.data.trial import Trial
from trialkit.data.values import numeric_values
from trialkit.plan.schema import Outcome, Plan

ANY_OUTCOME = "any"
NO_REASON = "Reason not recorded"
MISSED_VISIT = "Missed assessment (not withdrawn)"
#: The reason given when the plan records no withdrawals ([disposition] withdrew unset).
NO_WITHDRAWAL_DATA = "Missed assessment (reason not recorded)"


def outcome_column(plan: Plan, outcome: Outcome) -> str:
    """Column of an outcome in the long data (see :meth:`Plan.outcome_column`)."""
    return plan.outcome_column(outcome)


def subject_arms(trial: Trial) -> pd.Series:
    """The arm of every randomised subject as plain strings, indexed by subject id."""
    return trial.subjects[trial.arm_col].astype("string").astype(object)


@dataclass(frozen=True)
class AssessmentGrid:
    """Observed (True) / missing (False) outcome per subject (rows) and visit (columns).

    Rows are every randomised subject in ``trial.subjects`` order; columns are the plan's
    visits in order. ``assessed_by`` records which definition made the grid.
    """

    observed: pd.DataFrame
    arm: pd.Series
    assessed_by: str

    @property
    def visits(self) -> tuple[str, ...]:
        return tuple(self.observed.columns)

    def pattern_strings(self) -> pd.Series:
        """Per subject, ``X`` (observed) or ``.`` (missing) per visit, e.g. ``"XX."``."""
        chars = np.where(self.observed.to_numpy(), "X", ".").astype("U1")
        strings = functools.reduce(np.char.add, chars.T, np.full(chars.shape[0], "", dtype="U1"))
        return pd.Series(strings.astype(object), index=self.observed.index, dtype=object)

    def last_observed(self) -> pd.Series:
        """Per subject, the last visit with an observed outcome, or ``None`` when none is."""
        obs = self.observed.to_numpy()
        k = obs.shape[1]
        any_obs = obs.any(axis=1)
        last = k - 1 - np.argmax(obs[:, ::-1], axis=1)
        visits = np.asarray(self.visits, dtype=object)
        out = np.where(any_obs, visits[last], None)
        return pd.Series(out, index=self.observed.index, dtype=object)


def assessment_grid(trial: Trial, assessed_by: str | None = None) -> AssessmentGrid:
    """Build the assessment grid.

    Parameters
    ----------
    trial
        The trial.
    assessed_by
        ``None`` (the plan's primary outcome), an outcome name, or ``"any"``.

    Returns
    -------
    AssessmentGrid
    """
    plan = trial.plan
    if assessed_by is None:
        outcomes = (plan.primary,)
        name = plan.primary.name
    elif assessed_by == ANY_OUTCOME:
        outcomes = plan.outcomes
        name = ANY_OUTCOME
    else:
        try:
            outcomes = (plan.outcome(assessed_by),)
        except KeyError:
            known = ", ".join(o.name for o in plan.outcomes)
            raise PlanError(
                f"Cannot define 'assessed' by outcome '{assessed_by}': the plan's outcomes "
                f"are {known} (or use 'any')."
            ) from None
        name = assessed_by
    cols = [outcome_column(plan, o) for o in outcomes]
    missing = [c for c in cols if c not in trial.data.columns]
    if missing:
        raise PlanError(f"The trial data has no outcome column '{missing[0]}'.")
    data = trial.data
    flag = data[cols].notna().to_numpy().any(axis=1)
    visits = list(plan.visits.order)
    row = trial.subjects.index.get_indexer(data[trial.subject_col])
    col = level_codes(data[trial.visit_col], visits)
    ok = (row >= 0) & (col >= 0) & flag
    seen = np.zeros((len(trial.subjects.index), len(visits)), dtype=bool)
    seen[row[ok], col[ok]] = True  # any row of the subject at the visit with a value
    observed = pd.DataFrame(
        seen, index=trial.subjects.index, columns=pd.Index(visits, name="visit")
    )
    return AssessmentGrid(observed=observed, arm=subject_arms(trial), assessed_by=name)


def numbers(raw: pd.Series, column: str) -> pd.Series:
    """A column as floats; a present value that is not a number raises ``DataError``."""
    values, bad = numeric_values(raw)
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(
            f"Column '{column}', subject {raw.index[i]}: '{raw.iloc[i]}' is not a number."
        )
    return values


def flag_series(trial: Trial, column: str | None) -> pd.Series | None:
    """A 0/1 or boolean subject-level flag as a boolean Series (missing -> False)."""
    if column is None:
        return None
    if column not in trial.subjects.columns:
        raise PlanError(f"The plan's [disposition] names column '{column}', absent from the data.")
    raw = trial.subjects[column]
    if raw.dtype == object or isinstance(raw.dtype, pd.StringDtype):
        text = raw.astype("string").str.strip().str.lower()
        truthy = text.isin(["1", "true", "yes", "y", "t"])
        return truthy.fillna(False).astype(bool)
    return pd.to_numeric(raw, errors="coerce").fillna(0).astype(float).ne(0)


def reason_series(trial: Trial, column: str | None, index: pd.Index) -> pd.Series:
    """Free-text reasons for the subjects in ``index``; blank or missing -> ``NO_REASON``."""
    if column is None:
        return pd.Series(NO_REASON, index=index, dtype=object)
    if column not in trial.subjects.columns:
        raise PlanError(f"The plan's [disposition] names column '{column}', absent from the data.")
    text = trial.subjects.loc[index, column].astype("string").str.strip()
    text = text.mask(text.eq(""), pd.NA).fillna(NO_REASON)
    return text.astype(object)


def count_reasons(arm: pd.Series, reason: pd.Series, arms: tuple[str, ...]) -> pd.DataFrame:
    """Counts per arm and reason: columns ``arm, reason, n`` (largest first within arm)."""
    if len(reason) == 0:
        return pd.DataFrame({"arm": pd.Series(dtype=object), "reason": [], "n": []}).astype(
            {"n": "int64"}
        )
    arm_code = pd.Categorical(arm.loc[reason.index].to_numpy(), categories=list(arms)).codes
    reason_code, texts = pd.factorize(reason.to_numpy())
    pair, n = np.unique(arm_code.astype(np.int64) * len(texts) + reason_code, return_counts=True)
    a_idx, r_idx = pair // len(texts), pair % len(texts)
    # arm (plan order), then the most frequent reason first, ties by reason text
    order = sorted(range(pair.size), key=lambda i: (a_idx[i], -n[i], str(texts[r_idx[i]])))
    arm_names = np.asarray(arms, dtype=object)
    return pd.DataFrame(
        {
            "arm": pd.Series(arm_names[a_idx[order]], dtype=object),
            "reason": np.asarray(texts, dtype=object)[r_idx[order]],
            "n": n[order].astype("int64"),
        }
    )


def not_assessed_reasons(trial: Trial, grid: AssessmentGrid, visit: str) -> pd.Series:
    """Reasons for the subjects not assessed at ``visit``, indexed by subject.

    A subject flagged as withdrawn (``plan.disposition.withdrew``) takes their withdrawal
    reason; any other unassessed subject takes ``MISSED_VISIT``, or ``NO_WITHDRAWAL_DATA``
    when the plan has no withdrawal column (nothing then says they did not withdraw). The
    data carry no withdrawal date, so a subject who missed this visit and withdrew later is
    counted as withdrawn here.
    """
    missing_idx = grid.observed.index[~grid.observed[visit].to_numpy()]
    disp = trial.plan.disposition
    withdrew = flag_series(trial, disp.withdrew)
    missed = MISSED_VISIT if withdrew is not None else NO_WITHDRAWAL_DATA
    reasons = pd.Series(missed, index=missing_idx, dtype=object)
    if withdrew is not None:
        w_idx = missing_idx[withdrew.loc[missing_idx].to_numpy()]
        reasons.loc[w_idx] = (
            "Withdrew: " + reason_series(trial, disp.withdrew_reason, w_idx)
        ).to_numpy()
    return reasons
