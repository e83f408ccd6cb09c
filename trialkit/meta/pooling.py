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

__all__ = ["METHODS", "Projection", "RmaFit", "fit_rma", "estimate_tau2", "projection"]

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


@dataclass(frozen=True)
class Projection:
    """What the estimators need of ``P = W - W X (X'WX)^{-1} X'W``, ``W = diag(1/(vi + tau2))``.

    ``P`` itself (k x k) is never formed: with ``A = X'WX``, ``B_m = X'W^m X`` and the
    weighted residual ``r = y - X beta_w``, ``Py = W r``,
    ``tr P = sum w - tr(A^{-1} B_2)`` and
    ``tr(PP) = sum w^2 - 2 tr(A^{-1} B_3) + tr(A^{-1} B_2 A^{-1} B_2)``, so every evaluation
    costs ``O(k p^2)`` time and ``O(k)`` memory.
    """

    ypy: float  # y'Py, the generalised Q statistic
    py: np.ndarray  # Py
    trace: float  # tr(P)
    trace_pp: float  # tr(PP) = sum(P * P)


def projection(yi: np.ndarray, vi: np.ndarray, tau2: float, X: np.ndarray) -> Projection:
    """:class:`Projection` at ``tau2`` (``O(k p^2)``; see the class for the formulas)."""
    w = 1 / (vi + tau2)
    wx = X * w[:, None]
    a_inv = np.linalg.inv(X.T @ wx)
    r = yi - X @ (a_inv @ (wx.T @ yi))
    py = w * r
    ab2 = a_inv @ (wx.T @ (wx))  # A^{-1} B_2
    ab3 = a_inv @ (wx.T @ (wx * w[:, None]))  # A^{-1} B_3
    return Projection(
        ypy=float(yi @ py),
        py=py,
        trace=float(np.sum(w) - np.trace(ab2)),
        trace_pp=float(np.sum(w * w) - 2 * np.trace(ab3) + np.sum(ab2 * ab2.T)),
    )


def _generalised_q(yi, vi, X, tau2: float) -> float:
    return projection(yi, vi, tau2, X).ypy


def _tau2_dl(yi, vi, X) -> float:
    proj = projection(yi, vi, 0.0, X)
    k, p = X.shape
    return max(0.0, (proj.ypy - (k - p)) / proj.trace)


def _tau2_he(yi, vi, X) -> float:
    """Hedges' (HE) estimator, metafor's starting value for REML.

    ``(r'r - sum_i v_i (1 - h_i)) / (k - p)`` with OLS residuals ``r`` and hat values ``h``.
    """
    k, p = X.shape
    xtx_inv = np.linalg.inv(X.T @ X)
    resid = yi - X @ (xtx_inv @ (X.T @ yi))
    hat = np.sum((X @ xtx_inv) * X, axis=1)
    return max(0.0, (float(resid @ resid) - float(np.sum(vi * (1 - hat)))) / (k - p))


def _tau2_reml(yi, vi, X) -> float:
    """Fisher scoring on the REML score, as metafor (step halving keeps tau2 >= 0)."""
    tau2 = _tau2_he(yi, vi, X)
    for _ in range(_MAXITER):
        proj = projection(yi, vi, tau2, X)
        adj = (float(proj.py @ proj.py) - proj.trace) / proj.trace_pp
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
