"""Replication check: published results next to trialkit's estimates.

Each ``[[published]]`` entry names an outcome, a visit, the model (MMRM or ANCOVA), the
comparison (``"a - b"``; by default the only comparison of a two-arm trial) and the quantity:
a between-group ``difference`` (with CI and p) or the dose-response ``trend`` p-value. A row
*agrees* when

* the difference is within ``tolerance`` published standard errors (the published SE is
  recovered from its 95% CI as ``(upper - lower) / (2 z_0.975)``; without a CI, within
  ``tolerance`` x |published difference|) -- or, when the entry gives the decimals printed
  (``digits``), trialkit's difference and CI rounded half up to them print the published
  values exactly; and
* both p-values fall on the same side of alpha, and where the paper reported an upper
  bound (``p_bound = "<"``) the estimate's p-value is below that bound -- or, with
  ``p_digits`` and an exact p, trialkit's p rounded to them prints the published p.

Validated against: hand computation on the sample trial's published figures
(tests/test_analysis_runner.py) and the CDISC pilot's Table 14-3.01 as printed
(tests/test_replication_published.py, tests/reference/adam_pilot/published.json).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from trialkit.models.ancova import AncovaResult
from trialkit.models.mmrm import MMRMResult
from trialkit.plan.schema import Plan, Published

DEFAULT_TOLERANCE = 0.5

Fit = MMRMResult | AncovaResult


def printed(value: float, digits: int) -> str:
    """``value`` as a table prints it with ``digits`` decimals (rounded half up)."""
    quantum = Decimal(1).scaleb(-digits)
    return str(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))


def extended(plan: Plan) -> bool:
    """Whether the entries need the ``model, comparison, quantity`` columns (any entry that
    is not the MMRM difference of a two-arm trial's only comparison)."""
    return any(
        p.model != "mmrm" or p.quantity != "difference" or p.comparison is not None
        for p in plan.published
    )


def replication_table(
    plan: Plan,
    fits: Mapping[str, MMRMResult | None],
    tolerance: float = DEFAULT_TOLERANCE,
    ancova_fits: Mapping[str, AncovaResult | None] | None = None,
) -> pd.DataFrame:
    """One row per published figure; ``agrees`` flags each (see module docstring).

    ``fits`` are the MMRM fits by outcome name, ``ancova_fits`` the ANCOVA fits. The
    columns ``model, comparison, quantity`` follow ``visit``, and ``published_digits,
    published_p_digits`` (the decimals printed, -1 when not given) follow
    ``published_p_bound``, when :func:`extended`.
    """
    from scipy.special import ndtri  # scipy.stats (~0.5 s to import) is not needed

    z = float(ndtri(0.975))
    models: dict[str, Mapping[str, Fit | None]] = {"mmrm": fits, "ancova": ancova_fits or {}}
    wide = extended(plan)
    rows = []
    for pub in plan.published:
        row: dict[str, object] = {"outcome": pub.outcome, "visit": pub.visit}
        if wide:
            row.update(model=pub.model, comparison=pub.comparison or "", quantity=pub.quantity)
        row.update(
            published_estimate=pub.difference if pub.difference is not None else np.nan,
            published_ci_lower=pub.ci[0] if pub.ci else np.nan,
            published_ci_upper=pub.ci[1] if pub.ci else np.nan,
            published_p_value=pub.p if pub.p is not None else np.nan,
            published_p_bound=pub.p_bound,
        )
        if wide:  # the decimals printed (-1: not given)
            row.update(
                published_digits=-1 if pub.digits is None else pub.digits,
                published_p_digits=-1 if pub.p_digits is None else pub.p_digits,
            )
        found = _estimate(pub, models[pub.model].get(pub.outcome))
        if isinstance(found, str):
            row.update(
                estimate=np.nan,
                ci_lower=np.nan,
                ci_upper=np.nan,
                p_value=np.nan,
                difference=np.nan,
                scale=np.nan,
                agrees=False,
                reason=found,
            )
        else:
            if wide:
                row["comparison"] = pub.comparison or str(found.get("comparison", ""))
            row.update(_compare(pub, found, plan.analysis.alpha, tolerance, z))
        rows.append(row)
    return pd.DataFrame(rows)


def _estimate(pub: Published, fit: Fit | None) -> pd.Series | str:
    """The fitted row the entry is compared with, or the reason there is none."""
    none = f"no estimate ({pub.model.upper()} not fitted or visit not analysed)"
    if fit is None:
        return none
    if pub.quantity == "trend":
        trend = fit.trend
        rows = trend[trend["visit"] == pub.visit] if trend is not None else None
        if rows is None or rows.empty:
            return f"no estimate (no dose-response trend of the {pub.model.upper()} at this visit)"
        return rows.iloc[0]
    diffs = fit.differences
    rows = diffs[diffs["visit"] == pub.visit]
    if rows.empty:
        return none
    labels = list(rows["comparison"]) if "comparison" in rows else [""]
    if pub.comparison is None:
        if len(labels) > 1:
            return (
                "no estimate (the trial has several comparisons; name one: "
                + "; ".join(labels)
                + ")"
            )
        return rows.iloc[0]
    if pub.comparison not in labels:
        return f"no estimate (comparison not estimated; the model has: {'; '.join(labels)})"
    return rows[rows["comparison"] == pub.comparison].iloc[0]


def _compare(
    pub: Published, e: pd.Series, alpha: float, tolerance: float, z: float
) -> dict[str, object]:
    """The estimate's columns and whether it agrees with the published figure."""
    p_est = float(e["p_value"])
    reasons = []
    diff = scale = np.nan
    if pub.quantity == "difference" and pub.difference is not None:
        diff = float(e["estimate"]) - pub.difference
        scale = (pub.ci[1] - pub.ci[0]) / (2 * z) if pub.ci else abs(pub.difference)
        if pub.digits is not None:
            want = [pub.difference, *(pub.ci or ())]
            got = [float(e["estimate"]), *((e["ci_lower"], e["ci_upper"]) if pub.ci else ())]
            if [printed(v, pub.digits) for v in got] != [printed(v, pub.digits) for v in want]:
                reasons.append(f"difference or CI prints differently at {pub.digits} decimals")
        elif not abs(diff) <= tolerance * scale:
            reasons.append(f"difference off by more than {tolerance:g} published SE")
    if pub.p is not None:
        if pub.p_digits is not None and pub.p_bound == "=":
            if printed(p_est, pub.p_digits) != printed(pub.p, pub.p_digits):
                reasons.append(f"p-value prints differently at {pub.p_digits} decimals")
        else:
            same_side = (p_est < alpha) == (pub.p < alpha)
            if pub.p_bound == "<":
                same_side = same_side and p_est < pub.p
            if not same_side:
                reasons.append("p-value disagrees (side of alpha or reported bound)")
    return {
        "estimate": float(e["estimate"]),
        "ci_lower": float(e["ci_lower"]),
        "ci_upper": float(e["ci_upper"]),
        "p_value": p_est,
        "difference": diff,
        "scale": scale,
        "agrees": not reasons,
        "reason": "; ".join(reasons),
    }
