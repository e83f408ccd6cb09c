r"""Fits of the imputation model: the full data, leave-one-subject-out and bootstrap samples.

The imputation model is the MMRM of :mod:`trialkit.models` (unstructured covariance,
REML by default, optionally one covariance per arm) fitted to the observed MAR values of the
grid. Its likelihood depends on the data only through the pattern-wise sufficient statistics
(:mod:`trialkit.models.patterns`)

.. math::

    XX_p = \sum_{i\in p} w_i\, x_i x_i',\quad XY_p = \sum_{i\in p} w_i\, x_i y_i',\quad
    YY_p = \sum_{i\in p} w_i\, y_i y_i',\quad n_p = \sum_{i\in p} w_i,

so a jackknife sample (subject :math:`j` left out) subtracts subject :math:`j`'s terms from
its own pattern, and a bootstrap sample re-weights subjects by their multiplicity
:math:`w_i`; the design is never rebuilt. Each refit starts from the full-data optimum and
takes chord-Newton steps :math:`\theta \leftarrow \theta - H_0^{-1} g(\theta)` with the
full-data Hessian :math:`H_0`; a subject's removal moves the optimum by
:math:`O(1/n)`, so two or three steps reach the gradient tolerance. A refit that does not
converge that way is handed to the full optimiser (:func:`trialkit.models.optimize.maximise`).

Validated against: rbmi 1.6 + mmrm 0.3.18 on fev_data (tests/test_imputation_rbmi.py).
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from trialkit.errors import ModelError
from trialkit.imputation.grid import Grid
from trialkit.models.covariance import Structure
from trialkit.models.likelihood import Likelihood
from trialkit.models.optimize import maximise
from trialkit.models.patterns import Pattern, build_patterns

_STEP_TOL = 1e-7  # |H0^-1 g|: the distance to the optimum, in theta units
#: How many full-data fits :func:`fit_full` remembers (keyed by a digest of its inputs).
FIT_MEMO_SIZE = 2
#: digest -> (the fit, its jackknife refits by subject range, made on first use)
_FIT_MEMO: OrderedDict[bytes, tuple[FitContext, dict[tuple[int, int], list[Params]]]] = (
    OrderedDict()
)


@dataclass(frozen=True)
class Params:
    """One set of imputation-model parameters."""

    beta: np.ndarray  # (k,)
    sigmas: tuple[np.ndarray, ...]  # (t, t) per covariance group
    theta: np.ndarray


@dataclass(frozen=True)
class FitContext:
    """What every refit reuses: the likelihood at full data, its optimum and the subject map."""

    lik: Likelihood
    theta: np.ndarray
    hess_inv: np.ndarray
    params: Params
    patterns: tuple[Pattern, ...]
    # per grid subject: block index, pattern index within block, member position (-1: none)
    block_of: np.ndarray
    slot_of: np.ndarray
    member_of: np.ndarray
    pattern_of: np.ndarray  # index into ``patterns`` (-1: subject has no fitted value)
    group_covariance: bool
    loglik: float
    n_subjects_fit: int
    n_obs_fit: int
    #: digest of the fit's inputs (:func:`fit_full`'s memo key)
    key: bytes = field(default=b"", repr=False)


def fit_full(grid: Grid, *, group_covariance: bool = False, reml: bool = True) -> FitContext:
    """Fit the imputation model to the observed MAR values of the grid.

    The fit is a function of the fitted values, their design rows and their subjects only,
    so the last :data:`FIT_MEMO_SIZE` fits are remembered by a digest of those inputs: two
    analyses of the same data that differ only in how the missing values are imputed (MAR
    and jump to reference, say) fit the imputation model once, and share its jackknife
    refits (:func:`remembered_refits`).

    Raises
    ------
    ModelError
        If the model does not converge.
    """
    key = _fit_key(grid, group_covariance, reml)
    if key in _FIT_MEMO:
        _FIT_MEMO.move_to_end(key)
        return _FIT_MEMO[key][0]
    ctx = dataclasses.replace(
        _fit_full(grid, group_covariance=group_covariance, reml=reml), key=key
    )
    _FIT_MEMO[key] = (ctx, {})
    while len(_FIT_MEMO) > FIT_MEMO_SIZE:
        _FIT_MEMO.popitem(last=False)
    return ctx


def remembered_refits(
    ctx: FitContext, subjects: range, make: Callable[[], list[Params]]
) -> list[Params]:
    """The leave-one-out refits of ``subjects`` from the fit ``ctx``: made by ``make()`` once
    per remembered fit, and reused by later analyses sharing the fit (a fit not in this
    process's memo, e.g. sent to a worker, makes them each time)."""
    entry = _FIT_MEMO.get(ctx.key)
    if entry is None or entry[0] is not ctx:
        return make()
    made = entry[1]
    span = (subjects.start, subjects.stop)
    if span not in made:
        made[span] = make()
    return made[span]


def _fit_key(grid: Grid, group_covariance: bool, reml: bool) -> bytes:
    """A digest of everything :func:`_fit_full` reads."""
    fit = grid.fit_mask
    digest = hashlib.blake2b(digest_size=20)
    for part in (fit, grid.X[fit], grid.y[fit], grid.arm):
        arr = np.ascontiguousarray(part)
        digest.update(f"{arr.dtype}{arr.shape}".encode())
        digest.update(arr.tobytes())
    digest.update(repr((grid.columns, len(grid.arms), group_covariance, reml)).encode())
    return digest.digest()


def _fit_full(grid: Grid, *, group_covariance: bool, reml: bool) -> FitContext:
    fit = grid.fit_mask
    has = fit.any(axis=1)
    n_fit = int(has.sum())
    rows_subject = np.repeat(np.arange(grid.n), grid.t).reshape(grid.n, grid.t)
    sub_code = np.cumsum(has) - 1
    design = dataclasses.replace(
        grid.design,
        X=grid.X[fit],
        y=grid.y[fit],
        subject=sub_code[rows_subject[fit]].astype(np.int64),
        visit=np.broadcast_to(np.arange(grid.t), fit.shape)[fit].astype(np.int64),
        arm=np.repeat(grid.arm[:, None], grid.t, 1)[fit].astype(np.int64),
    )
    visits_with_data = fit.any(axis=0)
    if not visits_with_data.all():
        v = grid.visits[int(np.flatnonzero(~visits_with_data)[0])]
        raise ModelError(f"the imputation model has no observed MAR value at {grid.visit_name(v)}")
    patterns = build_patterns(design, grid.t, group_covariance)
    n_groups = len(grid.arms) if group_covariance else 1
    st = Structure("us", grid.t)
    lik = Likelihood(patterns, st, n_groups, design.k, design.n_obs, reml)
    emp = _start_covariance(design.X, design.y, design.subject, design.visit, grid.t)
    theta0 = np.concatenate([st.start(emp)] * n_groups)
    opt = maximise(lik, theta0)
    if not opt.converged:
        raise ModelError(
            f"the imputation model (unstructured MMRM) did not converge: {opt.message}"
        )
    block_of, slot_of, member_of, pattern_of = _subject_map(grid, fit, has, patterns, n_groups)
    ev = opt.evaluation
    return FitContext(
        lik=lik,
        theta=opt.theta,
        hess_inv=np.linalg.inv(opt.hessian),
        params=Params(ev.beta, tuple(ev.sigmas), opt.theta),
        patterns=patterns,
        block_of=block_of,
        slot_of=slot_of,
        member_of=member_of,
        pattern_of=pattern_of,
        group_covariance=group_covariance,
        loglik=-float(ev.nll),
        n_subjects_fit=n_fit,
        n_obs_fit=int(design.n_obs),
    )


def _start_covariance(X: np.ndarray, y: np.ndarray, subj: np.ndarray, vis: np.ndarray, t: int):
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    res = np.full((int(subj.max()) + 1, t), np.nan)
    res[subj, vis] = y - X @ beta
    m = np.isfinite(res)
    r0 = np.where(m, res, 0.0)
    cnt = m.T.astype(float) @ m.astype(float)
    emp = (r0.T @ r0) / np.maximum(cnt - 1, 1)
    d = np.diag(emp).copy()
    d[d <= 0] = np.mean(d[d > 0]) if np.any(d > 0) else 1.0
    np.fill_diagonal(emp, d)
    if np.linalg.eigvalsh(emp).min() <= 1e-8 * d.max():
        emp = np.diag(d)
    return emp


def _subject_map(grid: Grid, fit: np.ndarray, has: np.ndarray, patterns, n_groups: int):
    """Locate every grid subject inside the pattern statistics (same keys as build_patterns)."""
    t = grid.t
    mask = (fit * (1 << np.arange(t))[None, :]).sum(axis=1)
    group = grid.arm if n_groups > 1 else np.zeros(grid.n, dtype=np.int64)
    key = np.where(has, group * (1 << t) + mask, -1)
    keys = np.unique(key[has])
    assert len(keys) == len(patterns)
    sizes = sorted({p.t for p in patterns})
    block_idx = {}
    for b, tp in enumerate(sizes):
        ps = [j for j, p in enumerate(patterns) if p.t == tp]
        for slot, j in enumerate(ps):
            block_idx[j] = (b, slot)
    block_of = np.full(grid.n, -1, dtype=np.int64)
    slot_of = np.full(grid.n, -1, dtype=np.int64)
    member_of = np.full(grid.n, -1, dtype=np.int64)
    pattern_of = np.full(grid.n, -1, dtype=np.int64)
    for j, kv in enumerate(keys):
        members = np.flatnonzero(key == kv)
        pattern_of[members] = j
        member_of[members] = np.arange(members.size)
        block_of[members], slot_of[members] = block_idx[j]
        # the statistics must be the ones of these subjects, in this order
        assert np.array_equal(
            patterns[j].Y[:, 0], grid.y[members][fit[members]].reshape(members.size, -1)[:, 0]
        )
    return block_of, slot_of, member_of, pattern_of


def subject_stats(ctx: FitContext, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    p = ctx.patterns[int(ctx.pattern_of[i])]
    m = int(ctx.member_of[i])
    Xi, yi = p.X[m], p.Y[m]
    tp, k = Xi.shape
    flat = Xi.reshape(-1)
    xx = np.outer(flat, flat).reshape(tp, k, tp, k).transpose(1, 3, 0, 2).reshape(k * k, tp * tp)
    xy = np.einsum("ta,s->ats", Xi, yi).reshape(k, tp * tp)
    return xx, xy, np.outer(yi, yi), tp


def _refit(ctx: FitContext, lik: Likelihood, tol: float = _STEP_TOL) -> Params | None:
    """Quasi-Newton from the full-data optimum: the first step uses the full-data Hessian,
    later ones its BFGS update; the full optimiser if that stalls."""
    theta = ctx.theta.copy()
    h_inv = ctx.hess_inv.copy()
    best = np.inf
    prev: tuple[np.ndarray, np.ndarray] | None = None
    with np.errstate(all="ignore"):
        for _ in range(40):
            try:
                ev = lik.evaluate(theta)
            except (np.linalg.LinAlgError, ValueError):
                break
            if prev is not None:
                s_, y_ = theta - prev[0], ev.grad - prev[1]
                sy = float(s_ @ y_)
                if sy > 1e-300:
                    rho = 1.0 / sy
                    v = np.eye(theta.size) - rho * np.outer(s_, y_)
                    h_inv = v @ h_inv @ v.T + rho * np.outer(s_, s_)
            step = h_inv @ ev.grad
            size = float(np.max(np.abs(step)))
            if not np.isfinite(size) or size > 10 * best:
                break
            if size < tol:
                return Params(ev.beta, tuple(ev.sigmas), theta)
            best = min(best, size)
            prev = (theta, ev.grad)
            theta = theta - step
    opt = maximise(lik, ctx.theta.copy())
    if not opt.converged:
        return None
    ev = opt.evaluation
    return Params(ev.beta, tuple(ev.sigmas), opt.theta)


def refit_without(ctx: FitContext, i: int) -> Params:
    """The imputation model fitted without grid subject ``i`` (a jackknife sample)."""
    if ctx.pattern_of[i] < 0:  # the subject contributes nothing to the fit
        return ctx.params
    xx, xy, yy, tp = subject_stats(ctx, i)
    b, s = int(ctx.block_of[i]), int(ctx.slot_of[i])
    blocks = list(ctx.lik.blocks)
    blk = blocks[b]
    n = blk.n.copy()
    n[s] -= 1.0
    XX, XY, YY = blk.XX.copy(), blk.XY.copy(), blk.YY.copy()
    XX[s] -= xx
    XY[s] -= xy
    YY[s] -= yy
    blocks[b] = dataclasses.replace(blk, n=n, XX=XX, XY=XY, YY=YY)
    lik = copy.copy(ctx.lik)
    lik.blocks = tuple(blocks)
    lik.n_obs = ctx.lik.n_obs - tp
    out = _refit(ctx, lik)
    if out is None:
        raise ModelError(
            f"the imputation model did not converge without subject {i} (jackknife sample)"
        )
    return out


def refit_weighted(ctx: FitContext, w: np.ndarray, tol: float = _STEP_TOL) -> Params | None:
    """The imputation model fitted with subject multiplicities ``w`` (a bootstrap sample).

    Returns ``None`` when the fit fails (e.g. an arm x visit cell left empty).
    """
    blocks = []
    n_obs = 0
    for blk in ctx.lik.blocks:
        P = blk.idx.shape[0]
        n = np.zeros(P)
        XX, XY, YY = np.zeros_like(blk.XX), np.zeros_like(blk.XY), np.zeros_like(blk.YY)
        blocks.append([blk, n, XX, XY, YY])
    for j, p in enumerate(ctx.patterns):
        members = np.flatnonzero(ctx.pattern_of == j)
        wm = w[members].astype(float)
        if not wm.any():
            continue
        b, s = int(ctx.block_of[members[0]]), int(ctx.slot_of[members[0]])
        _, n, XX, XY, YY = blocks[b]
        tp, k = p.X.shape[1], p.X.shape[2]
        flat = p.X.reshape(p.n, tp * k)
        n[s] = wm.sum()
        XX[s] = (
            ((flat.T * wm) @ flat)
            .reshape(tp, k, tp, k)
            .transpose(1, 3, 0, 2)
            .reshape(k * k, tp * tp)
        )
        XY[s] = np.einsum("n,nta,ns->ats", wm, p.X, p.Y, optimize=True).reshape(k, tp * tp)
        YY[s] = (p.Y.T * wm) @ p.Y
        n_obs += int(wm.sum()) * tp
    lik = copy.copy(ctx.lik)
    lik.blocks = tuple(
        dataclasses.replace(blk, n=n, XX=XX, XY=XY, YY=YY) for blk, n, XX, XY, YY in blocks
    )
    lik.n_obs = n_obs
    return _refit(ctx, lik, tol)
