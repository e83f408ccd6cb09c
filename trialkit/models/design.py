"""Fixed-effects design for a repeated-measures model with k >= 2 arms, built like R's
model.matrix.

The mean model is::

    outcome ~ 1 + covariates + arm + visit + arm:visit + visit_covariates:visit

with treatment (dummy) coding: the first level of every factor is the reference (the first
category of a pandas Categorical, else the first in sorted order), the control arm is the arm
reference (the other arms follow in the data's order) and the first visit the visit reference.
For the dose-response trend the arm factor is replaced by one numeric dose column
(:meth:`Design.trend_design`). Column names follow R
(``ARMCDTRT``, ``AVISITVIS2``, ``ARMCDTRT:AVISITVIS2``, ``RACEWhite``, ``FEV1_BL:AVISITVIS2``).

Rows whose outcome or covariates are missing are not used; every subject that contributes no
row is reported in :class:`~trialkit.models.accounting.SampleAccounting` with its reason.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.linalg

from trialkit.core.errors import ModelError
from trialkit.data.codes import level_codes, levels
from trialkit.models.accounting import SampleAccounting, excluded_subjects, visit_name
from trialkit.models.comparisons import dose_values
from trialkit.specs.comparisons import Dose


@dataclass(frozen=True)
class Term:
    """A model term and the design columns that code it."""

    name: str
    columns: tuple[int, ...]
    factors: tuple[str, ...]


@dataclass(frozen=True)
class CovariateInfo:
    """How a covariate enters LS means: its mean (continuous) or level weights (factor)."""

    name: str
    categorical: bool
    levels: tuple[str, ...] = ()
    mean: float = 0.0
    proportions: tuple[float, ...] = ()


@dataclass(frozen=True)
class FactorInput:
    """One design variable as prepared for coding: a factor's level codes, or values."""

    name: str
    codes: np.ndarray | None  # integer level code per row (factors), else None
    levels: tuple[str, ...]
    values: np.ndarray | None = None  # float values per row (continuous covariates)


@dataclass(frozen=True)
class DesignInputs:
    """Everything :func:`assemble` needs to code the design in either parametrisation."""

    covariates: tuple[FactorInput, ...]
    arm: FactorInput  # codes 0 = control, 1..k-1 = the other arms in order
    visit: FactorInput
    visit_covariates: tuple[str, ...]
    visit_terms: bool
    dose: FactorInput | None = None  # the trend model: numeric dose in place of the arm factor


