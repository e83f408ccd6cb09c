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
        a = sinv[:, None] @ jac[i] @ sinv[:, None]  # (P, q, tp, tp)
        pk = np.einsum("pqn,pmn->pqm", a.reshape(-1, q, tp * tp), b.XX)
        if second_order:
            bq = sinv[:, None] @ jac[i]  # Sigma^-1 dSigma_k
            c = np.einsum("pkts,plsu->pkltu", bq, a).reshape(-1, q * q, tp * tp)
            qk = np.einsum("pcn,pmn->pcm", c, b.XX).reshape(-1, q, q, k * k)
            r = (sinv[:, None, None] @ hes[i] @ sinv[:, None, None]).reshape(-1, q * q, tp * tp)
            rk = np.einsum("pcn,pmn->pcm", r, b.XX).reshape(-1, q, q, k * k)
        for g in range(lik.n_groups):
            sel = b.group == g
            if not sel.any():
                continue
            sl = slice(g * q, (g + 1) * q)
            P[sl] += pk[sel].sum(axis=0)
            if second_order:
                Q[sl, sl] += qk[sel].sum(axis=0)
                R[sl, sl] += rk[sel].sum(axis=0)
    shape = (k, k)
    return Components(
        P=P.reshape(m, *shape),
        Q=None if Q is None else Q.reshape(m, m, *shape),
        R=None if R is None else R.reshape(m, m, *shape),
    )


def sas_theta_vcov(lik: Likelihood, theta: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Transform the covariance of theta-hat to SAS's parametrisation: ``J W J'``."""
    st = lik.structure
    blocks = [st.sas_jacobian_of_map(lik.group_theta(theta, g)) for g in range(lik.n_groups)]
    jac = np.zeros((lik.n_theta, lik.n_theta))
    for g, b in enumerate(blocks):
        jac[g * lik.q : (g + 1) * lik.q, g * lik.q : (g + 1) * lik.q] = b
    return jac @ w @ jac.T
