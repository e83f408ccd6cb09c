r"""Degenerate fits are errors, never numbers: the checks every model runs before it reports.

A linear model fitted to data that cannot identify it still returns numbers: a constant
outcome gives a treatment difference of :math:`10^{-15}` with a "significant" p-value, and
one subject per arm gives a zero residual variance. These checks turn such fits into a
:class:`~trialkit.errors.ModelError` with a plain reason:

* a visit at which an arm has no observed outcome cannot be estimated
  (:func:`estimable_visits` reports it, and the models analyse the other visits);
* each arm needs at least :data:`MIN_PER_ARM` subjects with data, and no covariate may be
  all missing, constant, a copy of another or fixed by the arm (:func:`check_inputs`, on
  the data; :func:`check_sample`, on the rows a design used);
* the design needs more observations than coefficients (:func:`check_sample`);
* the outcome must vary, and the model must not reproduce it exactly
  (:func:`check_residuals`): the residual standard deviation
  :math:`\sqrt{\mathrm{RSS}/n}` of the ordinary least-squares fit must exceed
  :data:`REL_TOL` times the outcome's scale :math:`\max(\mathrm{sd}(y), \max|y|)`.
  Rank deficiency is caught when the design is built (``models.design``).

Validated against: the definitions above (tests/test_degenerate_fits.py builds each case).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from trialkit.core.errors import ModelError
from trialkit.data.codes import level_codes
from trialkit.models.accounting import SampleAccounting, visit_name

#: Fewest subjects with data an arm needs for a between-arm comparison with a variance.
MIN_PER_ARM = 2
#: Residual SD at or below this fraction of the outcome's scale is an exact fit.
REL_TOL = 1e-8


def estimable_visits(
    data: pd.DataFrame,
    *,
    outcome: str,
    arm: str,
    visit: str,
    visits: Sequence[str],
    labels: Mapping[str, str] | None = None,
    visit_labels: Mapping[str, str] | None = None,
) -> tuple[list[str], dict[str, str]]:
    """Split ``visits`` into those where both arms have an observed outcome and the rest.

    The reasons name the outcome by ``labels`` (column -> display name) and each visit by
    ``visit_labels`` (visit value -> display name); by default the column name and
    ``"{visit} {value}"``.

    Returns
    -------
    (estimable, not_estimable)
        The estimable visits in order, and ``{visit: reason}`` for the others.

    Raises
    ------
    ModelError
        No visit is estimable (the reason names the first visit's problem).
    """
    missing = [c for c in dict.fromkeys((outcome, arm, visit)) if c not in data.columns]
    if missing:
        raise ModelError(f"column(s) {', '.join(missing)} not found in the data")
    observed = pd.to_numeric(data[outcome], errors="coerce").notna().to_numpy()
    arm_uniques = pd.unique(data[arm].dropna())
    arms = sorted({str(a) for a in arm_uniques})
    apos = level_codes(data[arm], arms)
    shown = [str(x) for x in visits]
    vpos = level_codes(data[visit], shown)
    ok = observed & (apos >= 0) & (vpos >= 0)
    counts = np.bincount(vpos[ok] * len(arms) + apos[ok], minlength=len(shown) * len(arms)).reshape(
        len(shown), len(arms)
    )
    estimable: list[str] = []
    not_estimable: dict[str, str] = {}
    empty_arm: dict[str, str] = {}  # visit -> the one arm without data
    label = (labels or {}).get(outcome, outcome)
    for i, v in enumerate(shown):
        empty = [a for j, a in enumerate(arms) if counts[i, j] == 0]
        at = visit_name(visit, v, visit_labels)
        if len(empty) == len(arms):
            not_estimable[v] = f"no observed {label} at {at}"
        elif empty:
            empty_arm[v] = empty[0]
            not_estimable[v] = f"no observed {label} in arm {empty[0]} at {at}"
        else:
            estimable.append(v)
    if not estimable:
        reasons = list(not_estimable.values())
        lone = set(empty_arm.values())
        if len(reasons) > 1 and len(empty_arm) == len(reasons) and len(lone) == 1:
            raise ModelError(f"no observed {label} in arm {lone.pop()} at any analysed visit")
        if len(reasons) == 1:
            raise ModelError(reasons[0])
        raise ModelError(f"no visit can be estimated ({'; '.join(reasons)})")
    return estimable, not_estimable


def check_inputs(
    data: pd.DataFrame,
    *,
    outcome: str,
    arm: str,
    subject: str,
    visit: str,
    visits: Sequence[str],
    covariates: Sequence[str] = (),
    labels: Mapping[str, str] | None = None,
) -> None:
    """Checks on the rows with an observed outcome at ``visits``, before a design is built.

    Each arm has :data:`MIN_PER_ARM` subjects; the outcome varies; no covariate is missing
    on every row, constant, a copy of another covariate, or fixed by the arm. (The rank
    check of the design would catch the last four, but could only name design columns.)
    The messages name the outcome and covariates by ``labels`` (default: the column names).
    """
    name = dict(labels or {})
    label = name.get(outcome, outcome)
    covariates = list(dict.fromkeys(c for c in covariates if c in data.columns))
    needed = [c for c in (outcome, arm, subject, visit) if c not in data.columns]
    if needed:
        return  # the design names the missing columns
    y_all = pd.to_numeric(data[outcome], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    in_visits = level_codes(data[visit], [str(v) for v in visits]) >= 0
    sel = np.flatnonzero(in_visits & data[arm].notna().to_numpy() & ~np.isnan(y_all))
    y = y_all[sel]
    arm_col = data[arm].iloc[sel]
    arm_names = sorted({str(a) for a in pd.unique(arm_col)})
    acode = level_codes(arm_col, arm_names)
    scode, _ = pd.factorize(data[subject].iloc[sel])  # -1: no subject id (not counted)
    known = scode >= 0
    width = int(scode.max(initial=0)) + 1
    pairs = np.unique(acode[known].astype(np.int64) * width + scode[known])  # arm x subject
    per_arm = np.bincount(pairs // width, minlength=len(arm_names))
    for a, n in zip(arm_names, per_arm, strict=True):
        if n < MIN_PER_ARM:
            raise ModelError(_too_few(str(a), int(n), label))
    if y.size and np.ptp(y) == 0:
        raise ModelError(_constant(label, y[0]))
    for c in covariates:
        _check_covariate(data[c].iloc[sel], acode, name.get(c, c), label)
    rows = data.iloc[sel] if len(covariates) > 1 else data.iloc[:0]
    for i, c in enumerate(covariates):
        for other in covariates[:i]:
            if rows[c].equals(rows[other]):
                raise ModelError(
                    f"covariates {name.get(other, other)} and {name.get(c, c)} hold the same "
                    "values; adjust for one of them"
                )


def _check_covariate(col: pd.Series, acode: np.ndarray, shown: str, label: str) -> None:
    """A covariate on the analysed rows (``acode``: each row's arm) is neither missing
    everywhere, constant, nor fixed by the arm."""
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        v = col.to_numpy(dtype=float, na_value=np.nan)
        ok = ~np.isnan(v)
        value = v[ok][0] if ok.any() else None
        one_value = bool(ok.any()) and np.ptp(v[ok]) == 0
        by_arm = [np.ptp(v[ok & (acode == j)]) for j in np.unique(acode[ok])]
        per_arm_one = bool(by_arm) and max(by_arm) == 0
    else:
        present = col.dropna()
        ok = col.notna().to_numpy()
        value = present.iloc[0] if ok.any() else None
        one_value = present.nunique() == 1
        per_arm_one = bool(ok.any()) and present.groupby(acode[ok]).nunique().max() == 1
    if not ok.any():
        raise ModelError(f"covariate {shown} is missing for every subject with an observed {label}")
    if one_value:
        if isinstance(value, float) and value.is_integer() and pd.api.types.is_integer_dtype(col):
            value = int(value)
        raise ModelError(
            f"covariate {shown} has the same value ({value}) for every subject "
            "analysed, so it cannot be adjusted for"
        )
    if per_arm_one:
        raise ModelError(
            f"covariate {shown} has one value per arm, so it duplicates the arm and cannot be "
            "adjusted for"
        )


def _too_few(arm: str, n: int, outcome: str) -> str:
    return (
        f"arm {arm} has {n} subject{'s' if n != 1 else ''} with an observed {outcome}; "
        f"a comparison needs at least {MIN_PER_ARM} per arm"
    )


def _constant(outcome: str, value: float) -> str:
    return (
        f"{outcome} is constant (every analysed value is {value:g}); there is no variation "
        "to compare between the arms"
    )


def check_sample(sample: SampleAccounting, outcome: str, n_obs: int, k: int) -> None:
    """Each arm has :data:`MIN_PER_ARM` subjects with data; observations exceed coefficients."""
    for a, n in sample.n_subjects.items():
        if n < MIN_PER_ARM:
            raise ModelError(_too_few(a, n, outcome))
    if n_obs <= k:
        raise ModelError(
            f"{n_obs} observation{'s' if n_obs != 1 else ''} of {outcome} cannot estimate "
            f"{k} coefficients and a residual variance; fewer covariates or more data needed"
        )


def check_residuals(y: np.ndarray, X: np.ndarray, outcome: str) -> None:
    """Raise when ``y`` is constant or the OLS fit of ``y`` on ``X`` reproduces it exactly."""
    y = np.asarray(y, dtype=float)
    scale = max(float(np.std(y)), float(np.max(np.abs(y))) if y.size else 0.0)
    if y.size == 0 or np.ptp(y) <= REL_TOL * scale or scale == 0.0:
        raise ModelError(_constant(outcome, y[0] if y.size else float("nan")))
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid_sd = float(np.sqrt(np.mean((y - X @ beta) ** 2)))
    if resid_sd <= REL_TOL * scale:
        raise ModelError(
            f"the model reproduces {outcome} exactly (its residual variance is zero relative "
            f"to the outcome's scale): {outcome} is a deterministic function of arm, visit and "
            "the covariates, so no standard error can be estimated"
        )
