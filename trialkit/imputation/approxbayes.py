r"""Approximate Bayesian multiple imputation (rbmi ``method_approxbayes``).

For :math:`m = 1..M`: draw a bootstrap sample of subjects stratified by arm, refit the
imputation model to it (REML by default; warm start, reused pattern statistics,
:func:`trialkit.imputation.draws.refit_weighted`), and draw one imputation of the original
data's missing values from the conditional distribution under each subject's strategy. The
:math:`M` analyses are pooled with Rubin's rules and Barnard-Rubin df
(:mod:`trialkit.imputation.pooling`).

Each draw has its own ``SeedSequence`` child of the user's seed; the bootstrap sample and the
normal deviates of that draw come from it, so the result does not depend on how draws are
split across workers. A bootstrap sample on which the model cannot be fitted is replaced by
the next one from the same stream and counted.

Validated against: rbmi 1.6 ``method_approxbayes`` on fev_data within Monte-Carlo error
(tests/test_imputation_approxbayes.py) and a 95% coverage simulation
(benchmarks/coverage_approxbayes.py).
"""

from __future__ import annotations

import numpy as np

from trialkit.core.parallel import Executor, chunks, seed_children, single_threaded_blas
from trialkit.errors import ModelError
from trialkit.imputation.draws import FitContext, Params, refit_weighted
from trialkit.imputation.impute import Imputer

_CHUNK = 10
_MAX_TRIES = 20


def bootstrap_weights(rng: np.random.Generator, arm: np.ndarray) -> np.ndarray:
    """Multiplicity of each subject in a bootstrap sample stratified by arm."""
    w = np.zeros(arm.size)
    for a in np.unique(arm):
        members = np.flatnonzero(arm == a)
        pick = members[rng.integers(0, members.size, members.size)]
        w += np.bincount(pick, minlength=arm.size)
    return w


def fit_bootstrap(
    ctx: FitContext, rng: np.random.Generator, arm: np.ndarray, tol: float = 1e-7
) -> tuple[np.ndarray, Params, int]:
    """A bootstrap sample's weights, its fit, and how many samples failed before it.

    ``tol`` bounds the remaining quasi-Newton step (theta units); a draw's parameters need
    not be more precise than their bootstrap spread, so approximate Bayesian MI uses 1e-6.
    """
    for fails in range(_MAX_TRIES):
        w = bootstrap_weights(rng, arm)
        params = refit_weighted(ctx, w, tol)
        if params is not None:
            return w, params, fails
    raise ModelError(
        f"the imputation model could not be fitted on {_MAX_TRIES} bootstrap samples in a "
        "row; check the arm x visit cells with few observed values"
    )


def _draw_task(shared: tuple[Imputer, FitContext], seeds: list) -> tuple[np.ndarray, int]:
    imputer, ctx = shared
    ys, fails = [], 0
    with single_threaded_blas():
        for ss in seeds:
            rng = np.random.default_rng(ss)
            _, params, f = fit_bootstrap(ctx, rng, imputer.grid.arm, tol=1e-6)
            fails += f
            ys.append(imputer.values(params, rng))
    return np.stack(ys), fails


def approxbayes_datasets(
    imputer: Imputer, ctx: FitContext, n_samples: int, seed: object, executor: Executor
) -> tuple[np.ndarray, int]:
    """``n_samples`` imputed data sets ``(M, n, t)`` and the number of failed fits."""
    seeds = seed_children(seed, n_samples)
    tasks = [seeds[r.start : r.stop] for r in chunks(n_samples, _CHUNK)]
    parts = executor.map(_draw_task, (imputer, ctx), tasks)
    return imputer.datasets(np.concatenate([p[0] for p in parts])), int(sum(p[1] for p in parts))
