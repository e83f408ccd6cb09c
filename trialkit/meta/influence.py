"""Leave-one-out refits and influence diagnostics (metafor ``leave1out``, ``influence``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

from trialkit.meta.heterogeneity import heterogeneity
from trialkit.meta.pooling import RmaFit, fit_rma

__all__ = ["leave_one_out", "influence_diagnostics", "OUTLIER_Z"]

#: |studentised deleted residual| above this flags a study as an outlier (two-sided 5%).
OUTLIER_Z = float(norm.ppf(0.975))


def _refits(yi, vi, method: str, hksj: bool) -> list[RmaFit]:
    keep = ~np.eye(yi.size, dtype=bool)
    return [fit_rma(yi[m], vi[m], method, hksj) for m in keep]


def leave_one_out(
    yi: np.ndarray, vi: np.ndarray, study: np.ndarray, method: str, hksj: bool, level: float = 0.95
) -> pd.DataFrame:
    """Re-fit the model k times, each time without one study.

    Columns: ``study`` (the one left out), ``estimate, std_error, ci_lower, ci_upper,
    p_value, tau2, i2, q``. ``i2`` follows the model's convention (see
    :func:`trialkit.meta.heterogeneity.heterogeneity`).

    Validated against metafor 3.8-1 ``leave1out`` (tests/reference/metafor).
    """
    rows = []
    keep = ~np.eye(yi.size, dtype=bool)
    for fit, m in zip(_refits(yi, vi, method, hksj), keep, strict=True):
        het = heterogeneity(yi[m], vi[m], fit.tau2, method, level)
        crit = fit.crit(level)
        est, se = float(fit.beta[0]), float(fit.se[0])
        rows.append(
            (est, se, est - crit * se, est + crit * se, fit.test()[1], fit.tau2, het.i2, het.q)
        )
    cols = ["estimate", "std_error", "ci_lower", "ci_upper", "p_value", "tau2", "i2", "q"]
    out = pd.DataFrame(rows, columns=cols)
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
    fits = _refits(yi, vi, method, hksj)
    beta_d = np.array([float(f.beta[0]) for f in fits])
    var_d = np.array([float(f.vb[0, 0]) for f in fits])
    tau2_d = np.array([f.tau2 for f in fits])
    s2w_d = np.array([f.s2w for f in fits])
    keep = ~np.eye(k, dtype=bool)
    q_d = np.array([heterogeneity(yi[m], vi[m], 0.0, "FE").q for m in keep])
    dfb = beta - beta_d
    rstudent = (yi - beta_d) / np.sqrt(s2w_d * (vi + tau2_d) + var_d)
    dffits = dfb / np.sqrt(s2w_d * hat * (tau2_d + vi))
    cook_d = dfb**2 / var_b
    cov_r = var_d / var_b
    vb_all = 1 / np.sum(1 / (vi[None, :] + tau2_d[:, None]), axis=1)
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
