r"""Marginal risks and treatment contrasts by g-computation from a logistic working model.

With the logistic fit :math:`\hat\beta` on design :math:`X` (intercept, arm dummies,
covariates) and :math:`X^{(a)}` the design with every subject set to arm :math:`a`, the
counterfactual predictions are :math:`\hat p_i^{(a)} = \mathrm{expit}(x_i^{(a)\prime}\hat\beta)`
and the marginal risk :math:`\hat p_a = n^{-1}\sum_i \hat p_i^{(a)}`.

Covariance :math:`V` of :math:`(\hat p_a)_a`:

* Ge et al. (2011), delta method: :math:`V = D\,\Sigma_\beta\,D'` with rows
  :math:`d_a = n^{-1}\sum_i \hat p_i^{(a)}(1-\hat p_i^{(a)})\,x_i^{(a)\prime}` and
  :math:`\Sigma_\beta` the model-based :math:`(X'WX)^{-1}` or a sandwich
  :math:`B X'\Omega X B` (``sandwich::vcovHC``: HC0 :math:`\Omega = r_i^2`, HC1 times
  :math:`n/(n-k)`, HC2 :math:`r_i^2/(1-h_i)`, HC3 :math:`r_i^2/(1-h_i)^2`, with
  :math:`r = y - \hat\mu`, :math:`h_i = w_i x_i' B x_i`). beeca's default is HC0.
* Ye et al. (2023), as beeca ``varcov_ye`` (sample variances and covariances with
  denominator :math:`n_a - 1` / :math:`n - 1`, :math:`\pi_a = n_a / n`):
  :math:`nV_{aa} = S^2_a/\pi_a + 2\,\mathrm{cov}_a(y, \hat p^{(a)}) - \mathrm{var}(\hat p^{(a)})`,
  where :math:`S^2_a = \mathrm{var}_a(y) - 2\,\mathrm{cov}_a(y, \hat p^{(a)}) +
  \mathrm{var}(\hat p^{(a)})` (beeca ``mod = FALSE``, the RobinCar form; the first two
  moments within arm :math:`a`, the last over all subjects) or :math:`S^2_a =
  \mathrm{var}_a(y - \hat p^{(a)})` (``mod = TRUE``, the paper's form), and
  :math:`nV_{ab} = \mathrm{cov}_a(y, \hat p^{(b)}) + \mathrm{cov}_b(y, \hat p^{(a)}) -
  \mathrm{cov}(\hat p^{(a)}, \hat p^{(b)})`. With stratified randomisation, :math:`nV` is
  reduced by :math:`\sum_z (n_z/n)\,R_z(\mathrm{diag}\,\pi - \pi\pi')R_z`, with
  :math:`R_z = \mathrm{diag}_a(\bar r_{az}/\pi_a)` (Bannick et al. 2023, eq. 18).

Contrasts of treatment :math:`t` with control :math:`c` by the delta method:
risk difference :math:`\hat p_t - \hat p_c`; risk ratio :math:`\hat p_t/\hat p_c`; odds ratio
:math:`\{\hat p_t/(1-\hat p_t)\}/\{\hat p_c/(1-\hat p_c)\}`; the ratios' CIs and p-values use
the log scale (gradients :math:`(-1/\hat p_c, 1/\hat p_t)` and
:math:`(-1/\{\hat p_c(1-\hat p_c)\}, 1/\{\hat p_t(1-\hat p_t)\})`), with normal quantiles.

Validated against: R beeca 0.2.0 ``get_marginal_effect`` (Ge with HC0/HC1/HC3/model-based,
Ye with ``mod`` FALSE/TRUE and strata), tests/reference/beeca.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.special import expit, ndtr, ndtri

from trialkit.inference.sandwich import hc_covariance


class NotEstimable(Exception):
    """The logistic working model cannot give finite, identified estimates (with the reason)."""


@dataclass(frozen=True)
class LogisticFit:
    """A converged logistic regression: coefficients, model-based covariance, fitted values."""

    beta: np.ndarray
    cov: np.ndarray
    mu: np.ndarray


def fit_logistic(X: np.ndarray, y: np.ndarray) -> LogisticFit:
    """Fit ``y ~ X`` by IRLS (statsmodels GLM Binomial, logit link).

    Raises
    ------
    NotEstimable
        Perfect or quasi-complete separation (a fitted probability within 1e-8 of 0 or 1),
        or no convergence.
    """
    from statsmodels.genmod.families import Binomial
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.tools.sm_exceptions import (
        ConvergenceWarning,
        PerfectSeparationError,
        PerfectSeparationWarning,
    )

    separation = "perfect or quasi-complete separation (a fitted probability is 0 or 1)"
    try:
        with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
            warnings.simplefilter("always")
            res = GLM(y, X, family=Binomial()).fit(tol=1e-12, maxiter=100)
            mu = np.asarray(res.fittedvalues, dtype=float)
            beta, cov = np.asarray(res.params), np.asarray(res.cov_params())
    except PerfectSeparationError:
        raise NotEstimable(separation) from None
    kinds = {type(w.message) for w in caught}
    if PerfectSeparationWarning in kinds or not np.all(np.isfinite(mu)):
        raise NotEstimable(separation)
    if np.min(np.minimum(mu, 1 - mu)) < 1e-8:
        raise NotEstimable(separation)
    if not res.converged or ConvergenceWarning in kinds:
        raise NotEstimable("the logistic model did not converge in 100 iterations")
    return LogisticFit(beta, cov, mu)


def counterfactual_predictions(
    X: np.ndarray, beta: np.ndarray, arm_columns: list[int]
) -> tuple[np.ndarray, list[np.ndarray]]:
    """``(n, k)`` predictions with everyone set to each arm (arm 0 = control: all dummies 0).

    Returns the predictions and the counterfactual designs :math:`X^{(a)}`.
    """
    designs = []
    for a in range(len(arm_columns) + 1):
        Xa = X.copy()
        Xa[:, arm_columns] = 0.0
        if a > 0:
            Xa[:, arm_columns[a - 1]] = 1.0
        designs.append(Xa)
    P = np.column_stack([expit(Xa @ beta) for Xa in designs])
    return P, designs


def coefficient_covariance(X: np.ndarray, y: np.ndarray, fit: LogisticFit, kind: str) -> np.ndarray:
    """Model-based or heteroscedasticity-consistent covariance of the logistic coefficients
    (``sandwich::vcovHC`` conventions for a glm)."""
    if kind == "model-based":
        return fit.cov
    w = fit.mu * (1 - fit.mu)
    bread = np.linalg.inv(X.T @ (X * w[:, None]))
    return hc_covariance(X, y - fit.mu, bread, kind, weights=w)


def ge_covariance(P: np.ndarray, designs: list[np.ndarray], cov_beta: np.ndarray) -> np.ndarray:
    """Ge et al. (2011) delta-method covariance of the marginal risks."""
    n = P.shape[0]
    D = np.vstack([(P[:, a] * (1 - P[:, a])) @ designs[a] / n for a in range(P.shape[1])])
    return D @ cov_beta @ D.T


def ye_covariance(
    P: np.ndarray,
    y: np.ndarray,
    arm: np.ndarray,
    *,
    mod: bool = False,
    strata: np.ndarray | None = None,
    mu: np.ndarray | None = None,
) -> np.ndarray:
    """Ye et al. (2023) robust covariance of the marginal risks, as beeca ``varcov_ye``.

    ``arm`` holds arm codes ``0..k-1`` (columns of ``P``); ``strata`` one label per subject
    (stratified randomisation adjustment, needs the fitted values ``mu``).
    """
    n, k = P.shape
    pi = np.bincount(arm, minlength=k) / n
    V = np.empty((k, k))

    def cov(u: np.ndarray, v: np.ndarray) -> float:
        return float(np.cov(u, v, ddof=1)[0, 1])

    for a in range(k):
        ya, Pa = y[arm == a], P[arm == a]
        c_ap = cov(ya, Pa[:, a])
        var_pred = float(np.var(P[:, a], ddof=1))
        if mod:
            s2 = float(np.var(ya - Pa[:, a], ddof=1))
        else:
            s2 = float(np.var(ya, ddof=1)) - 2 * c_ap + var_pred
        V[a, a] = s2 / pi[a] + 2 * c_ap - var_pred
        for b in range(k):
            if b != a:
                yb, Pb = y[arm == b], P[arm == b]
                V[a, b] = cov(ya, Pa[:, b]) + cov(yb, Pb[:, a]) - cov(P[:, a], P[:, b])
    if strata is not None:
        assert mu is not None
        resid = y - mu
        omega = np.diag(pi) - np.outer(pi, pi)
        for z in np.unique(strata):
            in_z = strata == z
            rbar = np.array([resid[in_z & (arm == a)].mean() for a in range(k)]) / pi
            V -= (rbar[:, None] * omega * rbar[None, :]) * (in_z.sum() / n)
    return V / n


def contrast_rows(
    risks: np.ndarray, V: np.ndarray, treatment: int, control: int, alpha: float
) -> list[dict[str, float | str]]:
    """Risk difference, risk ratio and odds ratio of ``treatment`` vs ``control``.

    Each row: ``measure, estimate, std_error`` (delta method on the measure's own scale),
    ``log_std_error`` (ratios: SE of the log ratio), ``ci_lower, ci_upper, z_value, p_value``
    (ratios on the log scale).
    """
    pt, pc = risks[treatment], risks[control]
    z = float(ndtri(1 - alpha / 2))  # normal quantile (scipy.stats.norm.ppf)
    odds_t, odds_c = pt / (1 - pt), pc / (1 - pc)

    def se(g_c: float, g_t: float) -> float:
        g = np.zeros(len(risks))
        g[control], g[treatment] = g_c, g_t
        return float(np.sqrt(g @ V @ g))

    rows: list[dict[str, float | str]] = []
    se_rd = se(-1.0, 1.0)
    rd = pt - pc
    rows.append(
        _row("risk difference", rd, se_rd, np.nan, rd / se_rd, rd - z * se_rd, rd + z * se_rd)
    )
    for measure, est, g_nat, g_log in (
        ("risk ratio", pt / pc, (-pt / pc**2, 1 / pc), (-1 / pc, 1 / pt)),
        (
            "odds ratio",
            odds_t / odds_c,
            (-odds_t / (pc * pc), (1 - pc) / (pc * (1 - pt) ** 2)),
            (-1 / (pc * (1 - pc)), 1 / (pt * (1 - pt))),
        ),
    ):
        se_log = se(*g_log)
        zval = np.log(est) / se_log
        lo, hi = np.exp(np.log(est) - z * se_log), np.exp(np.log(est) + z * se_log)
        rows.append(_row(measure, est, se(*g_nat), se_log, zval, lo, hi))
    return rows


def _row(
    measure: str, est: float, se: float, se_log: float, zval: float, lo: float, hi: float
) -> dict[str, float | str]:
    return {
        "measure": measure,
        "estimate": float(est),
        "std_error": float(se),
        "log_std_error": float(se_log),
        "df": np.nan,
        "ci_lower": float(lo),
        "ci_upper": float(hi),
        "z_value": float(zval),
        "p_value": float(2 * ndtr(-abs(zval))),  # 2 x norm.sf(|z|)
    }
