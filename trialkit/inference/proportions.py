r"""Score confidence intervals for a proportion and a difference of two proportions.

Wilson score interval for :math:`\hat p = x/n` (no continuity correction):

.. math::  \frac{2x + z^2 \pm z\sqrt{z^2 + 4x(1 - \hat p)}}{2(n + z^2)}.

Newcombe (1998) hybrid score interval ("method 10") for :math:`\hat p_1 - \hat p_2`, with
Wilson limits :math:`(l_j, u_j)`:

.. math::  \hat p_1 - \hat p_2 - \sqrt{(\hat p_1 - l_1)^2 + (u_2 - \hat p_2)^2},\quad
           \hat p_1 - \hat p_2 + \sqrt{(u_1 - \hat p_1)^2 + (\hat p_2 - l_2)^2}.

Validated against: Newcombe (1998), Stat Med 17:873-890, Table II method 10, and the same
formula coded independently in R (tests/reference/beeca/newcombe.R).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri


def wilson_interval(
    x: np.ndarray | float, n: np.ndarray | float, alpha: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score limits for ``x`` successes out of ``n`` (vectorised)."""
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    z = ndtri(1 - alpha / 2)  # normal quantile
    p = x / n
    half = z * np.sqrt(z * z + 4 * x * (1 - p))
    denom = 2 * (n + z * z)
    return (2 * x + z * z - half) / denom, (2 * x + z * z + half) / denom


def newcombe_difference(
    x1: np.ndarray | float,
    n1: np.ndarray | float,
    x2: np.ndarray | float,
    n2: np.ndarray | float,
    alpha: float = 0.05,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Estimate and Newcombe hybrid score limits for :math:`x_1/n_1 - x_2/n_2`."""
    p1 = np.asarray(x1, dtype=float) / np.asarray(n1, dtype=float)
    p2 = np.asarray(x2, dtype=float) / np.asarray(n2, dtype=float)
    l1, u1 = wilson_interval(x1, n1, alpha)
    l2, u2 = wilson_interval(x2, n2, alpha)
    d = p1 - p2
    lower = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, lower, upper
