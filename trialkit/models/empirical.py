r"""Empirical (sandwich, cluster-robust CR0) covariance of the fixed effects.

.. math::  \Phi_E = \Phi\Big(\sum_i X_i'\Sigma_i^{-1} r_i r_i'\Sigma_i^{-1} X_i\Big)\Phi,

with :math:`r_i = y_i - X_i\hat\beta`. Evaluated per missingness pattern with one
``einsum`` over its subjects.

Validated against: R mmrm 0.3.18 ``vcov = "Empirical"`` definition (see tests).
"""

from __future__ import annotations

import numpy as np

from trialkit.models.likelihood import Evaluation, Likelihood


def empirical_vcov(lik: Likelihood, ev: Evaluation) -> np.ndarray:
    """The sandwich covariance at the fitted values."""
    k = lik.k
    meat = np.zeros((k, k))
    sinv_by_pattern = {}
    for b, sinv in zip(lik.blocks, ev.sigma_inv, strict=True):
        for j in range(sinv.shape[0]):
            sinv_by_pattern[(b.t, j)] = sinv[j]
    seen: dict[int, int] = {}
    for p in lik.patterns:  # one batched einsum per pattern (patterns, not subjects)
        j = seen.get(p.t, 0)
        seen[p.t] = j + 1
        sinv = sinv_by_pattern[(p.t, j)]
        r = p.Y - np.einsum("nta,a->nt", p.X, ev.beta)
        u = np.einsum("nta,ts,ns->na", p.X, sinv, r, optimize=True)
        meat += u.T @ u
    out = ev.phi @ meat @ ev.phi
    return 0.5 * (out + out.T)
