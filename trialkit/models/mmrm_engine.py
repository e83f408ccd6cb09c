r"""Inference after an MMRM fit: the contrast engine, Type III tests and the dose trend.

The contrast engine carries :math:`\hat\beta`, its covariance (model-based
:math:`\Phi = (X'V^{-1}X)^{-1}`, the Kenward-Roger adjusted :math:`\Phi_A`, or the empirical
sandwich) and what the chosen df method needs. Type III hypotheses are formed from a
sum-to-zero coding of the same design, so the arm test has :math:`k - 1` and the arm x visit
test :math:`(k-1)(t-1)` numerator df for :math:`k` arms and :math:`t` visits.

The dose-response trend refits the model with the numeric dose :math:`d_i` in place of the arm
factor, with the same covariance structure and df method,

.. math::  y_{iv} = x_i'\gamma + \mu_v + \theta_v d_i + \varepsilon_{iv},

and reports the dose slope :math:`\hat\theta_v` at each visit (R ``mmrm(y ~ covariates + visit
+ dose:visit + us(visit | subject))``).

Validated against: R mmrm 0.3.18 + emmeans (fev_data, tests/reference/mmrm_trial2) and, for
k arms, Type III and the trend, tests/reference/karm (``mmrm`` with ``df_md`` and
``summary`` of the dose model).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trialkit.core.errors import ModelError
from trialkit.inference import between_within
from trialkit.inference.contrasts import ContrastEngine
from trialkit.models.derivatives import components, sas_theta_vcov
from trialkit.models.design import Design, sum_coded
from trialkit.models.empirical import empirical_vcov
from trialkit.models.likelihood import Likelihood
from trialkit.models.optimize import OptimResult, maximise
from trialkit.models.patterns import build_patterns


def contrast_engine(
    design: Design,
    lik: Likelihood,
    opt: OptimResult,
    *,
    df_method: str,
    robust: bool,
    alpha: float,
    kr_sas: bool,
) -> ContrastEngine:
    """The :class:`ContrastEngine` of a fitted likelihood (covariance and df as asked)."""
    ev = opt.evaluation
    theta = opt.theta
    w = np.linalg.inv(opt.hessian)
    kr = df_method.startswith("kenward-roger")
    comp = components(lik, theta, ev, second_order=kr)
    vcov = ev.phi
    if kr:
        from trialkit.inference import kenward_roger

        group_of = np.repeat(np.arange(lik.n_groups), lik.q)
        linear = df_method == "kenward-roger-linear"
        if kr_sas and not linear and not lik.structure.sas_linear:
            comp_sas = components(lik, theta, ev, second_order=True, sas=True)
            w_sas = sas_theta_vcov(lik, theta, w)
            vcov = kenward_roger.adjusted_vcov(
                ev.phi, w_sas, comp_sas, linear=False, group_of=group_of
            )
        else:
            vcov = kenward_roger.adjusted_vcov(
                ev.phi,
                w,
                comp,
                linear=linear or lik.structure.sas_linear and kr_sas,
                group_of=group_of,
            )
    if robust:
        vcov = empirical_vcov(lik, ev)
    col_df = between_within.column_df(
        design.within_subject_columns(), design.columns, design.n_subjects, design.n_obs
    )
    return ContrastEngine(
        beta=ev.beta,
        vcov=vcov,
        phi=ev.phi,
        df_method=df_method,
        alpha=alpha,
        w=w,
        P=comp.P,
        col_df=col_df,
        n_obs=design.n_obs,
        rank=design.k,
    )


def type3(design: Design, engine: ContrastEngine) -> pd.DataFrame:
    """Type III F tests (SAS / car / lmerTest hypotheses).

    A term that no other term contains (e.g. ``ARM:VISIT``, or ``SITE`` without
    interactions) is tested as its own dummy-coded coefficients = 0. A term contained in
    another (e.g. ``VISIT`` under ``ARM:VISIT``) is tested as its sum-to-zero coded
    coefficients = 0, mapped to the fitted parametrisation. The F statistics do not depend
    on how a hypothesis' rows are written, nor do Kenward-Roger df; the multi-df
    Satterthwaite df (Fai & Cornelius) do, slightly, for contained terms.
    """
    xs, sum_terms = sum_coded(design)
    # X_trt = X_sum T  =>  beta_sum = T beta_trt
    T = np.linalg.solve(xs.T @ xs, xs.T @ design.X)
    # exact zeros where the solve leaves rounding noise (between-within df read which
    # columns a hypothesis involves)
    T[np.abs(T) < 1e-10 * np.abs(T).max()] = 0.0
    own = {t.name: t for t in design.terms}
    rows = []
    for term in sum_terms:
        if term.name == "(Intercept)":
            continue
        contained = any(set(term.factors) < set(other.factors) for other in sum_terms)
        if contained:
            L = T[list(term.columns)]
        else:
            L = np.eye(design.k)[list(own[term.name].columns)]
        rows.append({"term": term.name, **engine.f_test(L)})
    return pd.DataFrame(rows, columns=["term", "num_df", "den_df", "f_value", "p_value"])


def dose_trend(
    design: Design,
    lik: Likelihood,
    theta: np.ndarray,
    *,
    group_covariance: bool,
    coords: np.ndarray | None,
    df_method: str,
    robust: bool,
    alpha: float,
    kr_sas: bool,
) -> pd.DataFrame:
    """The dose slope at each visit from the model with the dose in place of the arm factor.

    Fitted with the structure of ``lik`` (warm-started at the arm model's ``theta``), the same
    covariance groups, df method and SE type. Columns ``visit`` + statistics.
    """
    trend = design.trend_design()
    t = len(design.visits)
    patterns = build_patterns(trend, t, group_covariance, coords)
    tlik = Likelihood(patterns, lik.structure, lik.n_groups, trend.k, trend.n_obs, lik.reml)
    opt = maximise(tlik, theta)
    if not opt.converged:
        raise ModelError(
            f"the dose-response model did not converge with the {lik.structure.name} "
            f"covariance ({opt.message})"
        )
    engine = contrast_engine(
        trend, tlik, opt, df_method=df_method, robust=robust, alpha=alpha, kr_sas=kr_sas
    )
    L, labels = trend.trend_rows()
    return engine.table(L, labels)
