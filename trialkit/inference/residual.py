"""Residual degrees of freedom: ``N - rank(X)`` for every contrast (SAS ``DDFM=RESIDUAL``).

Validated against: the definition (number of observations minus number of coefficients).
"""

from __future__ import annotations


def df(n_obs: int, rank: int) -> float:
    """``N - rank(X)``."""
    return float(n_obs - rank)