@dataclass(frozen=True)
class Design:
    """Model matrices for the rows used, sorted by subject then visit."""

    outcome: str
    X: np.ndarray
    y: np.ndarray
    subject: np.ndarray  # integer code per row
    visit: np.ndarray  # integer code per row, 0..t-1
    arm: np.ndarray  # arm code per row: 0 = control, 1..k-1 the other arms in order
    columns: tuple[str, ...]
    terms: tuple[Term, ...]
    visits: tuple[str, ...]
    arms: tuple[str, ...]
    subject_ids: tuple[object, ...]
    covariates: tuple[CovariateInfo, ...]
    visit_covariates: tuple[str, ...]
    visit_terms: bool
    arm_name: str
    visit_name: str
    sample: SampleAccounting
    inputs: DesignInputs
    dose: np.ndarray | None = None  # numeric dose per row, when a dose was given
    dose_name: str = "dose"  # the dose column's name, or "dose" for a mapping arm -> dose

    @property
    def n_obs(self) -> int:
        return int(self.y.size)

    @property
    def n_subjects(self) -> int:
        return len(self.subject_ids)

    @property
    def k(self) -> int:
        return self.X.shape[1]

    def within_subject_columns(self) -> np.ndarray:
        """Boolean per column: does it vary within any subject? (between-within df)."""
        starts = np.flatnonzero(np.r_[True, self.subject[1:] != self.subject[:-1]])
        first = np.repeat(starts, np.diff(np.r_[starts, self.subject.size]))
        return np.any(self.X != self.X[first], axis=0)  # a row differs from its subject's first

    def lsmean_rows(self, weights: str = "equal") -> tuple[np.ndarray, pd.DataFrame]:
        """Linear functions of the coefficients giving LS means by arm x visit.

        Continuous covariates are held at their mean over the rows used; factor covariates
        are averaged with equal weights over their levels (SAS LSMEANS, emmeans default) or
        with weights proportional to their frequencies in the rows used (SAS ``OM``,
        emmeans ``weights = "proportional"``).

        Returns the ``(n_arms t) x k`` matrix and a frame with columns ``arm, visit``
        (visit-major, arms in order within a visit).
        """
        if weights not in ("equal", "proportional"):
            raise ValueError("weights must be 'equal' or 'proportional'")
        index = {c: i for i, c in enumerate(self.columns)}
        # (design column, value in the reference grid, interacts with visit?)
        grid: list[tuple[str, float, bool]] = []
        for info in self.covariates:
            inter = info.name in self.visit_covariates
            if not info.categorical:
                grid.append((info.name, info.mean, inter))
                continue
            n_lev = len(info.levels)
            for j, lev in enumerate(info.levels[1:], start=1):
                w = 1.0 / n_lev if weights == "equal" else info.proportions[j]
                grid.append((f"{info.name}{lev}", w, inter))
        rows, labels = [], []
        visits = self.visits if self.visit_terms else ("all visits",)
        for vi, visit in enumerate(visits):
            for ai, arm in enumerate(self.arms):
                row = np.zeros(self.k)
                row[index["(Intercept)"]] = 1.0
                for col, val, inter in grid:
                    row[index[col]] = val
                    if vi > 0 and inter:
                        row[index[f"{col}:{self.visit_name}{visit}"]] = val
                if ai > 0:
                    row[index[f"{self.arm_name}{arm}"]] = 1.0
                if vi > 0:
                    row[index[f"{self.visit_name}{visit}"]] = 1.0
                    if ai > 0:
                        row[index[f"{self.arm_name}{arm}:{self.visit_name}{visit}"]] = 1.0
                rows.append(row)
                labels.append((arm, visit))
        return np.vstack(rows), pd.DataFrame(labels, columns=["arm", "visit"])

    def trend_design(self) -> Design:
        """The same rows with the numeric dose in place of the arm factor (the dose-response
        model: ``covariates + dose``, or ``covariates + visit + dose:visit``)."""
        if self.dose is None:
            raise ValueError("the design was built without a dose")
        inputs = dataclasses.replace(
            self.inputs, dose=FactorInput(self.dose_name, None, (), self.dose.astype(float))
        )
        X, names, terms = assemble(inputs)
        check_rank(X, names)
        return dataclasses.replace(
            self, X=X, columns=tuple(names), terms=tuple(terms), inputs=inputs
        )

    def trend_rows(self) -> tuple[np.ndarray, pd.DataFrame]:
        """Rows of ``L`` picking the dose slope at each visit of a :meth:`trend_design`
        (``dose:visit``; ``dose`` for one visit or no visit terms), labelled by ``visit``."""
        assert self.inputs.dose is not None
        name = self.inputs.dose.name
        eye = np.eye(self.k)
        if name in self.columns:
            label = self.visits[0] if len(self.visits) == 1 else "all visits"
            return eye[[self.columns.index(name)]], pd.DataFrame({"visit": [label]})
        cols = [self.columns.index(f"{name}:{self.visit_name}{v}") for v in self.visits]
        return eye[cols], pd.DataFrame({"visit": list(self.visits)})


def arm_order(series: pd.Series, control: str, name: str) -> tuple[str, ...]:
    """The arms in model order: ``control`` first, then the others in the data's order (the
    categories of a pandas Categorical, numeric order for numbers, else sorted text).

    Raises
    ------
    ModelError
        ``control`` is not a value of the column, or the column holds one arm only.
    """
    found = levels(series)
    if str(control) not in found:
        raise ModelError(
            f"control arm '{control}' is not a value of column '{name}' "
            f"(values: {', '.join(found)})"
        )
    if len(found) < 2:
        raise ModelError(
            f"column '{name}' holds one arm only ({control}); a comparison needs two or more arms"
        )
    return (str(control), *[a for a in found if a != str(control)])


def is_categorical(series: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)


