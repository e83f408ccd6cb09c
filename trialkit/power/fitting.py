r"""Analyse one simulated trial on NumPy arrays: the MMRM (or ANCOVA) final-visit difference.

The MMRM is the model :func:`trialkit.fit_mmrm` fits,
``y ~ 1 [+ base] + arm + visit + arm:visit [+ base:visit]`` with treatment coding, fitted with
the same engine internals (:class:`~trialkit.models.patterns.Pattern`,
:class:`~trialkit.models.likelihood.Likelihood`, :func:`~trialkit.models.optimize.maximise`)
but without pandas: the subject x visit design array is built once per trial from the arm
and baseline vectors, patterns are formed from the observed-visit bitmasks (all subjects of
a pattern in one matrix product), and Newton's method with the analytic observed Hessian
(:func:`~trialkit.models.derivatives.observed_hessian`) starts from the true covariance
parameters (:func:`newton_from_truth`). Only the final-visit contrast
:math:`c'\hat\beta` (treatment - control at visit :math:`t`) is evaluated, with the chosen df
method. The ANCOVA is OLS of the final-visit outcome on arm (and baseline) over complete cases,
with residual df.

Validated against: :func:`trialkit.fit_mmrm` and :func:`trialkit.fit_ancova` on the same
simulated trials (tests/test_power_simulate.py, tests/test_power_lean.py), which are
themselves validated against R mmrm / SAS / lm.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from trialkit.core.results import STAT_COLUMNS
from trialkit.inference.contrasts import ContrastEngine
from trialkit.models.covariance import Structure
from trialkit.models.derivatives import components, observed_hessian
from trialkit.models.likelihood import Evaluation, Likelihood
from trialkit.models.optimize import OptimResult, maximise
from trialkit.models.patterns import Pattern, make_pattern
from trialkit.power.inputs import PowerInputError
from trialkit.power.scenario import SimulatedTrial

#: Columns of one analysed trial (see :func:`analyse_trial`).
RESULT_FIELDS: tuple[str, ...] = (
    *STAT_COLUMNS,
    "converged",  # 1 when the requested structure converged
    "structure",  # index in the ladder of the structure used, -1 = failed
    "n_subjects",
    "n_observations",
)


@dataclass(frozen=True)
class Analysis:
    """How each simulated trial is analysed.

    With ``assumption`` (``MAR``, ``JR``, ``CR``, ``CIR``, ``LMCF``), the values missing
    after each subject's dropout are imputed under that assumption (reference: the control
    arm) by :func:`trialkit.impute_and_analyse` (``imputation`` ``condmean`` with
    ``resampling``, or ``approxbayes`` with ``n_samples``); intermittent misses are imputed
    under MAR. Each imputed data set is then analysed by ``method``: ``ancova`` (rbmi's
    per-visit ANCOVA) or ``mmrm`` (unstructured, Satterthwaite; the covariance options below
    do not apply).
    """

    method: str = "mmrm"  # "mmrm" or "ancova"
    covariance: str = "us"
    df_method: str = "satterthwaite"
    reml: bool = True
    fallback: tuple[str, ...] = ()
    alpha: float = 0.05
    assumption: str | None = None
    imputation: str = "condmean"
    resampling: str = "jackknife"
    n_samples: int | None = None

    def check(self) -> Analysis:
        """Normalised names, or :class:`PowerInputError` with the first problem.

        The MMRM options are checked by :class:`trialkit.specs.MMRMSpec` (names, "KR needs
        REML", alpha), the imputation options by :class:`trialkit.specs.EstimandSpec` (names,
        ``n_samples`` for approxbayes and the bootstrap); this adds only the choice between
        MMRM and ANCOVA.
        """
        from trialkit.specs import MMRMSpec

        method = self.method.lower()
        if method not in ("mmrm", "ancova"):
            raise PowerInputError(f"analysis must be 'mmrm' or 'ancova'; got {self.method!r}.")
        spec = MMRMSpec(
            covariance=self.covariance,
            df_method=self.df_method,
            reml=self.reml,
            fallback=tuple(self.fallback),
            alpha=self.alpha,
        )
        problems = spec.check()
        if problems:
            raise PowerInputError(problems[0].sentence())
        ladder = spec.ladder()
        norm = spec.normalised()
        imputed = self._check_imputation(method)
        return Analysis(
            method, ladder[0], norm.df_method, self.reml, ladder[1:], self.alpha, *imputed
        )

    def _check_imputation(self, method: str) -> tuple[str | None, str, str, int | None]:
        if self.assumption is None:
            return None, self.imputation, self.resampling, self.n_samples
        from trialkit.specs.estimand import (
            ASSUMPTIONS,
            METHODS,
            RESAMPLING,
            EstimandSpec,
            EstimatorSpec,
        )

        estimator = EstimatorSpec(
            method=self.imputation,
            assumption=self.assumption,
            resampling=self.resampling,
            n_samples=self.n_samples,
            analysis=method,
        )
        problems = EstimandSpec("simulation", "y", main=estimator).check("simulation.")
        if problems:
            raise PowerInputError(problems[0].sentence())
        imputation = str(METHODS.canonical(self.imputation))
        if imputation == "mmrm":
            raise PowerInputError(
                "With an imputation assumption, imputation must be 'condmean' or 'approxbayes'."
            )
        return (
            ASSUMPTIONS.canonical(self.assumption),
            imputation,
            str(RESAMPLING.canonical(self.resampling)),
            self.n_samples,
        )

    @property
    def ladder(self) -> tuple[str, ...]:
        return (self.covariance, *self.fallback)


def design_array(arm: np.ndarray, base: np.ndarray | None, t: int) -> np.ndarray:
    """``(n, t, k)``: each subject's rows of the MMRM design, columns ordered as build_design."""
    n = arm.size
    eye = np.eye(t)[None, :, 1:]  # visit dummies (first visit is the reference)
    parts = [np.ones((n, t, 1))]
    if base is not None:
        parts.append(np.broadcast_to(base[:, None, None], (n, t, 1)))
    parts.append(np.broadcast_to(arm[:, None, None].astype(float), (n, t, 1)))
    parts.append(np.broadcast_to(eye, (n, t, t - 1)))
    parts.append(arm[:, None, None] * eye)
    if base is not None:
        parts.append(base[:, None, None] * eye)
    return np.concatenate(parts, axis=2)


