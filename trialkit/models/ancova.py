r"""ANCOVA at each visit: a complete-case sensitivity analysis to the MMRM.

At visit :math:`v`, on the subjects with the outcome, baseline and covariates observed,

.. math::  y_{iv} = \beta_0 + \Delta\,\mathrm{arm}_i + \gamma\,\mathrm{baseline}_i
           + \delta'z_i + \varepsilon_i,

fitted by OLS (:func:`ols`: the pseudo-inverse of the design, as statsmodels ``OLS``). LS
means hold continuous covariates at their means over the subjects analysed and average
factor covariates with equal (emmeans default, SAS LSMEANS) or proportional weights. The
adjusted difference :math:`\hat\Delta` has residual df :math:`n - p`; optional
heteroscedasticity-consistent SEs (HC0-HC3) keep those df, as emmeans does with a sandwich
``vcov.``.

Validated against: R ``lm`` + ``emmeans`` (and ``sandwich::vcovHC`` for HC SEs),
tests/reference/ancova_trial2.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from trialkit.core.errors import ModelError
from trialkit.core.results import ReadOnlyResult
from trialkit.inference.contrasts import ContrastEngine
from trialkit.inference.sandwich import hc_covariance
from trialkit.models.accounting import SampleAccounting
from trialkit.models.degenerate import (
    check_inputs,
    check_residuals,
    check_sample,
    estimable_visits,
)
from trialkit.models.design import Design, build_design, levels
from trialkit.specs import AncovaSpec


@dataclass(frozen=True, repr=False)
class AncovaResult(ReadOnlyResult):
    """Per-visit ANCOVA results.

    Attributes
    ----------
    differences
        ``visit, estimate, std_error, df, ci_lower, ci_upper, t_value, p_value, n,
        n_control, n_treatment`` (treatment - control).
    lsmeans
        ``arm, visit`` + statistics.
    samples
        Subjects used and excluded (with reasons) at each visit.
    not_estimable
        ``{visit: reason}`` for requested visits where the model could not be fitted (no
        outcome in an arm, too few subjects, a singular design, ...); the other visits are
        analysed.
    """

    outcome: str
    arms: tuple[str, str]
    visits: tuple[str, ...]
    robust: str | None
    lsmeans_weights: str
    alpha: float
    differences: pd.DataFrame
    lsmeans: pd.DataFrame
    samples: dict[str, SampleAccounting] = field(repr=False)
    not_estimable: dict[str, str] = field(default_factory=dict)

    _headline = ("outcome", "visits", "robust", "alpha")

    def summary_frame(self) -> pd.DataFrame:
        """Treatment minus control at each visit."""
        return self.differences

    @property
    def sample(self) -> SampleAccounting:
        """Accounting at the final visit (the usual primary time point)."""
        return self.samples[self.visits[-1]]


def fit_ancova(
    data: pd.DataFrame,
    *,
    outcome: str,
    arm: str,
    control: str,
    visit: str,
    subject: str,
    baseline: str | None,
    covariates: Sequence[str] = (),
    visits: Sequence[str] | None = None,
    spec: AncovaSpec | None = None,
    robust: str | None = None,
    lsmeans_weights: str | None = None,
    alpha: float | None = None,
) -> AncovaResult:
    """Fit ``outcome ~ arm + baseline + covariates`` by OLS separately at each visit.

    Parameters
    ----------
    data
        Long data (one row per subject x visit); the baseline is a column of it.
    visits
        Visits to analyse (default: every visit in ``data``, in category order for a
        Categorical, numeric order for numbers, else sorted).
    spec
        The options as one :class:`~trialkit.specs.AncovaSpec` (default: its defaults).
    robust, lsmeans_weights, alpha
        Each, when given, replaces that field of ``spec``: ``robust`` is ``None`` for
        model-based SEs or an HC type (``"HC0"``-``"HC3"``).
    """
    options = {"lsmeans_weights": lsmeans_weights, "alpha": alpha}
    if robust is not None or spec is None:
        options["robust"] = robust
    spec = AncovaSpec.from_options(spec, **options)
    robust, lsmeans_weights, alpha = spec.robust, spec.lsmeans_weights, spec.alpha
    if visits is None:
        visits = levels(data[visit])
    covs = ([baseline] if baseline else []) + [c for c in covariates if c != baseline]
    diffs, lsms, samples = [], [], {}
    not_estimable: dict[str, str] = {}
    arms: tuple[str, str] | None = None
    for v in visits:
        try:
            design, fitted = _fit_visit(
                data, str(v), outcome, arm, control, visit, subject, covs, robust
            )
        except ModelError as exc:
            not_estimable[str(v)] = str(exc)
            continue
        arms = design.arms
        beta, vcov = fitted
        engine = ContrastEngine(
            beta=beta,
            vcov=vcov,
            phi=vcov,
            df_method="residual",
            alpha=alpha,
            n_obs=design.n_obs,
            rank=design.k,
        )
        L, labels = design.lsmean_rows(lsmeans_weights)
        labels["visit"] = str(v)
        lsms.append(engine.table(L, labels))
        d = engine.table((L[1] - L[0])[None, :], pd.DataFrame({"visit": [str(v)]}))
        n = design.sample.n_subjects
        d["n"] = sum(n.values())
        d["n_control"] = n[design.arms[0]]
        d["n_treatment"] = n[design.arms[1]]
        diffs.append(d)
        samples[str(v)] = design.sample
    if arms is None:
        reasons = list(dict.fromkeys(not_estimable.values()))
        if len(reasons) == 1 and len(not_estimable) > 1:
            raise ModelError(f"{reasons[0]} (at every visit)")
        raise ModelError(
            "; ".join(f"{visit} {v}: {r}" for v, r in not_estimable.items())
            if len(not_estimable) > 1
            else reasons[0]
        )
    return AncovaResult(
        outcome=outcome,
        arms=arms,
        visits=tuple(samples),
        robust=robust,
        lsmeans_weights=lsmeans_weights,
        alpha=alpha,
        differences=pd.concat(diffs, ignore_index=True),
        lsmeans=pd.concat(lsms, ignore_index=True),
        samples=samples,
        not_estimable=not_estimable,
    )


def _fit_visit(
    data: pd.DataFrame,
    v: str,
    outcome: str,
    arm: str,
    control: str,
    visit: str,
    subject: str,
    covs: list[str],
    robust: str | None,
) -> tuple[Design, tuple[np.ndarray, np.ndarray]]:
    """OLS at one visit; ModelError when that visit cannot identify the model."""
    at_visit = data[data[visit].astype(str) == v]
    estimable_visits(at_visit, outcome=outcome, arm=arm, visit=visit, visits=[v])
    check_inputs(
        at_visit,
        outcome=outcome,
        arm=arm,
        subject=subject,
        visit=visit,
        visits=[v],
        covariates=covs,
    )
    design = build_design(
        at_visit,
        outcome=outcome,
        arm=arm,
        control=control,
        visit=visit,
        subject=subject,
        covariates=covs,
        visits=[v],
        visit_terms=False,
    )
    check_sample(design.sample, outcome, design.n_obs, design.k)
    check_residuals(design.y, design.X, outcome)
    return design, ols(design.y, design.X, robust)


def ols(y: np.ndarray, X: np.ndarray, robust: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    r"""Least-squares coefficients and their covariance.

    :math:`\hat\beta = X^+ y` and :math:`(X'X)^{-1} = X^+ X^{+\prime}` from the pseudo-inverse
    :math:`X^+` (as statsmodels ``OLS``); the covariance is
    :math:`\hat\sigma^2 (X'X)^{-1}` with :math:`\hat\sigma^2 = \mathrm{RSS}/(n-k)`, or the
    ``robust`` (``"HC0"``-``"HC3"``) sandwich of
    :func:`~trialkit.inference.sandwich.hc_covariance`.

    Validated against: R ``lm`` + ``sandwich::vcovHC`` (tests/reference/ancova_trial2, 1e-9).
    """
    pinv = np.linalg.pinv(X)
    beta = pinv @ y
    bread = pinv @ pinv.T
    resid = y - X @ beta
    if robust:
        return beta, hc_covariance(X, resid, bread, robust)
    n, k = X.shape
    return beta, bread * (resid @ resid / (n - k))