def build_design(
    data: pd.DataFrame,
    *,
    outcome: str,
    arm: str,
    control: str,
    visit: str,
    subject: str,
    covariates: list[str] | tuple[str, ...] = (),
    visit_covariates: list[str] | tuple[str, ...] = (),
    visits: list[str] | tuple[str, ...] | None = None,
    coding: str = "treatment",
    visit_terms: bool = True,
    dose: Dose | None = None,
    labels: Mapping[str, str] | None = None,
    visit_labels: Mapping[str, str] | None = None,
) -> Design:
    """Build the design for :func:`trialkit.fit_mmrm` from long data.

    ``coding="sum"`` uses sum-to-zero contrasts (R ``contr.sum``) instead of dummy coding; it
    spans the same column space and is used to form Type III hypotheses.
    ``visit_terms=False`` drops ``visit`` and ``arm:visit`` (SAS ``MODEL y = arm``).
    ``dose`` (arm -> number, or a numeric column) is kept per row for :meth:`Design.trend_design`.
    ``labels`` (column -> display name) and ``visit_labels`` (visit value -> display name)
    name the outcome, covariates and visits in the exclusion reasons.

    Raises
    ------
    ModelError
        If a named column is absent, the arm column does not hold two or more arms including
        ``control``, a subject x visit pair is duplicated, no subject has data, or the dose
        is not numeric.
    """
    covariates = list(covariates)
    for c in visit_covariates:
        if c not in covariates:
            covariates.append(c)
    needed = [outcome, arm, visit, subject, *covariates]
    missing_cols = [c for c in dict.fromkeys(needed) if c not in data.columns]
    if missing_cols:
        raise ModelError(f"column(s) {', '.join(missing_cols)} not found in the data")
    arms = arm_order(data[arm], control, arm)
    dose_all = (
        dose_values(data, arm=arm, dose=dose, arms=arms, subject=subject)
        if dose is not None
        else None
    )
    visit_levels = list(visits) if visits is not None else levels(data[visit])
    # Work on row positions and arrays: pandas operations on small frames cost more in
    # overhead than the arithmetic, and every model builds its design once per fit.
    vpos_all = level_codes(data[visit], visit_levels)
    rows = np.flatnonzero(vpos_all >= 0)  # the rows at the analysed visits
    vpos = vpos_all[rows]
    subj_col = data[subject].iloc[rows]
    scode, _ = pd.factorize(subj_col, sort=False)
    key = scode.astype(np.int64) * len(visit_levels) + vpos
    uniq, counts = np.unique(key, return_counts=True)
    if np.any(counts > 1):
        first = int(np.argmax(np.isin(key, uniq[counts > 1])))
        raise ModelError(
            f"subject {subj_col.iloc[first]} has more than one row for {visit} "
            f"{visit_levels[vpos[first]]}; each subject may have one row per visit"
        )
    raw_y = data[outcome].iloc[rows]
    y_all = pd.to_numeric(raw_y, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    y_obs = ~np.isnan(y_all)
    bad = ~y_obs & raw_y.notna().to_numpy()
    if bad.any():
        shown = raw_y[bad].astype(str).unique()[:3]
        examples = ", ".join(repr(v) for v in shown)
        raise ModelError(
            f"column '{outcome}' has {int(bad.sum())} non-numeric value(s) (e.g. {examples}; "
            f"first at subject {subj_col.iloc[int(np.argmax(bad))]}); recode them as numbers "
            "or missing"
        )
    if not y_obs.any():
        where = (
            f" at {visit_name(visit, visit_levels[0], visit_labels)}"
            if len(visit_levels) == 1
            else ""
        )
        label = (labels or {}).get(outcome, outcome)
        raise ModelError(f"no subject has an observed {label}{where}")
    arm_all = level_codes(data[arm], arms)
    arm_codes = arm_all[rows]
    arm_na = data[arm].iloc[rows].isna().to_numpy()
    if arm_na.any():
        raise ModelError(
            f"column '{arm}' is missing on {int(arm_na.sum())} row(s) (first at "
            f"subject {subj_col.iloc[int(np.argmax(arm_na))]}); every row needs the "
            "subject's arm"
        )
    cov_isna = (
        np.column_stack([data[c].iloc[rows].isna().to_numpy() for c in covariates])
        if covariates
        else np.zeros((rows.size, 0), bool)
    )
    used = y_obs & ~cov_isna.any(axis=1)
    excluded = excluded_subjects(
        subj_col,
        np.asarray(arms, dtype=object)[arm_codes],
        outcome,
        visit,
        visit_levels,
        covariates,
        y_obs,
        cov_isna,
        labels,
        visit_labels,
    )
    if not used.any():
        raise ModelError(f"no subject has an observed {outcome} value with complete covariates")
    # the rows used, sorted by subject (value order) then visit
    subj_used = subj_col[used]
    sorted_codes, subj_ids = pd.factorize(subj_used, sort=True)
    order = np.lexsort((vpos[used], sorted_codes))
    keep = rows[used][order]  # positions in ``data``
    subj_codes = sorted_codes[order]
    vcode = vpos[used][order]
    arm_codes = arm_codes[used][order]
    y = y_all[used][order]
    factors: list[FactorInput] = []
    infos: list[CovariateInfo] = []
    for c in covariates:
        s = data[c].iloc[keep]
        if is_categorical(s):
            levs = levels(s)
            codes = level_codes(s, levs)
            props = tuple(float(np.mean(codes == j)) for j in range(len(levs)))
            infos.append(CovariateInfo(c, True, tuple(levs), proportions=props))
            factors.append(FactorInput(c, codes, tuple(levs)))
        else:
            v = s.to_numpy(dtype=float)
            infos.append(CovariateInfo(c, False, mean=float(v.mean())))
            factors.append(FactorInput(c, None, (), v))
    inputs = DesignInputs(
        covariates=tuple(factors),
        arm=FactorInput(arm, arm_codes, arms),
        visit=FactorInput(visit, vcode.astype(np.int64), tuple(visit_levels)),
        visit_covariates=tuple(visit_covariates),
        visit_terms=visit_terms,
    )
    X, names, terms = assemble(inputs, coding)
    if coding == "treatment":
        check_rank(X, names)
    sample = SampleAccounting(
        n_subjects={a: int(np.unique(subj_codes[arm_codes == j]).size) for j, a in enumerate(arms)},
        n_observations={a: int(np.sum(arm_codes == j)) for j, a in enumerate(arms)},
        excluded=excluded,
    )
    return Design(
        outcome=outcome,
        X=X,
        y=y,
        subject=subj_codes.astype(np.int64),
        visit=inputs.visit.codes,
        arm=arm_codes,
        columns=tuple(names),
        terms=tuple(terms),
        visits=tuple(visit_levels),
        arms=arms,
        subject_ids=tuple(subj_ids),
        covariates=tuple(infos),
        visit_covariates=tuple(visit_covariates),
        visit_terms=visit_terms,
        arm_name=arm,
        visit_name=visit,
        sample=sample,
        inputs=inputs,
        dose=dose_all[keep] if dose_all is not None else None,
        dose_name=dose if isinstance(dose, str) else "dose",
    )


def assemble(
    inputs: DesignInputs, coding: str = "treatment"
) -> tuple[np.ndarray, list[str], list[Term]]:
    """The model matrix, its column names and terms from prepared factor codes and values."""
    n = inputs.arm.codes.size
    cols: list[np.ndarray] = [np.ones(n)]
    names: list[str] = ["(Intercept)"]
    terms: list[Term] = [Term("(Intercept)", (0,), ())]

    def add(term: str, factors: tuple[str, ...], new: list[tuple[str, np.ndarray]]) -> None:
        if not new:  # e.g. visit terms when only one visit is analysed
            return
        start = len(names)
        for nm, v in new:
            names.append(nm)
            cols.append(v.astype(float))
        terms.append(Term(term, tuple(range(start, len(names))), factors))

    cov_cols: dict[str, list[tuple[str, np.ndarray]]] = {}
    for f in inputs.covariates:
        cov_cols[f.name] = _code(f, coding) if f.codes is not None else [(f.name, f.values)]
        add(f.name, (f.name,), cov_cols[f.name])
    visit = inputs.visit.name
    vis_cols = _code(inputs.visit, coding)
    if inputs.dose is not None:
        _add_dose(inputs, add, vis_cols)
    else:
        arm = inputs.arm.name
        arm_cols = _code(inputs.arm, coding)
        add(arm, (arm,), arm_cols)
        if inputs.visit_terms:
            add(visit, (visit,), vis_cols)
            add(
                f"{arm}:{visit}",
                (arm, visit),
                [(f"{an}:{vn}", av * vv) for an, av in arm_cols for vn, vv in vis_cols],
            )
    for c in inputs.visit_covariates:
        add(
            f"{c}:{visit}",
            (c, visit),
            [(f"{cn}:{vn}", cv * vv) for cn, cv in cov_cols[c] for vn, vv in vis_cols],
        )
    return np.column_stack(cols), names, terms


def _add_dose(
    inputs: DesignInputs,
    add: Callable[[str, tuple[str, ...], list[tuple[str, np.ndarray]]], None],
    vis_cols: list[tuple[str, np.ndarray]],
) -> None:
    """The trend model's dose terms in place of the arm factor: ``dose`` alone (one visit,
    or no visit terms), else ``visit + dose:visit`` with one dose slope per visit (R
    ``y ~ visit + dose:visit``; each slope is one coefficient, so its between-within df is
    the within-subject df, as in R mmrm)."""
    assert inputs.dose is not None and inputs.dose.values is not None
    dose, visit = inputs.dose.name, inputs.visit
    if not (inputs.visit_terms and vis_cols):
        add(dose, (dose,), [(dose, inputs.dose.values)])
        return
    add(visit.name, (visit.name,), vis_cols)
    assert visit.codes is not None
    slopes = [
        (f"{dose}:{visit.name}{lev}", inputs.dose.values * (visit.codes == j))
        for j, lev in enumerate(visit.levels)
    ]
    add(f"{dose}:{visit.name}", (dose, visit.name), slopes)


def sum_coded(design: Design) -> tuple[np.ndarray, tuple[Term, ...]]:
    """The design's matrix and terms with sum-to-zero (R ``contr.sum``) factor coding.

    Built from the codes kept in ``design.inputs`` (same rows, same order), so it spans the
    column space of ``design.X``; it is used to form Type III hypotheses.
    """
    X, _, terms = assemble(design.inputs, "sum")
    return X, tuple(terms)


def factor_columns(
    name: str, values: np.ndarray, level_names: list[str], coding: str = "treatment"
) -> list[tuple[str, np.ndarray]]:
    """Dummy (treatment) or sum-to-zero columns of the factor ``values`` over
    ``level_names`` (the first level is the reference), named like R."""
    codes = level_codes(pd.Series(np.asarray(values, dtype=object)), level_names)
    return _code(FactorInput(name, codes, tuple(level_names)), coding)


def _code(factor: FactorInput, coding: str) -> list[tuple[str, np.ndarray]]:
    """Dummy (treatment) or sum-to-zero columns of a factor, named like R."""
    assert factor.codes is not None
    ind = [(factor.codes == j).astype(float) for j in range(len(factor.levels))]
    if coding == "sum":
        return [(f"{factor.name}{j + 1}", ind[j] - ind[-1]) for j in range(len(ind) - 1)]
    return [(f"{factor.name}{lev}", ind[j]) for j, lev in enumerate(factor.levels) if j > 0]


def check_rank(X: np.ndarray, names: list[str]) -> None:
    # R from an unpivoted QR spans the same row space (R'R = X'X); pivot on the small R.
    r0 = np.linalg.qr(X, mode="r")
    _, r, piv = scipy.linalg.qr(r0, mode="economic", pivoting=True)
    diag = np.abs(np.diag(r))
    tol = diag.max() * max(X.shape) * np.finfo(float).eps
    rank = int(np.sum(diag > tol))
    if rank < X.shape[1]:
        dependent = [names[i] for i in piv[rank:]]
        raise ModelError(
            "the design is singular: column(s) "
            + ", ".join(dependent)
            + " are linear combinations of the others (an empty arm x visit cell, a constant "
            "covariate, or a covariate level that occurs in one arm or visit only)"
        )
