r"""Combine the analyses of the imputed data sets (rbmi ``pool``).

**Rubin's rules** (approximate Bayesian MI, :math:`M` imputations):

.. math::

    \bar\theta = \tfrac1M\sum_m\hat\theta_m,\quad \bar W = \tfrac1M\sum_m s_m^2,\quad
    B = \tfrac1{M-1}\sum_m(\hat\theta_m-\bar\theta)^2,\quad T = \bar W + (1+\tfrac1M)B,

with Barnard & Rubin (1999) df: :math:`\lambda = (1+1/M)B/T`,
:math:`\nu_{old} = (M-1)/\lambda^2`, :math:`\nu_{obs} = \frac{\nu_c+1}{\nu_c+3}\nu_c(1-\lambda)`,
:math:`\nu = \nu_{old}\nu_{obs}/(\nu_{old}+\nu_{obs})` (:math:`\nu_c` the complete-data df;
:math:`\nu=\nu_{obs}` when :math:`B=0`, :math:`\nu_{old}` when :math:`\nu_c=\infty`).

**Jackknife** (conditional mean imputation): the estimate is the full-data one and
:math:`\widehat{se} = \sqrt{\tfrac{n-1}{n}\sum_j(\hat\theta_{-j}-\bar\theta_{-\cdot})^2}`;
normal CI and p-value.

**Bootstrap** (conditional mean imputation): ``normal``: SE = SD of the bootstrap estimates,
normal CI around the full-data estimate; ``percentile``: CI from the type-6 quantiles of the
bootstrap estimates, p-value by inverting the percentile interval (rbmi).

Validated against: R mice 3.15 ``pool()`` and hand-computed cases
(tests/test_imputation_pooling.py); rbmi 1.6 ``pool`` (jackknife) on fev_data.
"""

from __future__ import annotations

import numpy as np
import scipy.optimize
from scipy import special


def barnard_rubin_df(v_com: float, var_b: float, var_t: float, m: int) -> float:
    """Barnard-Rubin degrees of freedom (rbmi ``rubin_df``, mice ``barnard.rubin``)."""
    if np.isnan(v_com) or (np.isinf(v_com) and var_b == 0):
        return float("inf")
    lam = (1 + 1 / m) * var_b / var_t
    v_obs = (v_com + 1) / (v_com + 3) * v_com * (1 - lam) if np.isfinite(v_com) else np.inf
    if lam == 0:
        return float(v_obs)
    v_old = (m - 1) / lam**2
    if np.isinf(v_com):
        return float(v_old)
    return float(v_old * v_obs / (v_old + v_obs))


def rubin(est: np.ndarray, se: np.ndarray, v_com: float) -> tuple[float, float, float]:
    """Pooled estimate, total SE and Barnard-Rubin df of one quantity over imputations."""
    m = est.size
    var_w = float(np.mean(se**2))
    var_b = float(np.var(est, ddof=1)) if m > 1 else 0.0
    var_t = var_w + (1 + 1 / m) * var_b
    return float(np.mean(est)), float(np.sqrt(var_t)), barnard_rubin_df(v_com, var_b, var_t, m)


def jackknife_se(est_jack: np.ndarray) -> np.ndarray:
    """Jackknife SE over axis 0."""
    n = est_jack.shape[0]
    return np.sqrt((n - 1) / n * ((est_jack - est_jack.mean(axis=0)) ** 2).sum(axis=0))


def interval(est: float, se: float, df: float, alpha: float) -> tuple[float, float, float]:
    """Two-sided CI and p-value from a t (finite df) or normal (infinite df) reference."""
    # scipy.special's t (and, for infinite df, normal) quantile and tail: as scipy.stats.t,
    # without importing scipy.stats
    q = float(special.stdtrit(df, 1 - alpha / 2))
    p = float(2 * special.stdtr(df, -abs(est / se))) if se > 0 else float("nan")
    return est - q * se, est + q * se, p


def percentile(est_full: float, est_boot: np.ndarray, alpha: float) -> tuple[float, float, float]:
    """Percentile bootstrap CI (R quantile type 6) and p-value (rbmi
    ``pool_bootstrap_percentile``)."""
    lo, hi = _quantile6(est_boot, np.array([alpha / 2, 1 - alpha / 2]))
    if np.all(est_boot == 0):
        pg, pl = 1.0, 1.0
    elif est_boot.min() > 0:
        pg, pl = 0.0, 1.0
    elif est_boot.max() < 0:
        pg, pl = 1.0, 0.0
    elif np.any(est_boot == 0):
        ranks = np.argsort(np.argsort(est_boot, kind="stable"), kind="stable") + 1
        quant = ranks / (est_boot.size + 1)
        pg, pl = float(quant[est_boot == 0].min()), float(1 - quant[est_boot == 0].max())
    else:
        x = scipy.optimize.brentq(lambda q: _quantile6(est_boot, np.array([q]))[0], 0.0, 1.0)
        pg, pl = x, 1 - x
    return float(lo), float(hi), float(min(2 * min(pg, pl), 1.0))


def _quantile6(x: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """R ``quantile(type = 6)``: p-th quantile at position p (n + 1)."""
    xs = np.sort(x)
    n = xs.size
    h = probs * (n + 1)
    lo = np.clip(np.floor(h).astype(int), 1, n)
    hi = np.clip(lo + 1, 1, n)
    frac = np.where(h < 1, 0.0, np.where(h >= n, 0.0, h - np.floor(h)))
    lo = np.where(h < 1, 1, lo)
    return xs[lo - 1] + frac * (xs[hi - 1] - xs[lo - 1])
