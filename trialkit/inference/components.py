r"""Derivative components of :math:`\Phi = (X'V^{-1}X)^{-1}` with respect to the covariance
parameters, in the notation of Kenward & Roger (1997):

.. math::

    P_k = X'V^{-1}\dot V_k V^{-1}X,\quad
    Q_{kl} = X'V^{-1}\dot V_k V^{-1}\dot V_l V^{-1}X,\quad
    R_{kl} = X'V^{-1}\ddot V_{kl} V^{-1}X,

so that :math:`\partial\Phi/\partial\theta_k = \Phi P_k\Phi`. Sums over subjects are taken per
missingness pattern with the pattern's sufficient statistic ``XX`` (no per-subject loop).

Validated against: R mmrm 0.3.18 Satterthwaite and Kenward-Roger results on fev_data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trialkit.models.likelihood import Evaluation, Likelihood


@dataclass(frozen=True)
class Components:
    """``P`` is ``(m, k, k)``; ``Q`` and ``R`` are ``(m, m, k, k)`` (None when not needed)."""

    P: np.ndarray
    Q: np.ndarray | None
    R: np.ndarray | None


def components(
    lik: Likelihood,
    theta: np.ndarray,
    ev: Evaluation,
    *,
    second_order: bool = False,
    sas: bool = False,
) -> Components:
    """P (and optionally Q, R) at ``theta``; ``sas`` differentiates in SAS's parametrisation."""
    st = lik.structure
    q, k, m = lik.q, lik.k, lik.n_theta
    P = np.zeros((m, k * k))
    Q = np.zeros((m, m, k * k)) if second_order else None
    R = np.zeros((m, m, k * k)) if second_order else None
    jac = [st.jacobian(lik.group_theta(theta, g), sas=sas) for g in range(lik.n_groups)]
    hes = (
        [st.hessian(lik.group_theta(theta, g), sas=sas) for g in range(lik.n_groups)]
        if second_order
        else None
    )
    for p, sinv in zip(lik.patterns, ev.sigma_inv, strict=True):
        g, tp = p.group, p.t
        sl = slice(g * q, (g + 1) * q)
        d = jac[g][:, p.idx][:, :, p.idx]
        a = sinv @ d @ sinv  # (q, tp, tp)
        P[sl] += a.reshape(q, tp * tp) @ p.XX.T
        if second_order:
            b = sinv @ d  # (q, tp, tp)
            c = np.einsum("kts,lsu->kltu", b, a).reshape(q * q, tp * tp)
            Q[sl, sl] += (c @ p.XX.T).reshape(q, q, k * k)
            dd = hes[g][:, :, p.idx][:, :, :, p.idx]
            r = (sinv @ dd @ sinv).reshape(q * q, tp * tp)
            R[sl, sl] += (r @ p.XX.T).reshape(q, q, k * k)
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
