"""Small-study effects: Egger's regression test (metafor ``regtest``, predictor = SE)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trialkit.core.errors import ModelError
from trialkit.meta.pooling import fit_rma

__all__ = ["EggerTest", "egger_test"]


@dataclass(frozen=True)
class EggerTest:
    """Egger's test: the slope on the standard error and the limit estimate (SE -> 0)."""

    model: str
    statistic: float
    statistic_name: str
    df: float | None
    p_value: float
    limit_estimate: float
    limit_ci_lower: float
    limit_ci_upper: float

    @property
    def z(self) -> float:
        """The test statistic (a t statistic when ``df`` is set)."""
        return self.statistic

    def __getitem__(self, key: str):
        return getattr(self, key)


def egger_test(
    yi: np.ndarray,
    vi: np.ndarray,
    method: str,
    hksj: bool,
    model: str = "rma",
    level: float = 0.95,
) -> EggerTest:
    """Regress ``y_i`` on ``se_i = sqrt(v_i)``; test the slope.

    ``model="rma"`` (metafor's default ``regtest``): the meta-regression
    ``y_i = b0 + b1 se_i + u_i + e_i`` fitted with the analysis' tau^2 estimator and test
    (z, or t with k - 2 df under HKSJ).
    ``model="lm"`` (the classic Egger et al. 1997 test): weighted least squares with weights
    ``1/v_i`` and a multiplicative dispersion, t with k - 2 df; identical to a fixed-effect
    meta-regression with the Knapp-Hartung variance.

    Validated against metafor 3.8-1 ``regtest(model="rma"|"lm", predictor="sei")``.
    """
    k = yi.size
    if k < 3:
        raise ModelError(f"Egger's test needs at least 3 studies; this analysis has {k}.")
    X = np.column_stack([np.ones(k), np.sqrt(vi)])
    if model == "rma":
        fit = fit_rma(yi, vi, method, hksj, X=X)
    elif model == "lm":
        fit = fit_rma(yi, vi, "FE", True, X=X)
    else:
        raise ValueError(f"model must be 'rma' or 'lm', not {model!r}.")
    stat, p = fit.test(1)
    crit = fit.crit(level)
    b0, se0 = float(fit.beta[0]), float(fit.se[0])
    return EggerTest(
        model=model,
        statistic=stat,
        statistic_name="z" if fit.df is None else "t",
        df=fit.df,
        p_value=p,
        limit_estimate=b0,
        limit_ci_lower=b0 - crit * se0,
        limit_ci_upper=b0 + crit * se0,
    )
