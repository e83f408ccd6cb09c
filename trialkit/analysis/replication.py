"""Replication check: published between-group results next to trialkit's estimates.

For each published outcome x visit the table gives the published difference, CI and p, the
MMRM estimate, CI and p, and their differences. A row *agrees* when

* the difference is within ``tolerance`` published standard errors (the published SE is
  recovered from its 95% CI as ``(upper - lower) / (2 z_0.975)``; without a CI, within
  ``tolerance`` x |published difference|), and
* both p-values fall on the same side of alpha, and where the paper reported an upper
  bound (``p_bound = "<"``) the estimate's p-value is below that bound.

Validated against: hand computation on the sample trial's published figures
(tests/test_analysis_runner.py).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from trialkit.models.mmrm import MMRMResult
from trialkit.plan.schema import Plan

DEFAULT_TOLERANCE = 0.5


def replication_table(
    plan: Plan,
    fits: Mapping[str, MMRMResult | None],
    tolerance: float = DEFAULT_TOLERANCE,
) -> pd.DataFrame:
    """One row per published figure; ``agrees`` flags each (see module docstring)."""
    from scipy.special import ndtri  # scipy.stats (~0.5 s to import) is not needed

    z = float(ndtri(0.975))
    alpha = plan.analysis.alpha
    rows = []
    for pub in plan.published:
        fit = fits.get(pub.outcome)
        row: dict[str, object] = {
            "outcome": pub.outcome,
            "visit": pub.visit,
            "published_estimate": pub.difference,
            "published_ci_lower": pub.ci[0] if pub.ci else np.nan,
            "published_ci_upper": pub.ci[1] if pub.ci else np.nan,
            "published_p_value": pub.p if pub.p is not None else np.nan,
            "published_p_bound": pub.p_bound,
        }
        est = fit.differences.set_index("visit") if fit is not None else None
        if est is None or pub.visit not in est.index:
            row.update(
                estimate=np.nan,
                ci_lower=np.nan,
                ci_upper=np.nan,
                p_value=np.nan,
                difference=np.nan,
                scale=np.nan,
                agrees=False,
                reason="no estimate (model not fitted or visit not analysed)",
            )
            rows.append(row)
            continue
        e = est.loc[pub.visit]
        scale = (pub.ci[1] - pub.ci[0]) / (2 * z) if pub.ci else abs(pub.difference)
        diff = float(e["estimate"]) - pub.difference
        close = abs(diff) <= tolerance * scale
        same_side = True
        if pub.p is not None:
            same_side = (float(e["p_value"]) < alpha) == (pub.p < alpha)
            if pub.p_bound == "<":
                same_side = same_side and float(e["p_value"]) < pub.p
        reasons = []
        if not close:
            reasons.append(f"difference off by more than {tolerance:g} published SE")
        if not same_side:
            reasons.append("p-value disagrees (side of alpha or reported bound)")
        row.update(
            estimate=float(e["estimate"]),
            ci_lower=float(e["ci_lower"]),
            ci_upper=float(e["ci_upper"]),
            p_value=float(e["p_value"]),
            difference=diff,
            scale=scale,
            agrees=bool(close and same_side),
            reason="; ".join(reasons),
        )
        rows.append(row)
    return pd.DataFrame(rows)
