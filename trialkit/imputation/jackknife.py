r"""Leave-one-subject-out refits of the imputation model, many at once.

Jackknife sample :math:`j` drops subject :math:`i_j` from its pattern :math:`p_j`. For a
batch of samples with parameters :math:`\theta_j` (unstructured covariance, the mmrm
parametrisation of :mod:`trialkit.models.covariance`), every quantity of the REML/ML
criterion of :mod:`trialkit.models.likelihood` is a sum over patterns that is *linear* in the
full-data pattern statistics, so

.. math::

    X'V_j^{-1}X = \sum_p XX_p\cdot\mathrm{vec}\,\Sigma_{jp}^{-1}
        - x_{i_j}'\Sigma_{jp_j}^{-1}x_{i_j}

and likewise for :math:`X'V^{-1}y`, :math:`y'V^{-1}y`, the log-determinant and the gradient
:math:`\tfrac12\sum_p\langle G_p, \partial\Sigma_p/\partial\theta\rangle`. The batch is
evaluated with a few matrix products over (samples x patterns), and each sample takes
chord-Newton steps :math:`\theta_j \leftarrow \theta_j - H_0^{-1}g_j(\theta_j)` from the
full-data optimum (:math:`H_0` its Hessian) until the step is below ``1e-9``. The design and
the pattern statistics are built once for all samples.

Validated against: the single-sample refit through :class:`trialkit.models.likelihood.Likelihood`
(tests/test_imputation_engine.py) and rbmi 1.6 condmean + jackknife on fev_data
(tests/test_imputation_rbmi.py).
"""

from __future__ import annotations

import numpy as np

from trialkit.imputation.draws import FitContext, Params, refit_without, subject_stats

_STEP_TOL = 1e-9
_MAX_STEPS = 40


def _us_batch(theta: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray]:
    """Sigma ``(J, t, t)`` and its Jacobian ``(J, q, t, t)`` for ``J`` us parameter vectors."""
    J, q = theta.shape
    sd = np.exp(theta[:, :t])
    rows, cols = np.tril_indices(t, -1)
    L = np.zeros((J, t, t))
    L[:, rows, cols] = sd[:, rows] * theta[:, t:]
    L[:, np.arange(t), np.arange(t)] = sd
    dl = np.zeros((J, q, t, t))
    dl[:, np.arange(t), np.arange(t), :] = L  # d/d log sd_i scales row i of L
    dl[:, np.arange(t, q), rows, cols] = sd[:, rows]
    prod = dl @ L[:, None].transpose(0, 1, 3, 2)
    return L @ L.transpose(0, 2, 1), prod + prod.transpose(0, 1, 3, 2)


