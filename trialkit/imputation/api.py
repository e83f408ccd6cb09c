"""``impute_and_analyse``: reference-based multiple imputation and conditional mean imputation
for a two-arm trial, following rbmi's draws -> impute -> analyse -> pool design.

Validated against: rbmi 1.6 (condmean + jackknife for MAR, JR, CR, CIR on fev_data; see
tests/test_imputation_rbmi.py), mice 3.15 ``pool()`` (Rubin's rules).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from trialkit.errors import DataError
from trialkit.imputation import pooling
from trialkit.imputation.analysis import ancova
from trialkit.imputation.analysis import mmrm as analysis_mmrm
from trialkit.imputation.approxbayes import approxbayes_datasets
from trialkit.imputation.condmean import condmean_datasets
from trialkit.imputation.delta import DeltaSpec, resolve_delta
from trialkit.imputation.draws import fit_full
from trialkit.imputation.executor import get_executor, single_threaded_blas
from trialkit.imputation.grid import Grid, build_grid
from trialkit.imputation.impute import Imputer, make_batches
from trialkit.imputation.results import ImputationResult
from trialkit.imputation.strategies import Strategy, registry

METHODS = ("condmean", "approxbayes")
RESAMPLING = ("jackknife", "bootstrap")
ANALYSES = ("ancova", "mmrm")


@dataclass(frozen=True)
class Prepared:
    """Imputed data sets, before delta adjustment and analysis."""

    grid: Grid
    method: str
    resampling: str | None
    bootstrap_ci: str
    y_full: np.ndarray | None  # condmean: the full-data imputation
    Y: np.ndarray  # (D, n, t)
    W: np.ndarray | None  # (D, n) subject weights (condmean resampling)
    n_failed: int
    loglik: float
    seed: int | None
    reference: dict[str, str]
    notes: tuple[str, ...]


def prepare(
    data: pd.DataFrame,
    *,
    outcome: str,
    arm: str,
    control: str,
    visit: str,
    subject: str,
    covariates: Sequence[str] = (),
    visit_covariates: Sequence[str] = (),
    events: pd.DataFrame | None = None,
    method: str = "condmean",
    resampling: str = "jackknife",
    n_samples: int | None = None,
    reference: dict[str, str] | None = None,
    seed: int | np.random.SeedSequence | None = None,
    group_covariance: bool = False,
    reml: bool = True,
    strategies: dict[str, Strategy] | None = None,
    bootstrap_ci: str = "normal",
    visits: Sequence[str] | None = None,
    n_jobs: int | None = None,
    scheduler: Any = None,
    post_event: str = "keep",
) -> Prepared:
    """Check the input, fit the imputation model and impute (see :func:`impute_and_analyse`)."""
    method = str(method).lower()
    if method not in METHODS:
        raise DataError(f"unknown imputation method '{method}'; choose {' or '.join(METHODS)}")
    res = str(resampling).lower() if method == "condmean" else None
    if res is not None and res not in RESAMPLING:
        raise DataError(f"unknown resampling '{resampling}'; choose jackknife or bootstrap")
    if bootstrap_ci not in ("normal", "percentile"):
        raise DataError("bootstrap_ci must be 'normal' or 'percentile'")
    if (method == "approxbayes" or res == "bootstrap") and (n_samples is None or n_samples < 2):
        raise DataError(f"method '{method}' needs n_samples of at least 2")
    strat = registry(strategies)
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    grid = build_grid(
        data,
        outcome=outcome,
        arm=arm,
        control=control,
        visit=visit,
        subject=subject,
        covariates=covariates,
        visit_covariates=visit_covariates,
        events=events,
        reference=reference,
        strategies=tuple(strat),
        visits=visits,
        post_event=post_event,
    )
    notes = list(grid.notes)
    n_missing = int(grid.missing.sum())
    if n_missing == 0:
        note = f"no missing {outcome} values: nothing was imputed (complete-data analysis)"
        notes.append(note)
        warnings.warn(note, stacklevel=3)
    with single_threaded_blas():
        ctx = fit_full(grid, group_covariance=group_covariance, reml=reml)
    imputer = Imputer(grid, make_batches(grid), strat)
    n_tasks = grid.n if res == "jackknife" else int(n_samples or 0)
    executor = get_executor(n_jobs, scheduler, work=n_tasks * grid.n * grid.t)
    try:
        if method == "condmean":
            y_full, Y, W, n_failed = condmean_datasets(
                imputer, ctx, str(res), n_samples, ss, executor
            )
        else:
            Y, n_failed = approxbayes_datasets(imputer, ctx, int(n_samples), ss, executor)
            y_full, W = None, None
    finally:
        executor.close()
    ref = {a: grid.arms[int(r)] for a, r in zip(grid.arms, _refs(grid), strict=True)}
    return Prepared(
        grid=grid,
        method=method,
        resampling=res,
        bootstrap_ci=bootstrap_ci,
        y_full=y_full,
        Y=Y,
        W=W,
        n_failed=n_failed,
        loglik=ctx.loglik,
        seed=int(ss.entropy) if isinstance(ss.entropy, int) else None,
        reference=ref,
        notes=tuple(notes),
    )


def _refs(grid: Grid) -> list[int]:
    out = []
    for a in (0, 1):
        members = np.flatnonzero(grid.arm == a)
        out.append(int(grid.ref_arm[members[0]]) if members.size else a)
    return out


def _analyse(
    Y: np.ndarray, W: np.ndarray | None, grid: Grid, analysis: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if analysis == "mmrm":
        return analysis_mmrm(Y, W, grid)
    est, se, df = ancova(Y, W, grid.analysis_X)
    return est, se, np.repeat(df[:, :, None], 3, axis=2)


def pooled_tables(
    prep: Prepared,
    delta: np.ndarray | None,
    alpha: float,
    analysis: str = "ancova",
    per_dataset: list | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Analyse every (delta-adjusted) data set and pool: differences and LS means tables.

    With Rubin's rules the complete-data df is the ANCOVA's residual df (the same in every
    data set) or, for the MMRM, the median of the data sets' Satterthwaite df.
    """
    Y = prep.Y if delta is None else prep.Y + delta[None]
    est, se, df = _analyse(Y, prep.W, prep.grid, analysis)
    if per_dataset is not None and prep.method == "approxbayes":
        per_dataset.append(
            pd.DataFrame(
                {
                    "imputation": np.repeat(np.arange(1, est.shape[0] + 1), prep.grid.t),
                    "visit": np.tile(np.asarray(prep.grid.visits, dtype=object), est.shape[0]),
                    "estimate": est[:, :, 0].ravel(),
                    "std_error": se[:, :, 0].ravel(),
                }
            )
        )
    t = prep.grid.t
    out_est = np.empty((t, 3))
    out_se = np.empty((t, 3))
    out_df = np.full((t, 3), np.inf)
    lo, hi, p = (np.empty((t, 3)) for _ in range(3))
    if prep.method == "condmean":
        yf = prep.y_full if delta is None else prep.y_full + delta
        full_est, _, _ = _analyse(yf[None], None, prep.grid, analysis)
        out_est = full_est[0]
        if prep.resampling == "jackknife":
            out_se = pooling.jackknife_se(est)
        else:
            out_se = est.std(axis=0, ddof=1)
        for v in range(t):
            for j in range(3):
                if prep.resampling == "bootstrap" and prep.bootstrap_ci == "percentile":
                    lo[v, j], hi[v, j], p[v, j] = pooling.percentile(
                        out_est[v, j], est[:, v, j], alpha
                    )
                    out_se[v, j] = np.nan
                else:
                    lo[v, j], hi[v, j], p[v, j] = pooling.interval(
                        out_est[v, j], out_se[v, j], np.inf, alpha
                    )
    else:
        for v in range(t):
            for j in range(3):
                e, s, d = pooling.rubin(est[:, v, j], se[:, v, j], float(np.median(df[:, v, j])))
                out_est[v, j], out_se[v, j], out_df[v, j] = e, s, d
                lo[v, j], hi[v, j], p[v, j] = pooling.interval(e, s, d, alpha)
    visits = list(prep.grid.visits)

    def frame(j: int) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "visit": visits,
                "estimate": out_est[:, j],
                "std_error": out_se[:, j],
                "df": out_df[:, j],
                "ci_lower": lo[:, j],
                "ci_upper": hi[:, j],
                "p_value": p[:, j],
            }
        )

    diffs = frame(0)
    lsm = []
    for j, a in ((1, prep.grid.arms[0]), (2, prep.grid.arms[1])):
        f = frame(j)
        f.insert(0, "arm", a)
        lsm.append(f)
    lsmeans = pd.concat(lsm, ignore_index=True)
    order = np.argsort(np.tile(np.arange(t), 2), kind="stable")  # visit-major like fit_mmrm
    return diffs, lsmeans.iloc[order].reset_index(drop=True)


