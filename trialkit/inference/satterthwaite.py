r"""Satterthwaite degrees of freedom, as in R mmrm.

For a contrast :math:`c`, with :math:`v = c'\Phi c` and
:math:`g_k = \partial v/\partial\theta_k = c'\Phi P_k\Phi c`,

.. math::  \nu = \frac{2 v^2}{g' W g},

where :math:`W` is the inverse observed Hessian of :math:`-\ell` at :math:`\hat\theta`.
For a ``q``-row contrast matrix :math:`L` the spectral decomposition
:math:`L\Phi L' = U D U'` gives ``q`` independent 1-d contrasts with dfs :math:`\nu_m`;
with :math:`E = \sum_m \nu_m/(\nu_m - 2)` the F test's denominator df is
:math:`2E/(E - q)` (Fai & Cornelius 1996).

Validated against: R mmrm 0.3.18 + emmeans (fev_data, 9 structures, REML and ML).
"""

from __future__ import annotations

import numpy as np


def df_1d(c: np.ndarray, phi: np.ndarray, P: np.ndarray, w: np.ndarray) -> float:
    """Satterthwaite df of the 1-d contrast ``c``."""
    pc = phi @ c
    v = float(c @ pc)
    g = np.einsum("a,kab,b->k", pc, P, pc)
    return float(2.0 * v * v / (g @ w @ g))


def df_md(L: np.ndarray, phi: np.ndarray, P: np.ndarray, w: np.ndarray) -> float:
    """Satterthwaite denominator df of the F test of ``L beta = 0``."""
    q = L.shape[0]
    if q == 1:
        return df_1d(L[0], phi, P, w)
    vals, vecs = np.linalg.eigh(L @ phi @ L.T)
    nus = np.array([df_1d(vecs[:, m] @ L, phi, P, w) for m in range(q)])
    big = nus > 2
    e = float(np.sum(nus[big] / (nus[big] - 2)))
    if e <= q:
        return float("nan")
    return 2.0 * e / (e - q)