class JackknifeBatch:
    """Evaluate the criterion for many leave-one-out samples at once."""

    def __init__(self, ctx: FitContext, subjects: np.ndarray) -> None:
        lik = ctx.lik
        self.ctx = ctx
        self.k, self.G, self.q, self.t = lik.k, lik.n_groups, lik.q, lik.structure.t
        self.reml = lik.reml
        self.J = subjects.size
        self.n_obs = np.full(self.J, float(lik.n_obs))
        self.blocks = []
        for b, blk in enumerate(lik.blocks):
            P, tp = blk.idx.shape
            sel = np.flatnonzero(ctx.block_of[subjects] == b)
            slots = ctx.slot_of[subjects[sel]]
            stats = [subject_stats(ctx, int(i)) for i in subjects[sel]]
            k2, t2 = self.k * self.k, tp * tp
            xx = np.array([s[0] for s in stats]).reshape(sel.size, k2 * t2)
            xy = np.array([s[1] for s in stats]).reshape(sel.size, self.k * t2)
            yy = np.array([s[2] for s in stats]).reshape(sel.size, t2)
            self.n_obs[sel] -= tp
            # 0/1 map from this block's (pattern, visit, visit) cells to (group, visit, visit)
            cell = (
                blk.group[:, None, None] * self.t * self.t
                + blk.idx[:, :, None] * self.t
                + blk.idx[:, None, :]
            ).ravel()
            scatter = np.zeros((P * tp * tp, self.G * self.t * self.t))
            scatter[np.arange(cell.size), cell] = 1.0
            n = np.broadcast_to(blk.n, (self.J, P)).copy()
            n[sel, slots] -= 1.0
            self.blocks.append(
                dict(
                    idx=blk.idx,
                    cell=cell,
                    scatter=scatter,
                    group=blk.group,
                    tp=tp,
                    P=P,
                    n=n,
                    XXc=blk.XX.transpose(1, 0, 2).reshape(self.k**2, P * tp * tp),
                    XYc=blk.XY.transpose(1, 0, 2).reshape(self.k, P * tp * tp),
                    YY=blk.YY.reshape(P * tp * tp),
                    sel=sel,
                    slots=slots,
                    xx=xx,
                    xy=xy,
                    yy=yy,
                )
            )

    def evaluate(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, list]:
        """Gradient ``(J, n_theta)``, beta ``(J, k)``, and the group covariances."""
        J, k, G, q, t = theta.shape[0], self.k, self.G, self.q, self.t
        sig, jac = zip(
            *(_us_batch(theta[:, g * q : (g + 1) * q], t) for g in range(G)), strict=True
        )
        sig_all = np.stack(sig, axis=1)  # (J, G, t, t)
        xtvx = np.zeros((J, k * k))
        xtvy = np.zeros((J, k))
        sinvs = []
        for b in self.blocks:
            S = sig_all.reshape(J, -1)[:, b["cell"]].reshape(J, b["P"], b["tp"], b["tp"])
            Sinv = np.linalg.inv(S)
            Sinv = 0.5 * (Sinv + Sinv.transpose(0, 1, 3, 2))
            sinvs.append(Sinv)
            V = Sinv.reshape(J, -1)
            xtvx += V @ b["XXc"].T
            xtvy += V @ b["XYc"].T
            sel, slots = b["sel"], b["slots"]
            if sel.size:
                Vi = Sinv[sel, slots].reshape(sel.size, -1)
                xtvx[sel] -= np.einsum("jmn,jn->jm", b["xx"].reshape(sel.size, k * k, -1), Vi)
                xtvy[sel] -= np.einsum("jan,jn->ja", b["xy"].reshape(sel.size, k, -1), Vi)
        xtvx = xtvx.reshape(J, k, k)
        phi = np.linalg.inv(xtvx)
        phi = 0.5 * (phi + phi.transpose(0, 2, 1))
        beta = np.einsum("jab,jb->ja", phi, xtvy)
        w = np.einsum("ja,jb->jab", beta, beta)
        if self.reml:
            w = w + phi
        w = w.reshape(J, k * k)
        gfull = np.zeros((J, G * t * t))
        for b, Sinv in zip(self.blocks, sinvs, strict=True):
            P, tp = b["P"], b["tp"]
            bx = (beta @ b["XYc"]).reshape(J, P, tp, tp)
            inner = (
                (b["YY"][None] + w @ b["XXc"]).reshape(J, P, tp, tp) - bx - bx.transpose(0, 1, 3, 2)
            )
            sel, slots = b["sel"], b["slots"]
            if sel.size:
                bxi = np.einsum("ja,jan->jn", beta[sel], b["xy"].reshape(sel.size, k, -1))
                bxi = bxi.reshape(sel.size, tp, tp)
                corr = (
                    b["yy"].reshape(sel.size, tp, tp)
                    + np.einsum("jm,jmn->jn", w[sel], b["xx"].reshape(sel.size, k * k, -1)).reshape(
                        sel.size, tp, tp
                    )
                    - bxi
                    - bxi.transpose(0, 2, 1)
                )
                inner[sel, slots] -= corr
            gp = b["n"][:, :, None, None] * Sinv - Sinv @ inner @ Sinv
            gfull += gp.reshape(J, -1) @ b["scatter"]
        gfull = gfull.reshape(J, G, t, t)
        grad = np.concatenate(
            [0.5 * np.einsum("jkts,jts->jk", jac[g], gfull[:, g]) for g in range(G)], axis=1
        )
        return grad, beta, list(sig)


def refit_batch(ctx: FitContext, subjects: np.ndarray) -> list[Params]:
    """Leave-one-out fits for ``subjects`` (grid indices), in order."""
    out: list[Params | None] = [None] * subjects.size
    fitted = ctx.pattern_of[subjects] >= 0
    for j in np.flatnonzero(~fitted):
        out[j] = ctx.params
    todo = np.flatnonzero(fitted)
    if todo.size:
        batch = JackknifeBatch(ctx, subjects[todo])
        theta = np.broadcast_to(ctx.theta, (todo.size, ctx.theta.size)).copy()
        done = np.zeros(todo.size, dtype=bool)
        with np.errstate(all="ignore"):
            for _ in range(_MAX_STEPS):
                try:
                    grad, beta, sig = batch.evaluate(theta)
                except np.linalg.LinAlgError:
                    break
                step = grad @ ctx.hess_inv.T
                size = np.max(np.abs(step), axis=1)
                newly = (size < _STEP_TOL) & ~done
                for j in np.flatnonzero(newly):
                    out[int(todo[j])] = Params(
                        beta[j].copy(), tuple(s[j].copy() for s in sig), theta[j].copy()
                    )
                done |= newly
                if done.all():
                    break
                theta = np.where(done[:, None], theta, theta - step)
    for j in range(subjects.size):
        if out[j] is None:  # did not settle: the single-sample path with the full optimiser
            out[j] = refit_without(ctx, int(subjects[j]))
    return out  # type: ignore[return-value]
