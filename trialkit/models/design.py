"""Fixed-effects design for a two-arm repeated-measures model, built like R's model.matrix.

The mean model is::

    outcome ~ 1 + covariates + arm + visit + arm:visit + visit_covariates:visit

with treatment (dummy) coding: the first level of every factor is the reference (the first
category of a pandas Categorical, else the first in sorted order), the control arm is the arm
reference and the first visit the visit reference. Column names follow R
(``ARMCDTRT``, ``AVISITVIS2``, ``ARMCDTRT:AVISITVIS2``, ``RACEWhite``, ``FEV1_BL:AVISITVIS2``).

Rows whose outcome or covariates are missing are not used; every subject that contributes no
row is reported in :class:`~trialkit.models.accounting.SampleAccounting` with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.linalg

from trialkit.core.errors import ModelError
from trialkit.models.accounting import SampleAccounting


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
class Design:
    """Model matrices for the rows used, sorted by subject then visit."""

    outcome: str
    X: np.ndarray
    y: np.ndarray
    subject: np.ndarray  # integer code per row
    visit: np.ndarray  # integer code per row, 0..t-1
    arm: np.ndarray  # 0 = control, 1 = treatment, per row
    columns: tuple[str, ...]
    terms: tuple[Term, ...]
    visits: tuple[str, ...]
    arms: tuple[str, str]
    subject_ids: tuple[object, ...]
    covariates: tuple[CovariateInfo, ...]
    visit_covariates: tuple[str, ...]
    visit_terms: bool
    arm_name: str
    visit_name: str
    sample: SampleAccounting

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
        hi = np.maximum.reduceat(self.X, starts, axis=0)
        lo = np.minimum.reduceat(self.X, starts, axis=0)
        return np.any(hi - lo > 0, axis=0)

    def lsmean_rows(self, weights: str = "equal") -> tuple[np.ndarray, pd.DataFrame]:
        """Linear functions of the coefficients giving LS means by arm x visit.

        Continuous covariates are held at their mean over the rows used; factor covariates
        are averaged with equal weights over their levels (SAS LSMEANS, emmeans default) or
        with weights proportional to their frequencies in the rows used (SAS ``OM``,
        emmeans ``weights = "proportional"``).

        Returns the ``(2 t) x k`` matrix and a frame with columns ``arm, visit`` (visit-major).
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
                if ai == 1:
                    row[index[f"{self.arm_name}{arm}"]] = 1.0
                if vi > 0:
                    row[index[f"{self.visit_name}{visit}"]] = 1.0
                    if ai == 1:
                        row[index[f"{self.arm_name}{arm}:{self.visit_name}{visit}"]] = 1.0
                rows.append(row)
                labels.append((arm, visit))
        return np.vstack(rows), pd.DataFrame(labels, columns=["arm", "visit"])


