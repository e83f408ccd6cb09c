"""Who each analysis used, and why the others were left out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from trialkit.core.results import ReadOnlyResult
from trialkit.data.codes import first_rows


@dataclass(frozen=True, repr=False)
class SampleAccounting(ReadOnlyResult):
    """Subjects and observations an analysis used, by arm, and the exclusions with reasons.

    ``excluded`` has columns ``subject, arm, reason`` (one row per excluded subject).
    Every randomised subject is either counted in ``n_subjects`` or listed in ``excluded``.
    """

    n_subjects: dict[str, int]
    n_observations: dict[str, int]
    excluded: pd.DataFrame

    _headline = ("total_subjects", "total_observations")

    def summary_frame(self) -> pd.DataFrame:
        """The excluded subjects with their reasons."""
        return self.excluded

    @property
    def total_subjects(self) -> int:
        return int(sum(self.n_subjects.values()))

    @property
    def total_observations(self) -> int:
        return int(sum(self.n_observations.values()))


class ReasonNames(NamedTuple):
    """Display names for exclusion reasons: column -> label, visit value -> label."""

    columns: Mapping[str, str]
    visits: Mapping[str, str]


def visit_name(visit: str, value: object, visit_labels: Mapping[str, str] | None = None) -> str:
    """How a reason names one visit: its label in ``visit_labels``, else ``"{visit} {value}"``
    (the visit column and the value, e.g. ``"week 8"``)."""
    return (visit_labels or {}).get(str(value)) or f"{visit} {value}"


def excluded_subjects(
    subjects: pd.Series,
    arm_text: np.ndarray,
    outcome: str,
    visit: str,
    visit_levels: list[str],
    covariates: list[str],
    y_obs: np.ndarray,
    cov_isna: np.ndarray,
    labels: Mapping[str, str] | None = None,
    visit_labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Subjects with no usable row (``subject, arm, reason``), in order of first appearance.

    ``subjects`` and ``arm_text`` hold each considered row's subject and arm (as text);
    ``y_obs`` flags rows with an observed outcome and ``cov_isna`` (rows x covariates)
    missing covariates.

    A subject with an observed outcome is excluded for the covariates missing on those rows
    (named in covariate order); otherwise for having no observed outcome. ``labels``
    (column -> display name) names the outcome and covariates, ``visit_labels`` (visit value
    -> display name) the visit; by default the column names and ``"{visit} {value}"``.
    """
    names = dict(labels or {})
    codes, first, uniques = first_rows(subjects)  # codes number subjects by first row
    n_sub = uniques.size
    known = codes >= 0  # a row without a subject id belongs to no subject
    used = y_obs & ~cov_isna.any(axis=1) & known
    has_used = np.bincount(codes[used], minlength=n_sub) > 0
    has_y = np.bincount(codes[y_obs & known], minlength=n_sub) > 0
    excl = np.flatnonzero(~has_used)
    no_y = (
        f"no observed {names.get(outcome, outcome)} at "
        f"{visit_name(visit, visit_levels[0], visit_labels)}"
        if len(visit_levels) == 1
        else f"no observed {names.get(outcome, outcome)} at any analysed visit"
    )
    reasons = np.full(excl.size, no_y, dtype=object)
    with_y = excl[has_y[excl]]
    if with_y.size:
        # which covariates are missing on the rows where the subject's outcome is observed
        miss = np.zeros((n_sub, len(covariates)), dtype=bool)
        rows = np.flatnonzero(y_obs & known)
        for j in range(len(covariates)):
            miss[codes[rows[cov_isna[rows, j]]], j] = True
        combos, which = np.unique(miss[with_y], axis=0, return_inverse=True)
        text = np.array(
            [
                "missing covariate value(s): "
                + ", ".join(names.get(c, c) for c, m in zip(covariates, row, strict=True) if m)
                for row in combos
            ],
            dtype=object,
        )
        reasons[has_y[excl]] = text[which.ravel()]
    arm_first = np.asarray(arm_text, dtype=object)[first[excl]]
    return pd.DataFrame({"subject": np.asarray(uniques)[excl], "arm": arm_first, "reason": reasons})
