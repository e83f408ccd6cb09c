r"""Delta adjustment: shift imputed values to explore departures from the imputation model.

After imputation and before analysis, :math:`\delta_{iv}` is added to every *imputed* value
of subject :math:`i` at visit :math:`v` (observed values are never changed). :math:`\delta`
is given as

* a DataFrame with columns ``subject, visit, delta`` (the data's own subject/visit column
  names are accepted too); subject x visit pairs not listed get 0; or
* a function of the template (:func:`delta_template`: one row per subject x visit with
  ``subject, visit, arm, is_missing, is_post_ice, is_mar, strategy``) returning one
  :math:`\delta` per row. :func:`delta_shift` and :func:`delta_increment` build the two usual
  ones.

Validated against: rbmi 1.6 ``delta_template`` / ``d_lagscale`` / ``apply_delta`` on
fev_data (tests/test_imputation_delta.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from trialkit.errors import DataError
from trialkit.imputation.grid import Grid

DeltaSpec = pd.DataFrame | Callable[[pd.DataFrame], Sequence[float] | np.ndarray] | None


def delta_template(grid: Grid) -> pd.DataFrame:
    """One row per subject x visit (subject-major, visits in order) describing each value."""
    n, t = grid.n, grid.t
    strat = np.where(grid.is_mar, "MAR", np.repeat(grid.strategy[:, None], t, 1)).astype(object)
    return pd.DataFrame(
        {
            "subject": np.repeat(np.asarray(grid.subject_ids, dtype=object), t),
            "visit": np.tile(np.asarray(grid.visits, dtype=object), n),
            "arm": np.repeat(np.asarray(grid.arms, dtype=object)[grid.arm], t),
            "is_missing": grid.missing.ravel(),
            "is_post_ice": grid.is_post_ice.ravel(),
            "is_mar": grid.is_mar.ravel(),
            "strategy": strat.ravel(),
        }
    )


def delta_shift(
    value: float,
    arms: Sequence[str] | None = None,
    visits: Sequence[str] | None = None,
    post_ice_only: bool = False,
) -> Callable[[pd.DataFrame], np.ndarray]:
    """A fixed shift ``value`` on the imputed values of ``arms`` (default all) at ``visits``
    (default all); with ``post_ice_only`` only on values after an intercurrent event."""

    def f(tmpl: pd.DataFrame) -> np.ndarray:
        keep = np.ones(len(tmpl), dtype=bool)
        if arms is not None:
            keep &= tmpl["arm"].astype(str).isin([str(a) for a in arms]).to_numpy()
        if visits is not None:
            keep &= tmpl["visit"].astype(str).isin([str(v) for v in visits]).to_numpy()
        if post_ice_only:
            keep &= tmpl["is_post_ice"].to_numpy(dtype=bool)
        return np.where(keep, float(value), 0.0)

    return f


def delta_increment(
    delta: Sequence[float], lag: Sequence[float] | None = None, arms: Sequence[str] | None = None
) -> Callable[[pd.DataFrame], np.ndarray]:
    r"""An increment per visit after the event, accumulated (rbmi ``delta_template(delta,
    dlag)``): at the :math:`j`-th visit from the event (:math:`j = 1, 2, ...`), visit
    :math:`v_j`,

    .. math:: \delta_{i v_j} = \sum_{l=1}^{j} \mathrm{lag}_l\, \delta_{v_l}

    ``delta`` and ``lag`` have one value per visit; ``lag`` defaults to all ones. Values
    before the event get 0.
    """
    d = np.asarray(delta, dtype=float)
    g = np.ones_like(d) if lag is None else np.asarray(lag, dtype=float)
    if d.shape != g.shape:
        raise DataError("delta and lag need one value per visit each")

    def f(tmpl: pd.DataFrame) -> np.ndarray:
        n_vis = tmpl["visit"].nunique()
        if d.size != n_vis:
            raise DataError(f"delta_increment needs {n_vis} values (one per visit), got {d.size}")
        post = tmpl["is_post_ice"].to_numpy(dtype=bool).reshape(-1, n_vis)
        k = np.cumsum(post, axis=1)  # 1 at the first post-event visit
        lagk = np.where(post, g[np.clip(k - 1, 0, n_vis - 1)], 0.0)
        out = np.cumsum(lagk * np.where(post, d[None, :], 0.0), axis=1)
        if arms is not None:
            keep = tmpl["arm"].astype(str).isin([str(a) for a in arms]).to_numpy()
            out = np.where(keep.reshape(-1, n_vis), out, 0.0)
        return out.ravel()

    return f


def resolve_delta(delta: DeltaSpec, grid: Grid, subject: str, visit: str) -> np.ndarray | None:
    """The ``(n, t)`` array of shifts for the imputed values (0 elsewhere), or ``None``."""
    if delta is None:
        return None
    tmpl = delta_template(grid)
    if callable(delta):
        vals = np.asarray(delta(tmpl), dtype=float)
        if vals.shape != (len(tmpl),):
            raise DataError(
                f"the delta function returned {vals.size} values; it must return one per "
                f"subject x visit ({len(tmpl)})"
            )
    else:
        d = delta.rename(columns={subject: "subject", visit: "visit"})
        for col in ("subject", "visit", "delta"):
            if col not in d.columns:
                raise DataError(f"the delta table needs a column '{col}'")
        if d.duplicated(["subject", "visit"]).any():
            row = d[d.duplicated(["subject", "visit"])].iloc[0]
            raise DataError(
                f"the delta table has more than one row for subject {row['subject']} at "
                f"visit {row['visit']}"
            )
        key = pd.MultiIndex.from_arrays([d["subject"].astype(str), d["visit"].astype(str)])
        s = pd.Series(pd.to_numeric(d["delta"], errors="coerce").to_numpy(), index=key)
        want = pd.MultiIndex.from_arrays([tmpl["subject"].astype(str), tmpl["visit"].astype(str)])
        vals = s.reindex(want).fillna(0.0).to_numpy(dtype=float)
    if not np.all(np.isfinite(vals)):
        raise DataError("delta values must be finite numbers")
    return vals.reshape(grid.n, grid.t) * grid.missing