def final_contrast(k: int, t: int, has_baseline: bool) -> np.ndarray:
    """Treatment - control at the final visit in the coefficient order of design_array."""
    c = np.zeros(k)
    arm_col = 2 if has_baseline else 1
    c[arm_col] = 1.0
    if t > 1:
        c[arm_col + t - 1 + t - 1] = 1.0  # arm:visit_t
    return c


def patterns_of(X: np.ndarray, y: np.ndarray, observed: np.ndarray) -> tuple[Pattern, ...]:
    """Missingness patterns with their sufficient statistics (no per-subject loop)."""
    n, t, k = X.shape
    key = observed.astype(np.int64) @ (1 << np.arange(t))
    out = []
    for kv in np.unique(key):
        if kv == 0:
            continue
        members = np.flatnonzero(key == kv)
        idx = np.flatnonzero([(kv >> v) & 1 for v in range(t)])
        out.append(make_pattern(0, idx, X[members][:, idx, :], y[members][:, idx]))
    return tuple(out)


def newton_from_truth(
    lik: Likelihood, theta0: np.ndarray, max_steps: int = 30
) -> OptimResult | None:
    """Newton's method from the true parameters (a simulated trial's optimum is close to them).

    Each step solves with the analytic observed Hessian
    (:func:`~trialkit.models.derivatives.observed_hessian`) at the current point; steps are
    halved until ``-loglik`` decreases (or, at its rounding floor, the gradient shrinks).
    The gradient is driven below 1e-9, as :func:`~trialkit.models.optimize.maximise`'s
    polishing does, and the Hessian at the optimum is the observed information: about five
    likelihood evaluations and five Hessians (each costing about one evaluation), against
    about 34 evaluations with a finite-difference Hessian. Returns ``None`` (the caller then
    uses :func:`maximise`) when a step fails or a Hessian is not positive definite.
    """
    theta = np.asarray(theta0, dtype=float).copy()
    ev = _evaluate(lik, theta)
    if ev is None:
        return None
    steps = 0
    while True:
        try:
            hess = observed_hessian(lik, theta, ev)
            np.linalg.cholesky(hess)
        except (np.linalg.LinAlgError, ValueError, FloatingPointError):
            return None
        gnorm = float(np.max(np.abs(ev.grad)))
        if gnorm < 1e-9 or steps >= max_steps:
            break
        step = np.linalg.solve(hess, ev.grad)
        noise = 1e-10 * max(1.0, abs(ev.nll))
        for _half in range(12):
            new = _evaluate(lik, theta - step)
            if new is not None and (
                new.nll < ev.nll or (new.nll <= ev.nll + noise and np.max(np.abs(new.grad)) < gnorm)
            ):
                break
            step = step / 2
        else:
            break
        theta, ev = theta - step, new
        steps += 1
    if gnorm >= 1e-6:
        return None
    return OptimResult(theta, ev, hess, True, steps, gnorm, True, "converged")


def _evaluate(lik: Likelihood, theta: np.ndarray) -> Evaluation | None:
    """The likelihood at ``theta``, or ``None`` where it is not finite (covariance not PD)."""
    try:
        ev = lik.evaluate(theta)
    except (np.linalg.LinAlgError, ValueError, FloatingPointError):
        return None
    if not np.isfinite(ev.nll) or not np.all(np.isfinite(ev.grad)):
        return None
    return ev


