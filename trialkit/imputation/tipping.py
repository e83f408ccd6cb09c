r"""Tipping-point analysis: how large a shift of the imputed values overturns the conclusion.

For each :math:`\delta` on the grid, :math:`\delta` is added to the imputed values of one arm
(by default the treatment arm of the comparison tested, as is conventional: a less favourable
outcome for treated subjects who are missing) and the pooled difference of that comparison
(``a - b``; with more than two arms, the first comparison unless told) at ``visit`` is
recomputed.
Imputation is done once; only the analysis and pooling are repeated, so the p-value is a
smooth function of :math:`\delta` (the same random draws for every :math:`\delta`). Where
:math:`p(\delta) - \alpha` changes sign between adjacent grid points, the tipping point is
found by Brent's method (:func:`scipy.optimize.brentq`).

Validated against: rbmi 1.6 with ``delta`` (``apply_delta``) at several shifts on fev_data
(tests/test_imputation_delta.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.optimize

from trialkit.core.results import STAT_COLUMNS
from trialkit.errors import DataError
from trialkit.imputation.api import make_result, parse_arguments, pooled_arrays, prepare
from trialkit.imputation.delta import delta_shift, resolve_delta
from trialkit.imputation.results import TippingPointResult


def tipping_point(
    data: pd.DataFrame,
    *,
    deltas: Sequence[float] | np.ndarray,
    delta_arm: str = "treatment",
    target_visit: str | None = None,
    comparison: str | None = None,
    post_ice_only: bool = False,
    **arguments: Any,
) -> TippingPointResult:
    """Treatment difference over a grid of shifts, and the shift at which p crosses ``alpha``.

    Takes the arguments of :func:`trialkit.impute_and_analyse` (except ``delta``: the
    column roles, ``events``, ``reference``, ``spec`` and its options, ``n_jobs``,
    ``scheduler``, ``progress``) plus:

    Parameters
    ----------
    deltas
        The grid of shifts (at least one value).
    delta_arm
        ``treatment`` (default: arm ``a`` of the comparison ``a - b``), ``control`` (arm
        ``b``), ``both`` (every arm), or an arm name: whose imputed values are shifted.
    target_visit
        The visit whose difference is tested (default: the last visit).
    comparison
        The comparison tested, a label ``"a - b"`` of the result's differences (default:
        the first; set which are formed with ``comparisons=``).
    post_ice_only
        Shift only values after an intercurrent event (default: every imputed value).
    """
    grid_vals = np.asarray(deltas, dtype=float).ravel()
    if grid_vals.size == 0:
        raise DataError("the delta grid is empty; give at least one delta value")
    if not np.all(np.isfinite(grid_vals)):
        raise DataError("the delta grid holds values that are not finite numbers")
    if "delta" in arguments:
        raise DataError("tipping_point sets delta itself; pass the grid as deltas=")
    request, spec, run = parse_arguments(**arguments)
    prep = prepare(data, request, spec, run)
    alpha, analysis = spec.alpha, spec.analysis
    g = prep.grid
    labels = prep.labels
    label = labels[0] if comparison is None else str(comparison)
    if label not in labels:
        raise DataError(f"comparison '{label}' is not one of the comparisons ({', '.join(labels)})")
    ci = labels.index(label)
    pa, pb = prep.pairs[ci]
    arms = {"treatment": [g.arms[pa]], "control": [g.arms[pb]], "both": list(g.arms)}.get(delta_arm)
    if arms is None:
        if delta_arm not in g.arms:
            raise DataError(
                f"delta_arm '{delta_arm}' is not treatment, control, both or an arm "
                f"({', '.join(g.arms)})"
            )
        arms = [delta_arm]
    vis = g.visits[-1] if target_visit is None else str(target_visit)
    if vis not in g.visits:
        raise DataError(f"target visit '{vis}' is not a visit of the analysis")
    vi = g.visits.index(vis)
    unit = resolve_delta(
        delta_shift(1.0, arms=arms, post_ice_only=post_ice_only),
        g,
        request.subject,
        request.visit,
    )

    def row(d: float) -> dict[str, float]:
        pooled = pooled_arrays(prep, d * unit, alpha, analysis)
        return dict(zip(STAT_COLUMNS, (float(a[vi, ci]) for a in pooled), strict=True))

    rows = [row(d) for d in grid_vals]
    table = pd.DataFrame({"delta": grid_vals, **{c: [r[c] for r in rows] for c in STAT_COLUMNS}})
    table["significant"] = table["p_value"] < alpha
    points = []
    order = np.argsort(grid_vals, kind="stable")
    for a, b in zip(order[:-1], order[1:], strict=True):
        fa = table.loc[a, "p_value"] - alpha
        fb = table.loc[b, "p_value"] - alpha
        if fa == 0:
            points.append(float(grid_vals[a]))
        elif np.sign(fa) != np.sign(fb) and grid_vals[a] != grid_vals[b]:
            points.append(
                float(
                    scipy.optimize.brentq(
                        lambda d: row(d)["p_value"] - alpha,
                        grid_vals[a],
                        grid_vals[b],
                        xtol=1e-10,
                    )
                )
            )
    base = make_result(prep, None, alpha, request.outcome, analysis)
    return TippingPointResult(
        outcome=request.outcome,
        visit=vis,
        alpha=alpha,
        delta_arm=delta_arm,
        method=base.label,
        tipping_points=tuple(points),
        table=table,
        base=base,
        comparison=label,
    )
