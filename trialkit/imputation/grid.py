r"""The subject x visit grid the imputation works on, and the intercurrent events on it.

Every randomised subject gets one row per visit. For subject :math:`i` with an intercurrent
event first affecting visit :math:`e_i` and a non-MAR strategy, the visits
:math:`v \ge e_i` are *not MAR*: their observed values are left out of the imputation model
fit (as in rbmi) but are kept in the analysed data; their missing values are imputed under
the strategy. Visits before the event, and every visit of a subject with no event or a MAR
strategy, are MAR.

The imputation model's fixed effects are ``arm x visit + covariates + visit_covariates x
visit`` (the MMRM design of :mod:`trialkit.models.design`), built once for the whole grid;
its rows for the reference arm are obtained by recoding the arm columns.

Validated against: rbmi 1.6 (longData / ``set_strategies``) on fev_data, through
tests/test_imputation_rbmi.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from trialkit.errors import DataError, ModelError
from trialkit.models.design import Design, build_design, levels

BUILTIN_STRATEGIES: tuple[str, ...] = ("MAR", "JR", "CR", "CIR", "LMCF")


@dataclass(frozen=True)
class Grid:
    """Arrays over ``n`` subjects x ``t`` visits (subjects sorted like the MMRM design)."""

    subject_ids: tuple[object, ...]
    arms: tuple[str, ...]  # (control, other arms in the design's order)
    visits: tuple[str, ...]
    arm: np.ndarray  # (n,) arm code: 0 control, 1..k-1 the other arms
    ref_arm: np.ndarray  # (n,) arm code of the reference arm of the subject's arm
    y: np.ndarray  # (n, t) outcome, NaN where missing
    X: np.ndarray  # (n, t, k) imputation-model rows, own arm
    X_arm: tuple[np.ndarray, ...]  # (n, t, k) rows recoded to each arm, in the order of arms
    columns: tuple[str, ...]
    ice: np.ndarray  # (n,) index of first visit affected by the event (t = none)
    strategy: np.ndarray  # (n,) object: strategy name ("MAR" when no event)
    is_mar: np.ndarray  # (n, t) bool
    analysis_X: np.ndarray  # (t, n, p) ANCOVA rows per visit: 1, k - 1 arm dummies, covariates
    analysis_columns: tuple[str, ...]
    design: Design  # the full-grid design (outcome replaced by a placeholder)
    events: pd.DataFrame  # subject, arm, visit, strategy, n_imputed
    notes: tuple[str, ...]
    frame: pd.DataFrame  # n*t rows (subject-major): subject, arm, visit, covariates
    columns_in: dict[str, object]  # the caller's column names and covariate lists
    #: display names of visit values (the plan's labels), for messages; may be empty
    visit_labels: Mapping[str, str] = field(default_factory=dict)

    def visit_name(self, v: str) -> str:
        """How a message names visit ``v``: its label, else ``"visit v"``."""
        return self.visit_labels.get(str(v)) or f"visit {v}"

    @property
    def n(self) -> int:
        return len(self.subject_ids)

    @property
    def t(self) -> int:
        return len(self.visits)

    @property
    def missing(self) -> np.ndarray:
        return np.isnan(self.y)

    @property
    def is_post_ice(self) -> np.ndarray:
        return np.arange(self.t)[None, :] >= self.ice[:, None]

    @property
    def fit_mask(self) -> np.ndarray:
        """Values used to fit the imputation model: observed and MAR."""
        return ~self.missing & self.is_mar


def build_grid(
    data: pd.DataFrame,
    *,
    outcome: str,
    arm: str,
    control: str,
    visit: str,
    subject: str,
    covariates: Sequence[str],
    visit_covariates: Sequence[str],
    events: pd.DataFrame | None,
    reference: dict[str, str] | None,
    strategies: Sequence[str],
    visits: Sequence[str] | None = None,
    post_event: str = "keep",
    visit_labels: Mapping[str, str] | None = None,
) -> Grid:
    """Complete the subject x visit grid, check the events and build the model rows.

    ``post_event="discard"`` sets observed values from each subject's event on to missing
    (a hypothetical strategy: they are imputed); ``"keep"`` (rbmi) keeps them in the
    analysed data and out of the imputation model fit when the strategy is not MAR.

    Raises
    ------
    DataError
        For an event at a visit not analysed, an unknown strategy or subject, a reference
        arm that does not exist, two events of the same kind for one subject, or a subject
        whose subject-level columns are missing.
    """
    for col in (outcome, arm, visit, subject, *covariates, *visit_covariates):
        if col not in data.columns:
            raise DataError(f"column '{col}' not found in the data")
    cov_all = list(dict.fromkeys([*covariates, *visit_covariates]))
    visit_levels = [str(v) for v in visits] if visits is not None else levels(data[visit])
    df = data[list(dict.fromkeys([subject, arm, visit, outcome, *cov_all]))].copy()
    df["_visit"] = df[visit].astype(str)
    unknown_visits = sorted(set(df["_visit"].dropna()) - set(visit_levels))
    df = df[df["_visit"].isin(visit_levels)]
    # one row per subject x visit: missing rows are added, subject-level columns carried
    subjects = pd.Index(pd.unique(df[subject].dropna()))
    full = pd.MultiIndex.from_product([subjects, visit_levels], names=[subject, "_visit"])
    if df.duplicated([subject, "_visit"]).any():
        first = df.loc[df.duplicated([subject, "_visit"]), [subject, "_visit"]].iloc[0]
        raise DataError(
            f"subject {first[subject]} has more than one row for {visit} {first['_visit']}"
        )
    grid = df.set_index([subject, "_visit"]).reindex(full).reset_index()
    carry = [arm, *cov_all]
    grid[carry] = grid.groupby(subject, sort=False)[carry].ffill()
    grid[carry] = grid.groupby(subject, sort=False)[carry].bfill()
    for col in carry:
        if grid[col].isna().any():
            first = grid.loc[grid[col].isna(), subject].iloc[0]
            raise DataError(
                f"column '{col}' is missing for subject {first} at every visit; imputation "
                "needs the arm and covariates of every subject"
            )
    grid[visit] = grid["_visit"]
    arm_levels = sorted(grid[arm].astype(str).unique().tolist())
    if str(control) not in arm_levels:
        raise DataError(f"control arm '{control}' is not a value of column '{arm}'")
    y_num = pd.to_numeric(grid[outcome], errors="coerce")
    grid["_y"] = 1.0  # placeholder: every grid row enters the design
    design = build_design(
        grid,
        outcome="_y",
        arm=arm,
        control=control,
        visit=visit,
        subject=subject,
        covariates=list(covariates),
        visit_covariates=list(visit_covariates),
        visits=visit_levels,
    )
    t = len(visit_levels)
    n = design.n_subjects
    if design.n_obs != n * t:
        raise ModelError("the imputation design could not be built on the complete grid")
    ids = list(design.subject_ids)
    keyed = grid.assign(_yv=y_num).set_index([subject, "_visit"])
    order = pd.MultiIndex.from_product([ids, visit_levels])
    y = keyed["_yv"].reindex(order).to_numpy(dtype=float).reshape(n, t)
    X = design.X.reshape(n, t, design.k)
    arm_i = design.arm.reshape(n, t)[:, 0].astype(np.int64)
    X_arm = _recode_arms(design, X)
    arms = design.arms
    ref = _reference(reference, arms, arm)
    ref_arm = np.array([arms.index(ref[a]) for a in arms], dtype=np.int64)[arm_i]
    ice, strategy, ev_table, notes = _events(
        events, ids, arms, arm_i, visit_levels, subject, visit, strategies, y
    )
    if post_event not in ("keep", "discard"):
        raise DataError("post_event must be 'keep' or 'discard'")
    if post_event == "discard":
        after = np.arange(t)[None, :] >= ice[:, None]
        n_set = int((after & ~np.isnan(y)).sum())
        y = np.where(after, np.nan, y)
        notes.append(f"{n_set} observed value(s) after an intercurrent event set to missing")
        ev_table["n_imputed"] = (
            t - ev_table["visit"].map({v: j for j, v in enumerate(visit_levels)})
        ).astype(np.int64)
    is_mar = (np.arange(t)[None, :] < ice[:, None]) | (strategy == "MAR")[:, None]
    an_X, an_cols = _analysis_rows(
        grid.assign(_visit=grid["_visit"]), ids, visit_levels, subject, arm_i, len(arms), cov_all
    )
    if unknown_visits:
        notes.append(
            f"{len(unknown_visits)} visit value(s) not analysed were ignored: "
            + ", ".join(unknown_visits[:5])
        )
    return Grid(
        subject_ids=tuple(ids),
        arms=arms,
        visits=tuple(visit_levels),
        arm=arm_i,
        ref_arm=ref_arm.astype(np.int64),
        y=y,
        X=X,
        X_arm=X_arm,
        columns=design.columns,
        ice=ice,
        strategy=strategy,
        is_mar=is_mar,
        analysis_X=an_X,
        analysis_columns=an_cols,
        design=design,
        events=ev_table,
        notes=tuple(notes),
        frame=grid.set_index([subject, "_visit"])
        .reindex(order)[[arm, *cov_all]]
        .rename_axis([subject, visit])
        .reset_index(),
        columns_in={
            "subject": subject,
            "arm": arm,
            "visit": visit,
            "control": str(control),
            "covariates": list(covariates),
            "visit_covariates": list(visit_covariates),
        },
        visit_labels=dict(visit_labels or {}),
    )


def _recode_arms(design: Design, X: np.ndarray) -> tuple[np.ndarray, ...]:
    """The design rows with every subject recoded to each arm in turn (``design.arms`` order).

    The arm columns (``arm<a>``) and the arm x visit columns (``arm<a>:visit<v>``, equal to
    the visit column ``visit<v>`` for arm ``a``) are rewritten; the other columns are kept.
    """
    index = {c: j for j, c in enumerate(design.columns)}
    a_name, v_name = design.arm_name, design.visit_name
    out = []
    for target in design.arms:
        Xa = X.copy()
        for b in design.arms[1:]:
            col = index.get(f"{a_name}{b}")
            if col is not None:
                Xa[..., col] = float(b == target)
            for v in design.visits[1:]:
                av = index.get(f"{a_name}{b}:{v_name}{v}")
                if av is not None:
                    Xa[..., av] = X[..., index[f"{v_name}{v}"]] if b == target else 0.0
        out.append(Xa)
    return tuple(out)


def _reference(reference: dict[str, str] | None, arms: tuple[str, ...], arm: str) -> dict[str, str]:
    """Reference arm of each arm; default (and for an arm not named): the control arm."""
    if reference is None:
        return {a: arms[0] for a in arms}
    ref = {str(k): str(v) for k, v in reference.items()}
    for k, v in ref.items():
        if k not in arms:
            raise DataError(
                f"reference given for arm '{k}', which is not an arm of column '{arm}' "
                f"({', '.join(arms)})"
            )
        if v not in arms:
            raise DataError(
                f"reference arm '{v}' (for arm '{k}') is not an arm of column '{arm}' "
                f"({', '.join(arms)})"
            )
    return {a: ref.get(a, arms[0]) for a in arms}


def _events(
    events: pd.DataFrame | None,
    ids: list[object],
    arms: tuple[str, ...],
    arm_i: np.ndarray,
    visit_levels: list[str],
    subject: str,
    visit: str,
    strategies: Sequence[str],
    y: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame, list[str]]:
    n, t = len(ids), len(visit_levels)
    ice = np.full(n, t, dtype=np.int64)
    strategy = np.full(n, "MAR", dtype=object)
    notes: list[str] = []
    cols = ["subject", "arm", "visit", "strategy", "n_imputed"]
    if events is None or len(events) == 0:
        return ice, strategy, pd.DataFrame(columns=cols), notes
    ev = events.copy()
    rename = {subject: "subject", visit: "visit"}
    ev = ev.rename(columns={k: v for k, v in rename.items() if v not in ev.columns})
    for col in ("subject", "visit", "strategy"):
        if col not in ev.columns:
            raise DataError(
                f"the events table needs a column '{col}' (columns: subject, visit, strategy)"
            )
    kind = ev["event"].astype(str) if "event" in ev.columns else pd.Series("event", ev.index)
    dup = pd.DataFrame({"s": ev["subject"].astype(str), "k": kind}).duplicated(keep=False)
    if dup.any():
        row = ev.loc[dup].iloc[0]
        what = f" '{kind[dup].iloc[0]}'" if "event" in ev.columns else ""
        raise DataError(
            f"subject {row['subject']} has more than one event{what} in the events table; "
            "give one row per subject and kind of event (the first visit affected)"
        )
    pos = {str(s): i for i, s in enumerate(ids)}
    vpos = {v: j for j, v in enumerate(visit_levels)}
    known = set(strategies)
    for r, row in enumerate(ev.itertuples(index=False)):
        s, v, strat = str(row.subject), str(row.visit), str(row.strategy)
        if s not in pos:
            raise DataError(f"events table row {r + 1}: subject {s} is not in the data")
        if v not in vpos:
            raise DataError(
                f"events table row {r + 1}: visit '{v}' of subject {s} is not a visit of the "
                f"analysis ({', '.join(visit_levels)})"
            )
        if strat not in known:
            raise DataError(
                f"events table row {r + 1}: unknown strategy '{strat}' for subject {s}; "
                f"choose one of {', '.join(sorted(known))}"
            )
        i, j = pos[s], vpos[v]
        if j < ice[i]:  # several kinds of event: the earliest decides
            if ice[i] < t:
                notes.append(f"subject {s} has several events; the earliest ({v}) is used")
            ice[i], strategy[i] = j, strat
    has = ice < t
    miss = np.isnan(y)
    post_missing = (miss & (np.arange(t)[None, :] >= ice[:, None])).sum(axis=1)
    lmcf_first = has & (strategy == "LMCF") & (ice == 0)
    if lmcf_first.any():
        s = ids[int(np.flatnonzero(lmcf_first)[0])]
        raise DataError(
            f"subject {s}: LMCF needs a value before the event, but the event affects the "
            "first visit"
        )
    table = pd.DataFrame(
        {
            "subject": [ids[i] for i in np.flatnonzero(has)],
            "arm": [arms[a] for a in arm_i[has]],
            "visit": [visit_levels[j] for j in ice[has]],
            "strategy": strategy[has].astype(str),
            "n_imputed": post_missing[has].astype(np.int64),
        },
        columns=cols,
    )
    return ice, strategy, table, notes


def _analysis_rows(
    grid: pd.DataFrame,
    ids: list[object],
    visit_levels: list[str],
    subject: str,
    arm_i: np.ndarray,
    n_arms: int,
    covariates: list[str],
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Per-visit ANCOVA rows ``[1, arm dummies (arms 1..k-1), covariates...]`` (factors
    dummy coded)."""
    keyed = grid.set_index([subject, "_visit"])
    n, t = len(ids), len(visit_levels)
    order = pd.MultiIndex.from_product([ids, visit_levels])
    cols: list[np.ndarray] = [np.ones((n, t))]
    names = ["(Intercept)"]
    for a in range(1, n_arms):
        cols.append(np.repeat((arm_i == a)[:, None], t, 1).astype(float))
        names.append("arm" if n_arms == 2 else f"arm{a}")
    for c in covariates:
        s = keyed[c].reindex(order)
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            cols.append(s.to_numpy(dtype=float).reshape(n, t))
            names.append(c)
        else:
            sv = s.astype(str).to_numpy().reshape(n, t)
            for lev in levels(s)[1:]:
                cols.append((sv == lev).astype(float))
                names.append(f"{c}{lev}")
    X = np.stack(cols, axis=-1)  # (n, t, p)
    return np.ascontiguousarray(X.transpose(1, 0, 2)), tuple(names)