def levels(series: pd.Series) -> list[str]:
    """Levels as text: category order for a Categorical, numeric order for numbers (weeks
    4 < 8 < 12), else sorted text."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        present = set(series.dropna().astype(str))
        return [str(c) for c in series.cat.categories if str(c) in present]
    values = series.dropna()
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return [str(v) for v in np.sort(values.unique())]
    return sorted(values.astype(str).unique().tolist())


def _is_categorical(series: pd.Series) -> bool:
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
) -> Design:
    """Build the design for :func:`trialkit.fit_mmrm` from long data.

    ``coding="sum"`` uses sum-to-zero contrasts (R ``contr.sum``) instead of dummy coding; it
    spans the same column space and is used to form Type III hypotheses.
    ``visit_terms=False`` drops ``visit`` and ``arm:visit`` (SAS ``MODEL y = arm``).

    Raises
    ------
    ModelError
        If a named column is absent, the arm column does not hold exactly two arms including
        ``control``, a subject x visit pair is duplicated, or no subject has data.
    """
    covariates = list(covariates)
    for c in visit_covariates:
        if c not in covariates:
            covariates.append(c)
    needed = [outcome, arm, visit, subject, *covariates]
    missing_cols = [c for c in dict.fromkeys(needed) if c not in data.columns]
    if missing_cols:
        raise ModelError(f"column(s) {', '.join(missing_cols)} not found in the data")
    df = data[list(dict.fromkeys(needed))].copy()
    arm_values = df[arm].dropna().astype(str)
    arm_levels = sorted(arm_values.unique().tolist())
    if str(control) not in arm_levels:
        raise ModelError(
            f"control arm '{control}' is not a value of column '{arm}' "
            f"(values: {', '.join(arm_levels)})"
        )
    if len(arm_levels) != 2:
        raise ModelError(
            f"column '{arm}' must hold exactly two arms, found {len(arm_levels)}: "
            f"{', '.join(arm_levels)}"
        )
    treatment = next(a for a in arm_levels if a != str(control))
    arms = (str(control), treatment)
    visit_levels = list(visits) if visits is not None else levels(df[visit])
    df["_arm"] = df[arm].astype(str)
    df["_visit"] = df[visit].astype(str)
    df = df[df["_visit"].isin(visit_levels)]
    dup = df.duplicated(subset=[subject, "_visit"], keep=False)
    if dup.any():
        first = df.loc[dup, [subject, "_visit"]].iloc[0]
        raise ModelError(
            f"subject {first[subject]} has more than one row for {visit} {first['_visit']}; "
            "each subject may have one row per visit"
        )
    y_num = pd.to_numeric(df[outcome], errors="coerce")
    bad = y_num.isna() & df[outcome].notna()
    if bad.any():
        examples = ", ".join(repr(v) for v in df.loc[bad, outcome].astype(str).unique()[:3])
        first = df.loc[bad, subject].iloc[0]
        raise ModelError(
            f"column '{outcome}' has {int(bad.sum())} non-numeric value(s) (e.g. {examples}; "
            f"first at subject {first}); recode them as numbers or missing"
        )
    if not y_num.notna().any():
        where = f" at {visit} {visit_levels[0]}" if len(visit_levels) == 1 else ""
        raise ModelError(f"no subject has an observed {outcome}{where}")
    if df[arm].isna().any():
        first = df.loc[df[arm].isna(), subject].iloc[0]
        raise ModelError(
            f"column '{arm}' is missing on {int(df[arm].isna().sum())} row(s) (first at "
            f"subject {first}); every row needs the subject's arm"
        )
    cov_missing = df[covariates].isna().any(axis=1) if covariates else pd.Series(False, df.index)
    used = y_num.notna() & ~cov_missing & df[arm].notna()
    all_subjects = df[[subject, "_arm"]].drop_duplicates(subject)
    used_subjects = set(df.loc[used, subject])
    excl = all_subjects[~all_subjects[subject].isin(used_subjects)].copy()
    has_y = df.assign(_y=y_num.notna()).groupby(subject, sort=False)["_y"].any()
    # which covariates are missing on the rows where the subject's outcome is observed
    obs_rows = df[y_num.notna()]
    if covariates:
        miss = obs_rows[covariates].isna().groupby(obs_rows[subject], sort=False).any()
        miss_names = miss.apply(lambda r: ", ".join(r.index[r.to_numpy()]), axis=1)
    else:
        miss_names = pd.Series(dtype=object)
    no_y = (
        f"no observed {outcome} at {visit} {visit_levels[0]}"
        if len(visit_levels) == 1
        else f"no observed {outcome} at any analysed visit"
    )
    reasons = np.where(
        has_y.reindex(excl[subject]).fillna(False).to_numpy(dtype=bool),
        "missing covariate value(s): "
        + miss_names.reindex(excl[subject]).fillna("").astype(str).to_numpy(dtype=object),
        no_y,
    )
    excluded = pd.DataFrame(
        {"subject": excl[subject].to_numpy(), "arm": excl["_arm"].to_numpy(), "reason": reasons}
    )
    df = df[used].copy()
    if df.empty:
        raise ModelError(f"no subject has an observed {outcome} value with complete covariates")
    df["_y"] = y_num[used]
    df["_vcode"] = pd.Categorical(df["_visit"], categories=visit_levels).codes
    df = df.sort_values([subject, "_vcode"], kind="stable")
    subj_codes, subj_ids = pd.factorize(df[subject], sort=False)

    cols: list[np.ndarray] = [np.ones(len(df))]
    names: list[str] = ["(Intercept)"]
    terms: list[Term] = [Term("(Intercept)", (0,), ())]
    infos: list[CovariateInfo] = []

    def add(term: str, factors: tuple[str, ...], new: list[tuple[str, np.ndarray]]) -> None:
        if not new:  # e.g. visit terms when only one visit is analysed
            return
        start = len(names)
        for n, v in new:
            names.append(n)
            cols.append(v.astype(float))
        terms.append(Term(term, tuple(range(start, len(names))), factors))

    cov_cols: dict[str, list[tuple[str, np.ndarray]]] = {}
    for c in covariates:
        s = df[c]
        if _is_categorical(s):
            levs = levels(s)
            sv = s.astype(str).to_numpy()
            props = tuple(float(np.mean(sv == lev)) for lev in levs)
            infos.append(CovariateInfo(c, True, tuple(levs), proportions=props))
            cov_cols[c] = _code(c, sv, levs, coding)
        else:
            v = s.to_numpy(dtype=float)
            infos.append(CovariateInfo(c, False, mean=float(v.mean())))
            cov_cols[c] = [(c, v)]
        add(c, (c,), cov_cols[c])
    arm_str = df["_arm"].to_numpy()
    arm_ind = (arm_str == treatment).astype(float)
    arm_cols = _code(arm, arm_str, list(arms), coding)
    add(arm, (arm,), arm_cols)
    vcode = df["_vcode"].to_numpy()
    vis_cols = _code(visit, np.asarray(visit_levels, dtype=object)[vcode], visit_levels, coding)
    if visit_terms:
        add(visit, (visit,), vis_cols)
        add(
            f"{arm}:{visit}",
            (arm, visit),
            [(f"{an}:{vn}", av * vv) for an, av in arm_cols for vn, vv in vis_cols],
        )
    for c in visit_covariates:
        add(
            f"{c}:{visit}",
            (c, visit),
            [(f"{cn}:{vn}", cv * vv) for cn, cv in cov_cols[c] for vn, vv in vis_cols],
        )
    X = np.column_stack(cols)
    if coding == "treatment":
        _check_rank(X, names)
    n_sub = df.groupby("_arm")[subject].nunique()
    n_obs = df.groupby("_arm").size()
    sample = SampleAccounting(
        n_subjects={a: int(n_sub.get(a, 0)) for a in arms},
        n_observations={a: int(n_obs.get(a, 0)) for a in arms},
        excluded=excluded,
    )
    return Design(
        outcome=outcome,
        X=X,
        y=df["_y"].to_numpy(dtype=float),
        subject=subj_codes.astype(np.int64),
        visit=vcode.astype(np.int64),
        arm=arm_ind.astype(np.int64),
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
    )


def _code(
    name: str, values: np.ndarray, levels: list[str], coding: str
) -> list[tuple[str, np.ndarray]]:
    """Dummy (treatment) or sum-to-zero columns of a factor, named like R."""
    ind = [(values == lev).astype(float) for lev in levels]
    if coding == "sum":
        return [(f"{name}{j + 1}", ind[j] - ind[-1]) for j in range(len(levels) - 1)]
    return [(f"{name}{lev}", ind[j]) for j, lev in enumerate(levels) if j > 0]


def _check_rank(X: np.ndarray, names: list[str]) -> None:
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