def impute_and_analyse(
    data: pd.DataFrame,
    *,
    outcome: str,
    arm: str,
    control: str,
    visit: str,
    subject: str,
    covariates: Sequence[str] = (),
    visit_covariates: Sequence[str] = (),
    events: pd.DataFrame | None = None,
    method: str = "condmean",
    resampling: str = "jackknife",
    n_samples: int | None = None,
    reference: dict[str, str] | None = None,
    delta: DeltaSpec = None,
    seed: int | np.random.SeedSequence | None = None,
    analysis: str = "ancova",
    group_covariance: bool = False,
    reml: bool = True,
    strategies: dict[str, Strategy] | None = None,
    bootstrap_ci: str = "normal",
    alpha: float = 0.05,
    visits: Sequence[str] | None = None,
    n_jobs: int | None = None,
    scheduler: Any = None,
    post_event: str = "keep",
) -> ImputationResult:
    """Impute missing outcomes under MAR or a reference-based strategy, analyse, and pool.

    Parameters
    ----------
    data
        Long data, one row per subject x visit (absent rows are added as missing); the arm
        and the covariates are subject-level and are carried to added rows.
    covariates, visit_covariates
        Covariates of the imputation model (``visit_covariates`` also enter x visit) and of
        the analysis (ANCOVA per visit: ``outcome ~ arm + covariates + visit_covariates``).
    events
        Intercurrent events: columns ``subject``, ``visit`` (first visit affected),
        ``strategy`` (``MAR``, ``JR``, ``CR``, ``CIR``, ``LMCF`` or a name in
        ``strategies``), optionally ``event`` (its kind; a subject may have one of each
        kind, the earliest is used). Subjects without an event are imputed under MAR.
    method, resampling, n_samples
        ``condmean`` with ``jackknife`` (deterministic) or ``bootstrap`` (``n_samples``
        samples; ``bootstrap_ci`` ``normal`` or ``percentile``), or ``approxbayes`` with
        ``n_samples`` imputations pooled by Rubin's rules (Barnard-Rubin df).
    reference
        The reference arm of each arm (default: the control arm for both).
    delta
        Shifts added to imputed values (see :mod:`trialkit.imputation.delta`).
    seed
        Seed of the ``SeedSequence``; each resample/draw gets its own child, so the result is
        identical whatever ``n_jobs`` or ``scheduler``.
    analysis
        ``ancova`` (rbmi's default: per visit ``outcome ~ arm + covariates``, vectorised over
        the data sets) or ``mmrm`` (:func:`trialkit.fit_mmrm`, unstructured, Satterthwaite,
        one fit per data set: slower).
    group_covariance
        One covariance matrix per arm in the imputation model.
    post_event
        ``keep`` (default, rbmi; treatment policy): observed values after an event stay in
        the analysed data (and, for a non-MAR strategy, out of the imputation model fit);
        ``discard`` (hypothetical): they are set to missing and imputed.
    n_jobs, scheduler
        joblib workers (``None``: all cores for large problems, else this process) or a Dask
        scheduler address / ``Client`` / ``LocalCluster``.

    Returns
    -------
    ImputationResult
        ``differences`` (treatment - control by visit) and ``lsmeans``.
    """
    if analysis not in ANALYSES:
        raise DataError(f"unknown analysis '{analysis}'; choose ancova or mmrm")
    prep = prepare(
        data,
        outcome=outcome,
        arm=arm,
        control=control,
        visit=visit,
        subject=subject,
        covariates=covariates,
        visit_covariates=visit_covariates,
        events=events,
        method=method,
        resampling=resampling,
        n_samples=n_samples,
        reference=reference,
        seed=seed,
        group_covariance=group_covariance,
        reml=reml,
        strategies=strategies,
        bootstrap_ci=bootstrap_ci,
        visits=visits,
        n_jobs=n_jobs,
        scheduler=scheduler,
        post_event=post_event,
    )
    d = resolve_delta(delta, prep.grid, subject, visit)
    return make_result(prep, d, alpha, outcome, analysis)


def make_result(
    prep: Prepared, delta: np.ndarray | None, alpha: float, outcome: str, analysis: str
) -> ImputationResult:
    per: list[pd.DataFrame] = []
    diffs, lsm = pooled_tables(prep, delta, alpha, analysis, per)
    return ImputationResult(
        outcome=outcome,
        method=prep.method,
        resampling=prep.resampling,
        analysis=analysis,
        n_samples=int(prep.Y.shape[0]),
        reference=dict(prep.reference),
        alpha=alpha,
        seed=prep.seed,
        arms=prep.grid.arms,
        visits=prep.grid.visits,
        n_subjects=prep.grid.n,
        n_imputed=int(prep.grid.missing.sum()),
        n_failed_fits=prep.n_failed,
        imputation_loglik=prep.loglik,
        notes=prep.notes,
        _differences=diffs,
        _lsmeans=lsm,
        _events=prep.grid.events,
        _per_dataset=per[0] if per else None,
    )
