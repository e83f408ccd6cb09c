"""Checks of the inputs to a power calculation, each failing with one plain sentence.

A power calculation fails on: a correlation matrix that is not square, not symmetric, without
a unit diagonal or not positive definite; retention that increases over visits or lies
outside (0, 1]; a power outside (alpha, 1); an alpha outside (0, 1); a solved-for quantity
that is over- or under-specified.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from trialkit.errors import TrialkitError

ALTERNATIVES: tuple[str, ...] = ("two-sided", "one-sided")


class PowerInputError(TrialkitError):
    """A power or sample-size calculation was given inputs it cannot use (exit code 2)."""


def check_correlation(matrix: object, what: str = "correlation") -> np.ndarray:
    """A square, symmetric, unit-diagonal, positive definite matrix as a float array."""
    try:
        r = np.asarray(matrix, dtype=float)
    except (TypeError, ValueError):
        raise PowerInputError(f"The {what} matrix must hold numbers only.") from None
    if r.ndim != 2 or r.shape[0] != r.shape[1] or r.shape[0] == 0:
        raise PowerInputError(f"The {what} matrix must be square; it has shape {r.shape}.")
    if not np.all(np.isfinite(r)):
        raise PowerInputError(f"The {what} matrix has missing or infinite entries.")
    if not np.allclose(r, r.T, rtol=0, atol=1e-8):
        i, j = np.unravel_index(np.argmax(np.abs(r - r.T)), r.shape)
        raise PowerInputError(
            f"The {what} matrix is not symmetric: entry ({i + 1}, {j + 1}) is {r[i, j]:g} "
            f"but entry ({j + 1}, {i + 1}) is {r[j, i]:g}."
        )
    if not np.allclose(np.diag(r), 1.0, rtol=0, atol=1e-8):
        raise PowerInputError(
            f"The {what} matrix must have ones on its diagonal (it is a correlation matrix); "
            f"the diagonal is {', '.join(f'{v:g}' for v in np.diag(r))}."
        )
    r = 0.5 * (r + r.T)
    smallest = float(np.linalg.eigvalsh(r)[0])
    if smallest <= 1e-10:
        raise PowerInputError(
            f"The {what} matrix is not positive definite (smallest eigenvalue {smallest:.3g}); "
            "no set of visits can have these correlations."
        )
    return r


def ar1_correlation(rho: float, times: Sequence[float]) -> np.ndarray:
    """AR(1) correlation ``rho^|t_i - t_j|`` over visit times (longpower ``power.mmrm.ar1``)."""
    rho = float(rho)
    if not 0.0 <= rho < 1.0:
        raise PowerInputError(f"The AR(1) correlation rho must lie in [0, 1); got {rho:g}.")
    t = np.asarray(times, dtype=float)
    if t.ndim != 1 or t.size == 0 or not np.all(np.isfinite(t)):
        raise PowerInputError("times must be a list of visit times, e.g. [0, 2, 4, 8].")
    if np.any(np.diff(t) <= 0):
        raise PowerInputError("times must increase strictly from visit to visit.")
    lag = np.abs(t[:, None] - t[None, :])
    return np.where(lag == 0, 1.0, rho**lag)


def check_retention(values: object, n_visits: int, what: str = "retention") -> np.ndarray:
    """Retention per visit: in (0, 1], non-increasing, one value per visit."""
    try:
        r = np.atleast_1d(np.asarray(values, dtype=float))
    except (TypeError, ValueError):
        raise PowerInputError(f"{what} must be a list of proportions, one per visit.") from None
    if r.ndim != 1 or r.size != n_visits:
        raise PowerInputError(
            f"{what} needs one value per visit ({n_visits}, the size of the correlation "
            f"matrix); got {r.size}."
        )
    bad = np.flatnonzero(~((r > 0) & (r <= 1)))
    if bad.size:
        raise PowerInputError(
            f"{what} at visit {bad[0] + 1} is {r[bad[0]]:g}; retention must lie in (0, 1]."
        )
    up = np.flatnonzero(np.diff(r) > 0)
    if up.size:
        j = up[0]
        raise PowerInputError(
            f"{what} increases from {r[j]:g} at visit {j + 1} to {r[j + 1]:g} at visit {j + 2}; "
            "retention (the share of subjects still in the trial) cannot increase."
        )
    return r


def check_positive(value: float, what: str) -> float:
    v = float(value)
    if not (np.isfinite(v) and v > 0):
        raise PowerInputError(f"{what} must be a positive number; got {value!r}.")
    return v


def check_alpha(alpha: float) -> float:
    a = float(alpha)
    if not 0.0 < a < 1.0:
        raise PowerInputError(f"alpha must lie in (0, 1); got {alpha!r}.")
    return a


def check_alternative(alternative: str) -> str:
    alt = str(alternative).strip().lower().replace("_", "-").replace(".", "-")
    if alt not in ALTERNATIVES:
        raise PowerInputError(
            f"alternative must be 'two-sided' or 'one-sided'; got {alternative!r}."
        )
    return alt


def check_power(power: float, alpha: float) -> float:
    p = float(power)
    if not (alpha < p < 1.0):
        raise PowerInputError(
            f"power must lie strictly between alpha ({alpha:g}) and 1; got {power!r}."
        )
    return p
