r"""Heteroscedasticity-consistent (sandwich) covariances of regression coefficients.

For a design :math:`X` (:math:`n \times k`), working weights :math:`w_i` (1 for least
squares, :math:`\mu_i(1-\mu_i)` for a logistic model), bread :math:`B = (X'WX)^{-1}` and
residuals :math:`r_i`,

.. math::  V = B\,X'\,\mathrm{diag}(\omega_i)\,X\,B,

with :math:`\omega_i = r_i^2` (HC0), HC0 times :math:`n/(n-k)` (HC1),
:math:`r_i^2/(1-h_i)` (HC2) or :math:`r_i^2/(1-h_i)^2` (HC3), where
:math:`h_i = w_i x_i' B x_i` is the leverage (``sandwich::vcovHC`` conventions).

Validated against: R ``sandwich::vcovHC`` through ``lm`` (tests/reference/ancova_trial2) and
beeca's ``glm`` (tests/reference/beeca).
"""

from __future__ import annotations

import numpy as np

__all__ = ["HC_TYPES", "hc_covariance"]

HC_TYPES = ("HC0", "HC1", "HC2", "HC3")


def hc_covariance(
    X: np.ndarray,
    resid: np.ndarray,
    bread: np.ndarray,
    kind: str,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """The ``kind`` (``"HC0"``-``"HC3"``) sandwich covariance; see the module docstring.

    Parameters
    ----------
    X
        The design (:math:`n \\times k`).
    resid
        Residuals on the response scale, length :math:`n`.
    bread
        :math:`(X'WX)^{-1}`.
    kind
        One of :data:`HC_TYPES`.
    weights
        Working weights :math:`w_i` for the leverages (default 1).
    """
    n, k = X.shape
    omega = np.asarray(resid, dtype=float) ** 2
    if kind in ("HC2", "HC3"):
        h = np.einsum("ij,ij->i", X @ bread, X)
        if weights is not None:
            h = weights * h
        omega = omega / (1 - h) ** (1 if kind == "HC2" else 2)
    meat = X.T @ (X * omega[:, None])
    V = bread @ meat @ bread
    return V * n / (n - k) if kind == "HC1" else V