def analyse_trial(
    trial: SimulatedTrial,
    analysis: Analysis,
    true_covariance: np.ndarray,
    seed: np.random.SeedSequence | None = None,
) -> np.ndarray:
    """One row of :data:`RESULT_FIELDS` (``nan`` statistics when no analysis converged).

    ``seed`` drives the imputation's bootstrap or draws (``analysis.assumption`` set).
    """
    if analysis.assumption is not None:
        from trialkit.power.imputed import analyse_imputed

        return analyse_imputed(trial, analysis, seed)
    if analysis.method == "ancova":
        return _ancova(trial, analysis.alpha)
    return _mmrm(trial, analysis, true_covariance)


def failed_row(n_sub: int, n_obs: int) -> np.ndarray:
    """The row of a trial whose analysis failed."""
    return np.array([np.nan] * 6 + [0.0, -1.0, n_sub, n_obs])


def _mmrm(
    trial: SimulatedTrial,
    analysis: Analysis,
    true_cov: np.ndarray,
) -> np.ndarray:
    t = trial.y.shape[1]
    X = design_array(trial.arm, trial.baseline, t)
    patterns = patterns_of(X, trial.y, trial.observed)
    n_obs = int(trial.observed.sum())
    n_sub = int(trial.observed.any(axis=1).sum())
    k = X.shape[2]
    if n_obs <= k:
        return failed_row(n_sub, n_obs)
    c = final_contrast(k, t, trial.baseline is not None)
    for pos, name in enumerate(analysis.ladder):
        st = Structure(name, t)
        lik = Likelihood(patterns, st, 1, k, n_obs, analysis.reml)
        theta0 = st.start(true_cov)
        opt = newton_from_truth(lik, theta0) or maximise(lik, theta0)
        if not opt.converged:
            continue
        try:
            est = _contrast(lik, opt, analysis, c, X, trial.observed, n_obs, k)
        except (np.linalg.LinAlgError, ValueError, FloatingPointError):
            continue
        if not np.isfinite(est["df"]) or est["df"] <= 0:
            continue
        return np.array(
            [
                est["estimate"],
                est["std_error"],
                est["df"],
                est["ci_lower"],
                est["ci_upper"],
                est["p_value"],
                1.0 if pos == 0 else 0.0,
                float(pos),
                n_sub,
                n_obs,
            ]
        )
    return failed_row(n_sub, n_obs)


def _contrast(
    lik: Likelihood,
    opt: object,
    analysis: Analysis,
    c: np.ndarray,
    X: np.ndarray,
    observed: np.ndarray,
    n_obs: int,
    k: int,
) -> dict[str, float]:
    ev = opt.evaluation
    w = np.linalg.inv(opt.hessian)
    kr = analysis.df_method.startswith("kenward-roger")
    comp = components(lik, opt.theta, ev, second_order=kr)
    vcov = ev.phi
    if kr:
        from trialkit.inference import kenward_roger

        vcov = kenward_roger.adjusted_vcov(
            ev.phi,
            w,
            comp,
            linear=analysis.df_method == "kenward-roger-linear",
            group_of=np.zeros(lik.q, dtype=np.int64),
        )
    col_df = None
    if analysis.df_method == "between-within":
        from trialkit.inference import between_within

        rows = X[observed]  # (n_obs, k)
        within = np.any(np.ptp(np.where(observed[..., None], X, np.nan), axis=1) > 0, axis=0)
        n_sub = int(observed.any(axis=1).sum())
        names = tuple(f"c{i}" for i in range(k))
        col_df = between_within.column_df(np.asarray(within), names, n_sub, rows.shape[0])
    engine = ContrastEngine(
        beta=ev.beta,
        vcov=vcov,
        phi=ev.phi,
        df_method=analysis.df_method,
        alpha=analysis.alpha,
        w=w,
        P=comp.P,
        col_df=col_df,
        n_obs=n_obs,
        rank=k,
    )
    return engine.estimate(c)


def _ancova(trial: SimulatedTrial, alpha: float) -> np.ndarray:
    ok = trial.observed[:, -1]
    n_sub = int(trial.observed.any(axis=1).sum())
    n_obs = int(ok.sum())
    cols = [np.ones(n_obs), trial.arm[ok].astype(float)]
    if trial.baseline is not None:
        cols.append(trial.baseline[ok])
    X = np.column_stack(cols)
    y = trial.y[ok, -1]
    n, p = X.shape
    if n <= p or len(np.unique(trial.arm[ok])) < 2:
        return failed_row(n_sub, n_obs)
    xtx_inv = np.linalg.inv(X.T @ X)
    beta = xtx_inv @ (X.T @ y)
    resid = y - X @ beta
    df = n - p
    se = float(np.sqrt(resid @ resid / df * xtx_inv[1, 1]))
    est = float(beta[1])
    tq = float(stats.t.ppf(1 - alpha / 2, df))
    p_value = float(2 * stats.t.sf(abs(est / se), df))
    return np.array([est, se, df, est - tq * se, est + tq * se, p_value, 1.0, 0.0, n_obs, n_obs])
