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
