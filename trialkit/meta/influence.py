"""Leave-one-out refits and influence diagnostics (metafor ``leave1out``, ``influence``).

The k refits of the intercept-only model are computed together: for a block of left-out
studies the weights form a ``(block, k)`` array with a zero at the left-out study, and the
estimators (DL's closed form, REML's Fisher scoring with step halving, started at the HE
estimate) run on all rows at once, each row following the same steps as a single fit. A
block holds about two million weights, so memory stays ``O(k)`` and time ``O(k^2)`` in a
few vectorised passes. Paule-Mandel needs a root per row and refits each row with
:func:`~trialkit.meta.pooling.fit_rma`, whose cost is ``O(k)`` per evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm
from scipy.stats import t as t_dist

from trialkit.core.errors import ModelError
from trialkit.meta.pooling import _MAXITER, _TOL, fit_rma

__all__ = ["leave_one_out", "influence_diagnostics", "loo_fits", "LooFits", "OUTLIER_Z"]

#: |studentised deleted residual| above this flags a study as an outlier (two-sided 5%).
OUTLIER_Z = float(norm.ppf(0.975))

_BLOCK_CELLS = 2_000_000


@dataclass(frozen=True)
class LooFits:
    """The intercept-only model re-fitted without each study (arrays of length k)."""

    beta: np.ndarray
    var: np.ndarray  # Var(beta_(-i)), including s2w under HKSJ
    tau2: np.ndarray
    s2w: np.ndarray
    sum_w: np.ndarray  # sum_{j != i} 1/(v_j + tau2_(-i))
    df: float | None  # t df under HKSJ (k - 2), else None (normal)


def _block_tau2(yi: np.ndarray, vi: np.ndarray, mask: np.ndarray, method: str) -> np.ndarray:
    """tau2 of each row's model (studies where ``mask`` is 1), FE / DL / REML."""
    m = mask.shape[0]
    kk = mask.sum(axis=1)  # studies per row (k - 1)
    if method == "FE":
        return np.zeros(m)
    if method == "DL":
        w = mask / vi
        sw = w.sum(axis=1)
        r = yi - (w @ yi / sw)[:, None]
        q = np.sum(w * r * yi, axis=1)
        trace = sw - np.sum(w * w, axis=1) / sw
        return np.maximum(0.0, (q - (kk - 1)) / trace)
    # REML: HE start, then Fisher scoring; converged rows are frozen.
    ybar = (mask @ yi) / kk
    resid = mask * (yi - ybar[:, None])
    he = (np.sum(resid * resid, axis=1) - (mask @ vi) * (1 - 1 / kk)) / (kk - 1)
    tau2 = np.maximum(0.0, he)
    active = np.ones(m, dtype=bool)
    for _ in range(_MAXITER):
        rows = np.flatnonzero(active)
        t = tau2[rows]
        w = mask[rows] / (vi + t[:, None])
        sw = w.sum(axis=1)
        sw2 = np.sum(w * w, axis=1)
        py = w * (yi - (w @ yi / sw)[:, None])
        trace = sw - sw2 / sw
        trace_pp = sw2 - 2 * np.sum(w * w * w, axis=1) / sw + (sw2 / sw) ** 2
        adj = (np.sum(py * py, axis=1) - trace) / trace_pp
        neg = t + adj < 0
        while np.any(neg):
            adj[neg] /= 2
            neg = t + adj < 0
        tau2[rows] = t + adj
        active[rows[np.abs(adj) < _TOL]] = False
        if not active.any():
            return tau2
    raise ModelError(f"REML estimation of tau^2 did not converge in {_MAXITER} iterations.")


