r"""The (restricted) Gaussian log-likelihood of a marginal repeated-measures model.

With :math:`V = \mathrm{blockdiag}(\Sigma_i)` and the GLS estimate
:math:`\hat\beta = (X'V^{-1}X)^{-1}X'V^{-1}y`,

.. math::

    -2\ell_R(\theta) = \sum_i \log|\Sigma_i| + r'V^{-1}r + \log|X'V^{-1}X| + (N-k)\log 2\pi

(ML drops the :math:`\log|X'V^{-1}X|` term and uses :math:`N\log 2\pi`). This is the value R
mmrm's ``logLik`` and SAS PROC MIXED report (nlme additionally adds
:math:`\tfrac12\log|X'X|` under REML). The gradient is, with
:math:`G_p = n_p\Sigma_p^{-1} - \Sigma_p^{-1}(S_p + H_p)\Sigma_p^{-1}`,
:math:`S_p = \sum_{i\in p} r_i r_i'` and (REML only)
:math:`H_p[t,s] = \sum_{ab}\Phi_{ab}\,XX_p[a,b,t,s]`,

.. math::

    \partial(-2\ell)/\partial\theta_k
        = \sum_p \langle G_p, \partial\Sigma_p/\partial\theta_k\rangle .

Patterns of equal size are stacked (:class:`~trialkit.models.patterns.Block`), so each
evaluation is a handful of batched NumPy operations whatever the number of subjects.

Validated against: R mmrm 0.3.18 log-likelihoods on fev_data (9 structures, REML and ML) and
nlme::gls (spatial exponential, tests/reference/fev/kr_spexp_check.out).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trialkit.models.covariance import Structure
from trialkit.models.patterns import Block, Pattern, stack_blocks

LOG2PI = float(np.log(2 * np.pi))


@dataclass(frozen=True)
class Evaluation:
    """Quantities at one value of theta."""

    nll: float  # -loglik
    grad: np.ndarray  # d(-loglik)/d theta
    beta: np.ndarray
    phi: np.ndarray  # (X'V^-1 X)^-1
    sigma_inv: tuple[np.ndarray, ...]  # per block, (P, t_p, t_p)
    sigmas: tuple[np.ndarray, ...]  # full t x t per group


class Likelihood:
    """(RE)ML criterion over missingness patterns for one or more covariance groups."""

    def __init__(
        self,
        patterns: tuple[Pattern, ...],
        structure: Structure,
        n_groups: int,
        k: int,
        n_obs: int,
        reml: bool,
    ) -> None:
        self.patterns = patterns
        self.blocks: tuple[Block, ...] = stack_blocks(patterns)
        self.structure = structure
        self.n_groups = n_groups
        self.k = k
        self.n_obs = n_obs
        self.reml = reml
        self.q = structure.n_theta

    @property
    def n_theta(self) -> int:
        return self.q * self.n_groups

    def group_theta(self, theta: np.ndarray, g: int) -> np.ndarray:
        return theta[g * self.q : (g + 1) * self.q]

    def sigmas(self, theta: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(self.structure.cov(self.group_theta(theta, g)) for g in range(self.n_groups))

    # --- per-block covariance and its derivatives -----------------------------------------
    def _gather(self, full: np.ndarray, b: Block) -> np.ndarray:
        """Pick each pattern's visits from per-group arrays ``(G, ..., t, t)``."""
        g = b.group.reshape(-1, *([1] * (full.ndim - 1)))
        lead = tuple(
            np.arange(full.shape[d]).reshape(1, *([1] * (d - 1)), -1, *([1] * (full.ndim - d - 1)))
            for d in range(1, full.ndim - 2)
        )
        rows = b.idx.reshape(-1, *([1] * (full.ndim - 3)), b.t, 1)
        cols = b.idx.reshape(-1, *([1] * (full.ndim - 3)), 1, b.t)
        return full[(g, *lead, rows, cols)]

    def _spatial(self, b: Block, theta: np.ndarray, what: str, sas: bool) -> np.ndarray:
        assert b.dist is not None
        outs = []
        for g in range(self.n_groups):
            st = self.structure.at(b.dist)
            th = self.group_theta(theta, g)
            val = st.cov(th) if what == "cov" else getattr(st, what)(th, sas=sas)
            outs.append(val)
        # move the pattern axis first: cov (P,t,t); jacobian (q,P,t,t); hessian (q,q,P,t,t)
        stacked = np.stack(outs)  # (G, ...)
        if what == "jacobian":
            stacked = np.moveaxis(stacked, 2, 1)  # (G,P,q,t,t)
        elif what == "hessian":
            stacked = np.moveaxis(stacked, 3, 1)  # (G,P,q,q,t,t)
        sel = stacked[b.group, np.arange(b.group.size)]
        return sel

    def block_sigmas(self, theta: np.ndarray, sig: tuple[np.ndarray, ...]) -> list[np.ndarray]:
        out = []
        for b in self.blocks:
            if b.dist is not None:
                out.append(self._spatial(b, theta, "cov", False))
            else:
                out.append(self._gather(np.stack(sig), b))
        return out

    def block_jacobians(self, theta: np.ndarray, sas: bool = False) -> list[np.ndarray]:
        """``d Sigma_p / d theta`` as ``(P, q, t_p, t_p)`` per block."""
        return self._block_derivatives(theta, "jacobian", sas)

    def block_hessians(self, theta: np.ndarray, sas: bool = False) -> list[np.ndarray]:
        """``d^2 Sigma_p / d theta^2`` as ``(P, q, q, t_p, t_p)`` per block."""
        return self._block_derivatives(theta, "hessian", sas)

    def _block_derivatives(self, theta: np.ndarray, what: str, sas: bool) -> list[np.ndarray]:
        full = None
        out = []
        for b in self.blocks:
            if b.dist is not None:
                out.append(self._spatial(b, theta, what, sas))
                continue
            if full is None:
                derive = getattr(self.structure, what)
                full = np.stack(
                    [derive(self.group_theta(theta, g), sas=sas) for g in range(self.n_groups)]
                )
            out.append(self._gather(full, b))
        return out

    # --- criterion ------------------------------------------------------------------------
    def evaluate(self, theta: np.ndarray, gradient: bool = True) -> Evaluation:
        """-loglik, its gradient, beta-hat and (X'V^-1X)^-1 at ``theta``.

        Raises ``np.linalg.LinAlgError`` when a covariance block is not positive definite.
        """
        k = self.k
        sig = self.sigmas(theta)
        xtvx = np.zeros(k * k)
        xtvy = np.zeros(k)
        yvy = 0.0
        logdet = 0.0
        sinv_list = []
        for b, s in zip(self.blocks, self.block_sigmas(theta, sig), strict=True):
            chol = np.linalg.cholesky(s)
            logdet += 2.0 * float(b.n @ np.sum(np.log(np.diagonal(chol, axis1=1, axis2=2)), axis=1))
            sinv = np.linalg.inv(s)
            sinv = 0.5 * (sinv + sinv.transpose(0, 2, 1))
            sinv_list.append(sinv)
            v = sinv.reshape(sinv.shape[0], -1)
            xtvx += np.einsum("pmn,pn->m", b.XX, v)
            xtvy += np.einsum("pan,pn->a", b.XY, v)
            yvy += float(np.sum(b.YY * sinv))
        xtvx_m = xtvx.reshape(k, k)
        cx = np.linalg.cholesky(xtvx_m)
        phi = np.linalg.inv(xtvx_m)
        phi = 0.5 * (phi + phi.T)
        beta = phi @ xtvy
        quad = yvy - float(beta @ xtvy)
        m2ll = logdet + quad
        if self.reml:
            m2ll += 2.0 * float(np.sum(np.log(np.diag(cx)))) + (self.n_obs - k) * LOG2PI
        else:
            m2ll += self.n_obs * LOG2PI
        grad = np.zeros(self.n_theta)
        if gradient:
            grad = self._gradient(theta, beta, phi, sinv_list)
        return Evaluation(0.5 * m2ll, grad, beta, phi, tuple(sinv_list), sig)

    def residual_cross(self, b: Block, beta: np.ndarray) -> np.ndarray:
        """``S_p = sum_i r_i r_i'`` for every pattern of block ``b`` at ``beta``."""
        tp = b.t
        bx = np.einsum("a,pan->pn", beta, b.XY).reshape(-1, tp, tp)
        bxb = np.einsum("m,pmn->pn", np.outer(beta, beta).ravel(), b.XX).reshape(-1, tp, tp)
        return b.YY - bx - bx.transpose(0, 2, 1) + bxb

    def _gradient(
        self,
        theta: np.ndarray,
        beta: np.ndarray,
        phi: np.ndarray,
        sinv_list: list[np.ndarray],
    ) -> np.ndarray:
        t = self.structure.t
        phiv = phi.ravel()
        grad = np.zeros(self.n_theta)
        gfull = np.zeros((self.n_groups, t, t))
        spatial = any(b.dist is not None for b in self.blocks)
        jacs = self.block_jacobians(theta) if spatial else None
        for i, (b, sinv) in enumerate(zip(self.blocks, sinv_list, strict=True)):
            inner = self.residual_cross(b, beta)
            if self.reml:
                inner = inner + np.einsum("m,pmn->pn", phiv, b.XX).reshape(-1, b.t, b.t)
            gp = b.n[:, None, None] * sinv - sinv @ inner @ sinv
            if jacs is not None:
                contrib = 0.5 * np.einsum("pkts,pts->pk", jacs[i], gp)
                for g in range(self.n_groups):
                    grad[g * self.q : (g + 1) * self.q] += contrib[b.group == g].sum(axis=0)
            else:
                np.add.at(gfull, (b.group[:, None, None], b.idx[:, :, None], b.idx[:, None, :]), gp)
        if jacs is None:
            for g in range(self.n_groups):
                d = self.structure.jacobian(self.group_theta(theta, g))
                grad[g * self.q : (g + 1) * self.q] = 0.5 * np.einsum("kts,ts->k", d, gfull[g])
        return grad

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """Observed Hessian of -loglik by central differences of the analytic gradient."""
        n = self.n_theta
        out = np.empty((n, n))
        for j in range(n):
            h = 1e-5 * max(1.0, abs(float(theta[j])))
            up, dn = theta.copy(), theta.copy()
            up[j] += h
            dn[j] -= h
            out[:, j] = (self.evaluate(up).grad - self.evaluate(dn).grad) / (2 * h)
        return 0.5 * (out + out.T)
