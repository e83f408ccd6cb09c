r"""Conditional mean imputation with jackknife or bootstrap resampling (Wolbers et al. 2022).

The full-data fit gives :math:`\hat\theta`, and every missing value is replaced by its
conditional mean given the subject's observed values under its strategy
(:mod:`trialkit.imputation.impute`); the analysis of this single data set is the point
estimate. Its standard error comes from repeating fit + imputation + analysis

* on each leave-one-subject-out sample (``jackknife``: :math:`n` refits, warm-started, the
  design and pattern statistics reused, :mod:`trialkit.imputation.draws`), or
* on ``n_samples`` bootstrap samples stratified by arm (``bootstrap``).

Each resampled data set keeps every subject's row with a weight (0 for the left-out subject,
the multiplicity for a bootstrap sample), so the analysis is one vectorised pass.

Validated against: rbmi 1.6 ``method_condmean(type = "jackknife")`` on fev_data, MAR, JR,
CR, CIR (tests/test_imputation_rbmi.py).
"""

from __future__ import annotations

import numpy as np

from trialkit.core.parallel import Executor, chunks, seed_children, single_threaded_blas
from trialkit.imputation.approxbayes import fit_bootstrap
from trialkit.imputation.draws import FitContext, remembered_refits
from trialkit.imputation.impute import Imputer
from trialkit.imputation.jackknife import refit_batch

_CHUNK = 25


def _jackknife_task(shared: tuple[Imputer, FitContext], idx: range) -> np.ndarray:
    imputer, ctx = shared
    with single_threaded_blas():
        fits = remembered_refits(ctx, idx, lambda: refit_batch(ctx, np.arange(idx.start, idx.stop)))
        return np.stack([imputer.values(p) for p in fits])


def _bootstrap_task(shared: tuple[Imputer, FitContext], seeds: list) -> tuple[np.ndarray, ...]:
    imputer, ctx = shared
    ys, ws, fails = [], [], 0
    with single_threaded_blas():
        for ss in seeds:
            w, params, f = fit_bootstrap(ctx, np.random.default_rng(ss), imputer.grid.arm)
            fails += f
            ys.append(imputer.values(params))
            ws.append(w)
    return np.stack(ys), np.stack(ws), np.array([fails])


def condmean_datasets(
    imputer: Imputer,
    ctx: FitContext,
    resampling: str,
    n_samples: int | None,
    seed: object,
    executor: Executor,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Full-data imputation and the resampled data sets.

    Returns ``(Y_full (n, t), Y (D, n, t), W (D, n), n_failed_fits)``.
    """
    y_full = imputer(ctx.params)
    n = imputer.grid.n
    shared = (imputer, ctx)
    if resampling == "jackknife":
        parts = executor.map(_jackknife_task, shared, chunks(n, _CHUNK))
        Y = imputer.datasets(np.concatenate(parts))
        W = np.ones((n, n))
        np.fill_diagonal(W, 0.0)
        return y_full, Y, W, 0
    assert n_samples is not None
    seeds = seed_children(seed, n_samples)
    tasks = [seeds[r.start : r.stop] for r in chunks(n_samples, _CHUNK)]
    parts = executor.map(_bootstrap_task, shared, tasks)
    Y = imputer.datasets(np.concatenate([p[0] for p in parts]))
    W = np.concatenate([p[1] for p in parts]).astype(float)
    fails = int(sum(int(p[2][0]) for p in parts))
    return y_full, Y, W, fails
