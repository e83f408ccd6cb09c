r"""The derivative components :math:`P_k, Q_{kl}, R_{kl}` of the fitted MMRM (see
:mod:`trialkit.inference.components` for their definition), summed per missingness pattern
with the pattern's sufficient statistic ``XX`` (no per-subject loop), and the covariance of
the covariance parameters in SAS's parametrisation.

Validated against: R mmrm 0.3.18 Satterthwaite and Kenward-Roger results on fev_data.
"""

from __future__ import annotations

import numpy as np

from trialkit.inference.components import Components
from trialkit.models.likelihood import Evaluation, Likelihood


def components(
    lik: Likelihood,
    theta: np.ndarray,
    ev: Evaluation,
    *,
    second_order: bool = False,
    sas: bool = False,
) -> Components:
    """P (and optionally Q, R) at ``theta``; ``sas`` differentiates in SAS's parametrisation."""
    q, k, m = lik.q, lik.k, lik.n_theta
    P = np.zeros((m, k * k))
    Q = np.zeros((m, m, k * k)) if second_order else None
    R = np.zeros((m, m, k * k)) if second_order else None
    jac = lik.block_jacobians(theta, sas=sas)
    hes = lik.block_hessians(theta, sas=sas) if second_order else None
    for i, (b, sinv) in enumerate(zip(lik.blocks, ev.sigma_inv, strict=True)):
        tp = b.t
        a = (sinv[:, None] @ jac[i] @ sinv[:, None]).reshape(-1, q, tp * tp)  # (P, q, tp^2)
        if second_order:
            bq = sinv[:, None] @ jac[i]  # Sigma^-1 dSigma_k
            c = (bq[:, :, None] @ a.reshape(-1, 1, q, tp, tp)).reshape(-1, q * q, tp * tp)
            r = (sinv[:, None, None] @ hes[i] @ sinv[:, None, None]).reshape(-1, q * q, tp * tp)
        for g in range(lik.n_groups):
            sel = b.group == g
            if not sel.any():
                continue
            sl = slice(g * q, (g + 1) * q)
            xx = b.XX[sel]
            P[sl] += _pattern_sum(a[sel], xx)
            if second_order:
                Q[sl, sl] += _pattern_sum(c[sel], xx).reshape(q, q, k * k)
                R[sl, sl] += _pattern_sum(r[sel], xx).reshape(q, q, k * k)
    shape = (k, k)
    return Components(
        P=P.reshape(m, *shape),
        Q=None if Q is None else Q.reshape(m, m, *shape),
        R=None if R is None else R.reshape(m, m, *shape),
    )


def observed_hessian(lik: Likelihood, theta: np.ndarray, ev: Evaluation) -> np.ndarray:
    r"""Analytic Hessian of ``-loglik`` in ``theta`` (REML or ML, :math:`\beta` profiled out).

    Per pattern, with :math:`A = \Sigma_p^{-1}`, :math:`E_j = A\dot\Sigma_j`,
    :math:`W_p = S_p + H_p` and :math:`G_p = n_pA - AW_pA` as in the gradient
    (:mod:`trialkit.models.likelihood`),
    :math:`u_j = \sum_i X_i'A\dot\Sigma_jA r_i` and :math:`P_j` as in :func:`components`,

    .. math::

        \partial^2(-2\ell)/\partial\theta_j\partial\theta_k
          = \sum_p \big[\langle G_p, \ddot\Sigma_{jk}\rangle - n_p\,\mathrm{tr}(E_jE_k)
            + 2\,\mathrm{tr}(E_jE_kAW_p)\big] - 2u_j'\Phi u_k
            - \mathrm{tr}(\Phi P_j\Phi P_k),

    the last term and :math:`H_p` under REML only. It replaces the central differences of
    :meth:`~trialkit.models.likelihood.Likelihood.hessian` (20 likelihood evaluations for
    ``us`` over 4 visits) where repeated fits need the curvature at every step; spatial
    structures are not supported (``ValueError``).

    Validated against: :meth:`Likelihood.hessian` (central differences of the analytic
    gradient) on simulated trials (tests/test_power_lean.py).
    """
    if any(b.dist is not None for b in lik.blocks):
        raise ValueError("the analytic Hessian does not cover spatial structures")
    q, k, m, t = lik.q, lik.k, lik.n_theta, lik.structure.t
    beta, phi = ev.beta, ev.phi
    hess = np.zeros((m, m))
    P = np.zeros((m, k * k))
    U = np.zeros((m, k))
    gfull = np.zeros((lik.n_groups, t, t))
    for b, sinv, jac in zip(lik.blocks, ev.sigma_inv, lik.block_jacobians(theta), strict=True):
        tp = b.t
        inner = lik.residual_cross(b, beta)
        if lik.reml:
            inner = inner + (phi.ravel() @ b.XX).reshape(-1, tp, tp)
        np.add.at(
            gfull,
            (b.group[:, None, None], b.idx[:, :, None], b.idx[:, None, :]),
            b.n[:, None, None] * sinv - sinv @ inner @ sinv,
        )
        e = sinv[:, None] @ jac  # (P, q, tp, tp): A dSigma_j
        ew = e @ (sinv @ inner)[:, None]  # E_k A W
        per = 2.0 * np.einsum("pjab,pkba->pjk", e, ew) - b.n[:, None, None] * np.einsum(
            "pjab,pkba->pjk", e, e
        )
        bmat = (e @ sinv[:, None]).reshape(-1, q, tp * tp)  # A dSigma_j A
        for g in range(lik.n_groups):
            sel = b.group == g
            if not sel.any():
                continue
            sl = slice(g * q, (g + 1) * q)
            hess[sl, sl] += per[sel].sum(axis=0)
            P[sl] += _pattern_sum(bmat[sel], b.XX[sel])
            U[sl] += _pattern_sum(bmat[sel], b.XY[sel])
    for g in range(lik.n_groups):
        sl = slice(g * q, (g + 1) * q)
        d2 = lik.structure.hessian(lik.group_theta(theta, g))
        hess[sl, sl] += np.einsum("jkts,ts->jk", d2, gfull[g])
    Pm = P.reshape(m, k, k)
    U = U - Pm @ beta
    hess -= 2.0 * U @ phi @ U.T
    if lik.reml:
        pp = phi @ Pm  # (m, k, k): Phi P_j
        hess -= np.einsum("jab,kba->jk", pp, pp)
    hess *= 0.5
    return 0.5 * (hess + hess.T)


def _pattern_sum(left: np.ndarray, xx: np.ndarray) -> np.ndarray:
    """``sum_p left[p] @ xx[p]'`` for ``left (P, c, n)`` and ``xx (P, k*k, n)``: one GEMM."""
    n_p, c, n = left.shape
    return (
        left.transpose(1, 0, 2).reshape(c, n_p * n) @ xx.transpose(1, 0, 2).reshape(-1, n_p * n).T
    )


def sas_theta_vcov(lik: Likelihood, theta: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Transform the covariance of theta-hat to SAS's parametrisation: ``J W J'``."""
    st = lik.structure
    blocks = [st.sas_jacobian_of_map(lik.group_theta(theta, g)) for g in range(lik.n_groups)]
    jac = np.zeros((lik.n_theta, lik.n_theta))
    for g, b in enumerate(blocks):
        jac[g * lik.q : (g + 1) * lik.q, g * lik.q : (g + 1) * lik.q] = b
    return jac @ w @ jac.T
