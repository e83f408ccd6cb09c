"""Inverse-variance pooling (the part of metafor's ``rma.uni`` trialkit needs).

One weighted-least-squares core serves the intercept-only model (pooling), Egger's
regression (intercept + standard error) and every leave-one-out refit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.stats import norm
from scipy.stats import t as t_dist

from trialkit.core.errors import ModelError

__all__ = ["METHODS", "RmaFit", "fit_rma", "estimate_tau2", "residual_projection"]

METHODS = ("FE", "DL", "REML", "PM")
_TOL = 1e-12
_MAXITER = 10_000


@dataclass(frozen=True)
class RmaFit:
    """A fitted (meta-regression) model ``y = X beta + u + e``, ``u ~ N(0, tau2)``.

    ``vb`` is the covariance of ``beta``; under HKSJ it already carries the factor ``s2w``.
    """

    beta: np.ndarray
    vb: np.ndarray
    tau2: float
    s2w: float
    df: float | None
    weights: np.ndarray
    k: int
    p: int

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.vb))

    def crit(self, level: float = 0.95) -> float:
        """Critical value: normal, or t with k - p df under HKSJ (metafor ``test="knha"``)."""
        q = 0.5 + level / 2
        return float(norm.ppf(q) if self.df is None else t_dist.ppf(q, self.df))

    def test(self, j: int = 0) -> tuple[float, float]:
        """Wald statistic and two-sided p-value for coefficient ``j``."""
        stat = float(self.beta[j] / self.se[j])
        p = 2 * (norm.sf(abs(stat)) if self.df is None else t_dist.sf(abs(stat), self.df))
        return stat, float(p)


def residual_projection(vi: np.ndarray, tau2: float, X: np.ndarray) -> np.ndarray:
    """``P = W - W X (X'WX)^{-1} X'W`` with ``W = diag(1/(vi + tau2))``."""
    w = 1 / (vi + tau2)
    wx = X * w[:, None]
    return np.diag(w) - wx @ np.linalg.solve(X.T @ wx, wx.T)


def _generalised_q(yi, vi, X, tau2: float) -> float:
    return float(yi @ residual_projection(vi, tau2, X) @ yi)


def _tau2_dl(yi, vi, X) -> float:
    p_mat = residual_projection(vi, 0.0, X)
    k, p = X.shape
    return max(0.0, (float(yi @ p_mat @ yi) - (k - p)) / float(np.trace(p_mat)))


def _tau2_he(yi, vi, X) -> float:
    """Hedges' (HE) estimator, metafor's starting value for REML."""
    k, p = X.shape
    hat = X @ np.linalg.solve(X.T @ X, X.T)
    resid = yi - hat @ yi
    proj = np.eye(k) - hat
    return max(0.0, (float(resid @ resid) - float(np.trace(proj @ np.diag(vi)))) / (k - p))


def _tau2_reml(yi, vi, X) -> float:
    """Fisher scoring on the REML score, as metafor (step halving keeps tau2 >= 0)."""
    tau2 = _tau2_he(yi, vi, X)
    for _ in range(_MAXITER):
        p_mat = residual_projection(vi, tau2, X)
        py = p_mat @ yi
        adj = (float(py @ py) - float(np.trace(p_mat))) / float(np.sum(p_mat * p_mat))
        while tau2 + adj < 0:
            adj /= 2
        tau2 += adj
        if abs(adj) < _TOL:
            return tau2
    raise ModelError(f"REML estimation of tau^2 did not converge in {_MAXITER} iterations.")


def _tau2_pm(yi, vi, X) -> float:
    """Paule-Mandel: the tau2 at which the generalised Q equals its df, k - p."""
    k, p = X.shape
    target = k - p

    def f(t2: float) -> float:
        return _generalised_q(yi, vi, X, t2) - target

    if f(0.0) <= 0:
        return 0.0
    upper = max(1.0, 10 * float(np.var(yi)))
    while f(upper) > 0:
        upper *= 10
    return float(brentq(f, 0.0, upper, xtol=_TOL, rtol=4 * np.finfo(float).eps, maxiter=1000))


def estimate_tau2(yi: np.ndarray, vi: np.ndarray, X: np.ndarray, method: str) -> float:
    """Between-study variance by ``method`` (FE gives 0).

    DL: ``max(0, (Q - (k - p)) / tr(P0))``; REML: root of the restricted score
    ``y'PPy - tr(P) = 0`` by Fisher scoring; PM: root of ``y'P(tau2)y = k - p``.

    Validated against metafor 3.8-1 ``rma(method=...)`` (tests/reference/metafor).
    """
    if method == "FE" or X.shape[0] <= X.shape[1]:
        return 0.0
    if method == "DL":
        return _tau2_dl(yi, vi, X)
    if method == "REML":
        return _tau2_reml(yi, vi, X)
    if method == "PM":
        return _tau2_pm(yi, vi, X)
    raise ValueError(f"method must be one of {METHODS}, not {method!r}.")


def fit_rma(
    yi: np.ndarray,
    vi: np.ndarray,
    method: str = "DL",
    hksj: bool = False,
    X: np.ndarray | None = None,
) -> RmaFit:
    """Fit ``y = X beta + u + e`` by weighted least squares with ``w = 1/(vi + tau2)``.

    ``beta = (X'WX)^{-1} X'Wy``, ``Var(beta) = (X'WX)^{-1}``. With ``hksj=True`` the
    covariance is multiplied by ``s2w = y'Py / (k - p)`` and inference uses t with
    ``k - p`` df (Hartung-Knapp-Sidik-Jonkman, metafor ``test="knha"``, no truncation).

    Validated against metafor 3.8-1 ``rma.uni`` (tests/reference/metafor).
    """
    yi = np.asarray(yi, dtype=float)
    vi = np.asarray(vi, dtype=float)
    X = np.ones((yi.size, 1)) if X is None else np.asarray(X, dtype=float)
    k, p = X.shape
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}.")
    if hksj and k <= p:
        raise ModelError(f"Hartung-Knapp-Sidik-Jonkman needs more than {p} studies; got {k}.")
    tau2 = estimate_tau2(yi, vi, X, method)
    w = 1 / (vi + tau2)
    wx = X * w[:, None]
    vb = np.linalg.inv(X.T @ wx)
    beta = vb @ (wx.T @ yi)
    s2w = 1.0
    df = None
    if hksj:
        resid = yi - X @ beta
        s2w = float(np.sum(w * resid**2) / (k - p))
        vb = vb * s2w
        df = float(k - p)
    return RmaFit(beta=beta, vb=vb, tau2=tau2, s2w=s2w, df=df, weights=w, k=k, p=p)
