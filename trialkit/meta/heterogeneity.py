"""Heterogeneity: Cochran's Q, I^2, H^2 and the Q-profile confidence interval for tau^2."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.stats import chi2

from trialkit.meta.pooling import projection

__all__ = ["Heterogeneity", "heterogeneity", "typical_variance", "i2_h2", "q_profile_ci"]


@dataclass(frozen=True)
class Heterogeneity:
    """Cochran's Q with its df and p, I^2 (percent), H^2 and Q-profile intervals."""

    q: float
    q_df: int
    q_p_value: float
    i2: float
    h2: float
    tau2_ci_lower: float
    tau2_ci_upper: float
    i2_ci_lower: float
    i2_ci_upper: float
    h2_ci_lower: float
    h2_ci_upper: float


def typical_variance(vi: np.ndarray, X: np.ndarray) -> float:
    """Higgins & Thompson's typical within-study variance ``(k - p) / tr(P0)``.

    For ``X = 1`` this is ``(k-1) sum(w) / ((sum w)^2 - sum(w^2))`` with ``w = 1/vi``.
    """
    k, p = X.shape
    return (k - p) / projection(np.zeros(k), vi, 0.0, X).trace


def i2_h2(tau2: np.ndarray | float, vt: float) -> tuple[np.ndarray, np.ndarray]:
    """``I^2 = 100 tau2 / (tau2 + vt)`` and ``H^2 = (tau2 + vt) / vt`` (metafor's convention)."""
    tau2 = np.asarray(tau2, dtype=float)
    return 100 * tau2 / (tau2 + vt), (tau2 + vt) / vt


def q_profile_ci(
    yi: np.ndarray, vi: np.ndarray, X: np.ndarray, level: float = 0.95
) -> tuple[float, float]:
    """Q-profile confidence interval for tau^2 (Viechtbauer 2007).

    The bounds solve ``Q(tau2) = chi2_{k-p; 1-alpha/2}`` (lower) and
    ``Q(tau2) = chi2_{k-p; alpha/2}`` (upper), where ``Q(tau2) = y'P(tau2)y`` is the
    generalised Q statistic; a bound is 0 when ``Q(0)`` is already below its critical value.

    Validated against metafor 3.8-1 ``confint.rma.uni`` (tests/reference/metafor).
    """
    k, p = X.shape
    df = k - p
    if df < 1:
        return float("nan"), float("nan")

    def q_at(t2: float) -> float:
        return projection(yi, vi, t2, X).ypy

    alpha = 1 - level
    q0 = q_at(0.0)

    def solve(crit: float) -> float:
        if q0 <= crit:
            return 0.0
        upper = max(1.0, 10 * float(np.var(yi)))
        while q_at(upper) > crit:
            upper *= 10
        return float(
            brentq(lambda t2: q_at(t2) - crit, 0.0, upper, xtol=1e-12, rtol=1e-14, maxiter=1000)
        )

    return solve(chi2.ppf(1 - alpha / 2, df)), solve(chi2.ppf(alpha / 2, df))


def heterogeneity(
    yi: np.ndarray, vi: np.ndarray, tau2: float, method: str, level: float = 0.95
) -> Heterogeneity:
    """Heterogeneity statistics of an intercept-only model, as metafor reports them.

    ``Q = sum w_i (y_i - mu_FE)^2`` with ``w = 1/vi`` on ``k - 1`` df. For the fixed-effect
    model ``I^2 = max(0, 100 (Q - df)/Q)`` and ``H^2 = Q/df`` (Higgins & Thompson 2002); for
    random-effects models ``I^2`` and ``H^2`` come from tau^2 and the typical within-study
    variance (``i2_h2``), as metafor prints them and as Cochrane adopted for RevMan in 2024.
    The CIs for I^2 and H^2 plug the Q-profile bounds of tau^2 into the same formulas
    (metafor ``confint``).

    Validated against metafor 3.8-1 ``rma`` and ``confint`` (tests/reference/metafor).
    """
    X = np.ones((yi.size, 1))
    k = yi.size
    q = projection(yi, vi, 0.0, X).ypy if k > 1 else 0.0
    df = k - 1
    q_p = float(chi2.sf(q, df)) if df > 0 else float("nan")
    if df < 1:
        nan = float("nan")
        return Heterogeneity(q, df, q_p, nan, nan, nan, nan, nan, nan, nan, nan)
    vt = typical_variance(vi, X)
    if method == "FE":
        i2 = max(0.0, 100 * (q - df) / q) if q > 0 else 0.0
        h2 = q / df
    else:
        i2_arr, h2_arr = i2_h2(tau2, vt)
        i2, h2 = float(i2_arr), float(h2_arr)
    lo, hi = q_profile_ci(yi, vi, X, level)
    (i2_lo, i2_hi), (h2_lo, h2_hi) = i2_h2(np.array([lo, hi]), vt)
    return Heterogeneity(
        q=q,
        q_df=df,
        q_p_value=q_p,
        i2=i2,
        h2=h2,
        tau2_ci_lower=lo,
        tau2_ci_upper=hi,
        i2_ci_lower=float(i2_lo),
        i2_ci_upper=float(i2_hi),
        h2_ci_lower=float(h2_lo),
        h2_ci_upper=float(h2_hi),
    )