def loo_fits(yi: np.ndarray, vi: np.ndarray, method: str, hksj: bool) -> LooFits:
    """Fit the intercept-only model without each study in turn (see the module notes).

    Validated against metafor 3.8-1 ``leave1out`` and ``influence`` (tests/reference/metafor)
    and against one :func:`~trialkit.meta.pooling.fit_rma` per study (tests).
    """
    k = yi.size
    if method == "PM":
        fits = [fit_rma(np.delete(yi, i), np.delete(vi, i), method, hksj) for i in range(k)]
        return LooFits(
            beta=np.array([float(f.beta[0]) for f in fits]),
            var=np.array([float(f.vb[0, 0]) for f in fits]),
            tau2=np.array([f.tau2 for f in fits]),
            s2w=np.array([f.s2w for f in fits]),
            sum_w=np.array([float(f.weights.sum()) for f in fits]),
            df=float(k - 2) if hksj else None,
        )
    beta, var, tau2, s2w, sum_w = (np.empty(k) for _ in range(5))
    step = max(1, _BLOCK_CELLS // k)
    for start in range(0, k, step):
        idx = np.arange(start, min(k, start + step))
        mask = np.ones((idx.size, k))
        mask[np.arange(idx.size), idx] = 0.0
        t = _block_tau2(yi, vi, mask, method)
        w = mask / (vi + t[:, None])
        sw = w.sum(axis=1)
        b = (w @ yi) / sw
        vb = 1 / sw
        s2 = np.ones(idx.size)
        if hksj:
            s2 = np.sum(w * (yi - b[:, None]) ** 2, axis=1) / (k - 2)
            vb = vb * s2
        beta[idx], var[idx], tau2[idx], s2w[idx], sum_w[idx] = b, vb, t, s2, sw
    return LooFits(beta, var, tau2, s2w, sum_w, float(k - 2) if hksj else None)


def _loo_q(yi: np.ndarray, vi: np.ndarray) -> np.ndarray:
    """Cochran's Q without each study: ``Q + S (mu - mu_(-i))^2 - w_i (y_i - mu_(-i))^2``.

    ``w = 1/v``, ``S = sum w`` and ``mu`` the fixed-effect mean (all studies).
    """
    w = 1 / vi
    sw = w.sum()
    mu = float(w @ yi) / sw
    q = float(np.sum(w * (yi - mu) ** 2))
    mu_d = (sw * mu - w * yi) / (sw - w)
    return q + sw * (mu - mu_d) ** 2 - w * (yi - mu_d) ** 2


def _loo_typical_variance(vi: np.ndarray) -> np.ndarray:
    """Typical within-study variance without each study, ``(k-2) S / (S^2 - S_2)``."""
    w = 1 / vi
    sw = w.sum() - w
    sw2 = np.sum(w * w) - w * w
    return (vi.size - 2) * sw / (sw * sw - sw2)


def leave_one_out(
    yi: np.ndarray, vi: np.ndarray, study: np.ndarray, method: str, hksj: bool, level: float = 0.95
) -> pd.DataFrame:
    """Re-fit the model k times, each time without one study.

    Columns: ``study`` (the one left out), ``estimate, std_error, ci_lower, ci_upper,
    p_value, tau2, i2, q``. ``i2`` follows the model's convention (see
    :func:`trialkit.meta.heterogeneity.heterogeneity`).

    Validated against metafor 3.8-1 ``leave1out`` (tests/reference/metafor).
    """
    fits = loo_fits(yi, vi, method, hksj)
    q = 0.5 + level / 2
    crit = norm.ppf(q) if fits.df is None else t_dist.ppf(q, fits.df)
    se = np.sqrt(fits.var)
    stat = np.abs(fits.beta / se)
    p = 2 * (norm.sf(stat) if fits.df is None else t_dist.sf(stat, fits.df))
    q_d = _loo_q(yi, vi)
    df = yi.size - 2
    if method == "FE":  # max(0, 100 (Q - df) / Q), 0 when Q = 0
        safe_q = np.where(q_d > 0, q_d, 1.0)
        i2 = np.where(q_d > 0, np.maximum(0.0, 100 * (q_d - df) / safe_q), 0.0)
    else:
        i2 = 100 * fits.tau2 / (fits.tau2 + _loo_typical_variance(vi))
    out = pd.DataFrame(
        {
            "estimate": fits.beta,
            "std_error": se,
            "ci_lower": fits.beta - crit * se,
            "ci_upper": fits.beta + crit * se,
            "p_value": p,
            "tau2": fits.tau2,
            "i2": i2,
            "q": q_d,
        }
    )
    out.insert(0, "study", study)
    return out


def influence_diagnostics(
    yi: np.ndarray, vi: np.ndarray, study: np.ndarray, method: str, hksj: bool
) -> pd.DataFrame:
    """Case-deletion diagnostics of Viechtbauer & Cheung (2010), as metafor computes them.

    For study i with the model re-fitted without it (``beta_(-i)``, ``tau2_(-i)``,
    ``s2w_(-i)``, ``Var(beta_(-i))``):

    * ``rstudent = (y_i - beta_(-i)) / sqrt(s2w_(-i) (v_i + tau2_(-i)) + Var(beta_(-i)))``;
    * ``dffits = (beta - beta_(-i)) / sqrt(s2w_(-i) h_i (tau2_(-i) + v_i))``;
    * ``cook_d = (beta - beta_(-i))^2 / Var(beta)``;
    * ``cov_r = Var(beta_(-i)) / Var(beta)``;
    * ``dfbetas = (beta - beta_(-i)) / sqrt(s2w_(-i) / sum_j 1/(v_j + tau2_(-i)))``;
    * ``hat`` and ``weight`` (percent) from the full model.

    ``influential`` is metafor's rule: |dffits| > 3 sqrt(p/(k-p)), P(chi2_1 <= cook_d) > .5,
    hat > 3p/k or |dfbetas| > 1. ``outlier`` flags |rstudent| > z_0.975.

    Validated against metafor 3.8-1 ``influence``, ``rstudent`` and ``cooks.distance``.
    """
    k = yi.size
    full = fit_rma(yi, vi, method, hksj)
    beta, var_b = float(full.beta[0]), float(full.vb[0, 0])
    hat = full.weights / full.weights.sum()
    fits = loo_fits(yi, vi, method, hksj)
    beta_d, var_d, tau2_d, s2w_d = fits.beta, fits.var, fits.tau2, fits.s2w
    q_d = _loo_q(yi, vi)
    dfb = beta - beta_d
    rstudent = (yi - beta_d) / np.sqrt(s2w_d * (vi + tau2_d) + var_d)
    dffits = dfb / np.sqrt(s2w_d * hat * (tau2_d + vi))
    cook_d = dfb**2 / var_b
    cov_r = var_d / var_b
    vb_all = 1 / (fits.sum_w + 1 / (vi + tau2_d))  # sum over all k studies at tau2_(-i)
    dfbetas = dfb / np.sqrt(s2w_d * vb_all)
    p = 1
    influential = (
        (np.abs(dffits) > 3 * np.sqrt(p / (k - p)))
        | (chi2.cdf(cook_d, p) > 0.5)
        | (hat > 3 * p / k)
        | (np.abs(dfbetas) > 1)
    )
    return pd.DataFrame(
        {
            "study": study,
            "rstudent": rstudent,
            "dffits": dffits,
            "cook_d": cook_d,
            "cov_r": cov_r,
            "tau2_del": tau2_d,
            "q_del": q_d,
            "hat": hat,
            "weight": 100 * hat,
            "dfbetas": dfbetas,
            "influential": influential,
            "outlier": np.abs(rstudent) > OUTLIER_Z,
        }
    )
