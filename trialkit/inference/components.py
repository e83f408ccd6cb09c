r"""Derivative components of :math:`\Phi = (X'V^{-1}X)^{-1}` with respect to the covariance
parameters, in the notation of Kenward & Roger (1997):

.. math::

    P_k = X'V^{-1}\dot V_k V^{-1}X,\quad
    Q_{kl} = X'V^{-1}\dot V_k V^{-1}\dot V_l V^{-1}X,\quad
    R_{kl} = X'V^{-1}\ddot V_{kl} V^{-1}X,

so that :math:`\partial\Phi/\partial\theta_k = \Phi P_k\Phi`. Sums over subjects are taken per
missingness pattern with the pattern's sufficient statistic ``XX`` (no per-subject loop).

The sums are computed in :mod:`trialkit.models.derivatives`, from the likelihood.

Validated against: R mmrm 0.3.18 Satterthwaite and Kenward-Roger results on fev_data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Components:
    """``P`` is ``(m, k, k)``; ``Q`` and ``R`` are ``(m, m, k, k)`` (None when not needed)."""

    P: np.ndarray
    Q: np.ndarray | None
    R: np.ndarray | None
