r"""Impute the missing values of the grid from one set of model parameters.

For a subject with mean :math:`\mu` and covariance :math:`\Sigma` (from its strategy,
:mod:`trialkit.imputation.strategies`), observed values :math:`y_o` and missing visits
:math:`m`, the missing values are distributed as

.. math::

    y_m \mid y_o \sim N\!\left(\mu_m + \Sigma_{mo}\Sigma_{oo}^{-1}(y_o - \mu_o),\;
        \Sigma_{mm} - \Sigma_{mo}\Sigma_{oo}^{-1}\Sigma_{om}\right).

Conditional mean imputation uses the mean; approximate Bayesian MI draws from this
distribution. Observed values after a non-MAR event are conditioned on (they stay in the
data), as in rbmi. Subjects are processed in batches that share the arm, the reference arm,
the strategy, the event visit and the observed visits, so each batch is a few matrix
products whatever the number of subjects.

Validated against: rbmi 1.6 ``impute`` (conditional mean) on fev_data
(tests/test_imputation_rbmi.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trialkit.imputation.draws import Params
from trialkit.imputation.grid import Grid
from trialkit.imputation.strategies import Strategy


@dataclass(frozen=True)
class Batch:
    """Subjects whose strategy parameters are the same function of the model parameters."""

    rows: np.ndarray  # positions among the subjects with missing values
    strategy: str
    arm: int
    ref_arm: int
    is_mar: np.ndarray  # (t,) bool


@dataclass(frozen=True)
class MaskGroup:
    """Subjects (rows of the plan) with the same observed visits, with their index tuples and
    observed values taken once (every imputation reuses them)."""

    rows: np.ndarray
    observed: np.ndarray
    missing: np.ndarray
    ix_ro: tuple[np.ndarray, np.ndarray]
    ix_rm: tuple[np.ndarray, np.ndarray]
    ix_oo: tuple[np.ndarray, np.ndarray]
    ix_om: tuple[np.ndarray, np.ndarray]
    y_obs: np.ndarray  # (rows, observed)

    @classmethod
    def of(cls, rows: np.ndarray, obs_row: np.ndarray, y0: np.ndarray) -> MaskGroup:
        o, m = np.flatnonzero(obs_row), np.flatnonzero(~obs_row)
        ro = np.ix_(rows, o)
        return cls(rows, o, m, ro, np.ix_(rows, m), np.ix_(o, o), np.ix_(o, m), y0[ro])


@dataclass(frozen=True)
class Plan:
    """The subjects with missing values and how they are grouped."""

    need: np.ndarray  # grid indices of subjects with a missing value
    obs: np.ndarray  # (m, t) bool, observed
    y0: np.ndarray  # (m, t) outcome with missing set to 0
    batches: tuple[Batch, ...]
    X_own: np.ndarray  # (m, t, k) design rows of these subjects, own arm
    X_arm: tuple[np.ndarray, ...]  # recoded to each arm (grid.arms order)
    masks: tuple[MaskGroup, ...]


def make_batches(grid: Grid) -> Plan:
    """Group the subjects with missing values by strategy, arms and event visit."""
    miss = grid.missing
    need = np.flatnonzero(miss.any(axis=1))
    obs = ~miss[need]
    y0 = np.where(obs, grid.y[need], 0.0)
    X_own = np.ascontiguousarray(grid.X[need])
    X_arm = tuple(np.ascontiguousarray(Xa[need]) for Xa in grid.X_arm)
    codes = (obs * (1 << np.arange(grid.t))[None, :]).sum(axis=1)
    masks = []
    for c in np.unique(codes):
        rows = np.flatnonzero(codes == c)
        masks.append(MaskGroup.of(rows, obs[rows[0]], y0))
    if need.size == 0:
        return Plan(need, obs, y0, (), X_own, X_arm, ())
    strat_names = sorted(set(grid.strategy[need]))
    strat_code = np.array([strat_names.index(s) for s in grid.strategy[need]])
    ice = np.where(grid.strategy[need] == "MAR", grid.t, grid.ice[need])
    key = np.stack([strat_code, grid.arm[need], grid.ref_arm[need], ice], axis=1)
    uniq, inv = np.unique(key, axis=0, return_inverse=True)
    out = []
    for b in range(uniq.shape[0]):
        rows = np.flatnonzero(inv.ravel() == b)
        out.append(
            Batch(
                rows=rows,
                strategy=strat_names[int(uniq[b, 0])],
                arm=int(uniq[b, 1]),
                ref_arm=int(uniq[b, 2]),
                is_mar=np.arange(grid.t) < int(uniq[b, 3]),
            )
        )
    return Plan(need, obs, y0, tuple(out), X_own, X_arm, tuple(masks))


@dataclass(frozen=True)
class Imputer:
    """The grid, its batches and the strategies: everything an imputation needs but the
    parameters."""

    grid: Grid
    plan: Plan
    strategies: dict[str, Strategy]

    def __call__(self, params: Params, rng: np.random.Generator | None = None) -> np.ndarray:
        return impute(self.grid, self.plan, params, self.strategies, rng)

    def values(self, params: Params, rng: np.random.Generator | None = None) -> np.ndarray:
        """Only the imputed values, in the order of ``grid.missing`` (what a worker sends
        back: a fraction of the whole data set)."""
        return self(params, rng)[self.grid.missing]

    def datasets(self, values: np.ndarray) -> np.ndarray:
        """Whole data sets ``(D, n, t)`` from the imputed values ``(D, n_missing)`` of
        :meth:`values`."""
        Y = np.broadcast_to(self.grid.y, (values.shape[0], *self.grid.y.shape)).copy()
        Y[:, self.grid.missing] = values
        return Y


def impute(
    grid: Grid,
    plan: Plan,
    params: Params,
    strategies: dict[str, Strategy],
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    r"""The grid outcome with its missing values imputed: conditional means when ``rng`` is
    ``None``, else one random draw per missing value.

    All subjects are conditioned at once: with :math:`D_o` the diagonal indicator of the
    observed visits and :math:`M = D_o\Sigma D_o + (I - D_o)`,
    :math:`z = M^{-1}D_o(y - \mu)` holds :math:`\Sigma_{oo}^{-1}(y_o-\mu_o)` at the observed
    visits and 0 elsewhere, so the conditional mean is :math:`\mu + \Sigma z` at the missing
    visits and the conditional covariance is :math:`\Sigma - \Sigma D_oM^{-1}D_o\Sigma`.
    """
    y = grid.y.copy()
    if not plan.batches:
        return y
    t = grid.t
    sig = params.sigmas
    need = plan.need
    mu_own = plan.X_own @ params.beta  # (m, t)
    refs = {b.ref_arm for b in plan.batches}
    mu_arm = {a: plan.X_arm[a] @ params.beta for a in refs}
    MU = np.empty((need.size, t))
    covs = []
    for b in plan.batches:
        s_own = sig[b.arm] if len(sig) > 1 else sig[0]
        s_ref = sig[b.ref_arm] if len(sig) > 1 else sig[0]
        mu, S = strategies[b.strategy](
            mu_own[b.rows], mu_arm[b.ref_arm][b.rows], s_own, s_ref, b.is_mar
        )
        MU[b.rows] = mu
        covs.append(np.asarray(S, dtype=float))
    if rng is None and all(c is covs[0] or np.array_equal(c, covs[0]) for c in covs):
        # one covariance for everyone (a common Sigma): condition per observed-visit mask
        S = covs[0]
        mean = MU.copy()
        for g in plan.masks:
            if g.observed.size:
                A = np.linalg.solve(S[g.ix_oo], S[g.ix_om])
                mean[g.ix_rm] += (g.y_obs - MU[g.ix_ro]) @ A
        return _fill(y, need, plan.obs, mean)
    SS = np.empty((need.size, t, t))
    for b, S in zip(plan.batches, covs, strict=True):
        SS[b.rows] = S
    Do = plan.obs.astype(float)
    M = SS * Do[:, :, None] * Do[:, None, :] + np.eye(t) * (1.0 - Do)[:, None, :]
    z = np.linalg.solve(M, (Do * (plan.y0 - MU))[..., None])[..., 0]
    mean = MU + np.einsum("nts,ns->nt", SS, z)
    if rng is not None:
        SD = SS * Do[:, None, :]
        C = SS - SD @ np.linalg.solve(M, SD.transpose(0, 2, 1))
        C = 0.5 * (C + C.transpose(0, 2, 1)) * (1.0 - Do)[:, :, None] * (1.0 - Do)[:, None, :]
        L = np.linalg.cholesky(C + np.eye(t) * Do[:, None, :])
        n_miss = int((1.0 - Do).sum())
        zz = np.zeros((need.size, t))
        zz[~plan.obs] = rng.standard_normal(n_miss)
        mean = mean + np.einsum("nts,ns->nt", L, zz)
    return _fill(y, need, plan.obs, mean)


def _fill(y: np.ndarray, need: np.ndarray, obs: np.ndarray, mean: np.ndarray) -> np.ndarray:
    sub = y[need]
    sub[~obs] = mean[~obs]
    y[need] = sub
    return y
