r"""Imputation strategies: the joint distribution of a subject's outcomes after its event.

A strategy maps the subject's own-arm and reference-arm mean vectors and covariances to the
mean and covariance from which its missing values are imputed (Carpenter, Roger & Kenward
2013; rbmi). With :math:`M` the visits before the event (MAR) and :math:`\bar M` those from
the event on, and :math:`\mu_g, \Sigma_g` (own arm), :math:`\mu_r, \Sigma_r` (reference arm):

* ``MAR``: :math:`(\mu_g, \Sigma_g)`.
* ``JR`` (jump to reference): :math:`\mu = (\mu_{g,M}, \mu_{r,\bar M})`, :math:`\Sigma` from
  :func:`joint_sigma`.
* ``CR`` (copy reference): :math:`(\mu_r, \Sigma_r)`.
* ``CIR`` (copy increments from reference): :math:`\mu_{\bar M} = \mu_{g,l} +
  (\mu_{r,\bar M} - \mu_{r,l})` with :math:`l` the last MAR visit; :math:`\Sigma` as JR.
* ``LMCF`` (last mean carried forward): :math:`\mu_{\bar M} = \mu_{g,l}`, :math:`\Sigma_g`.

**User-defined strategies (the hook).** A strategy is any function

``f(mu_group, mu_ref, sigma_group, sigma_ref, is_mar) -> (mu, sigma)``

where ``mu_group`` and ``mu_ref`` are ``(m, t)`` arrays (one row per subject of a batch that
shares the event visit and the arms), ``sigma_group``/``sigma_ref`` are ``(t, t)`` and
``is_mar`` is a ``(t,)`` boolean vector, ``True`` before the event. It returns an ``(m, t)``
mean and a ``(t, t)`` covariance. Pass it as ``strategies={"NAME": f}`` to
:func:`trialkit.impute_and_analyse`; events with strategy ``"NAME"`` then use it.

Validated against: rbmi 1.6 ``strategy_JR/CR/CIR/LMCF`` and ``compute_sigma`` through the
fev_data references (tests/test_imputation_rbmi.py) and hand-computed cases
(tests/test_imputation_strategies.py).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Strategy = Callable[
    [np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]
]


def joint_sigma(sigma_group: np.ndarray, sigma_ref: np.ndarray, is_mar: np.ndarray) -> np.ndarray:
    r"""Covariance of a subject who follows its own arm before the event and the reference after.

    .. math::

        \Sigma_{MM} = T_{MM},\quad
        \Sigma_{\bar M M} = R_{\bar M M} R_{MM}^{-1} T_{MM},\quad
        \Sigma_{\bar M\bar M} = R_{\bar M\bar M}
            - R_{\bar M M}R_{MM}^{-1}(R_{MM} - T_{MM})R_{MM}^{-1}R_{M\bar M}

    with :math:`T = \Sigma_g`, :math:`R = \Sigma_r` (rbmi ``compute_sigma``).
    """
    if sigma_group is sigma_ref or np.array_equal(sigma_group, sigma_ref):
        return sigma_ref
    if is_mar.all():
        return sigma_group
    if not is_mar.any():
        return sigma_ref
    m, b = np.flatnonzero(is_mar), np.flatnonzero(~is_mar)
    T11 = sigma_group[np.ix_(m, m)]
    R11 = sigma_ref[np.ix_(m, m)]
    R21 = sigma_ref[np.ix_(b, m)]
    A = np.linalg.solve(R11, R21.T).T  # R21 R11^-1
    s21 = A @ T11
    s22 = sigma_ref[np.ix_(b, b)] - A @ (R11 - T11) @ A.T
    out = np.empty_like(sigma_ref)
    out[np.ix_(m, m)] = T11
    out[np.ix_(b, m)] = s21
    out[np.ix_(m, b)] = s21.T
    out[np.ix_(b, b)] = s22
    return out


def strategy_mar(mu_g, mu_r, sigma_g, sigma_r, is_mar):
    """Missing at random: the subject's own arm."""
    return mu_g, sigma_g


def strategy_jr(mu_g, mu_r, sigma_g, sigma_r, is_mar):
    """Jump to reference: reference-arm means from the event on."""
    if is_mar.all():
        return mu_g, sigma_g
    if not is_mar.any():
        return mu_r, sigma_r
    mu = mu_g.copy()
    mu[:, ~is_mar] = mu_r[:, ~is_mar]
    return mu, joint_sigma(sigma_g, sigma_r, is_mar)


def strategy_cr(mu_g, mu_r, sigma_g, sigma_r, is_mar):
    """Copy reference: the reference arm's distribution at every visit."""
    return mu_r, sigma_r


def strategy_cir(mu_g, mu_r, sigma_g, sigma_r, is_mar):
    """Copy increments from reference: own mean at the last MAR visit + reference increments."""
    if is_mar.all():
        return mu_g, sigma_g
    if not is_mar.any():
        return mu_r, sigma_r
    last = int(np.flatnonzero(~is_mar)[0]) - 1
    mu = mu_g.copy()
    mu[:, ~is_mar] = mu_g[:, [last]] + (mu_r[:, ~is_mar] - mu_r[:, [last]])
    return mu, joint_sigma(sigma_g, sigma_r, is_mar)


def strategy_lmcf(mu_g, mu_r, sigma_g, sigma_r, is_mar):
    """Last mean carried forward: own mean at the last MAR visit, own covariance."""
    if is_mar.all():
        return mu_g, sigma_g
    if not is_mar.any():
        raise ValueError("LMCF needs at least one visit before the event")
    last = int(np.flatnonzero(~is_mar)[0]) - 1
    mu = mu_g.copy()
    mu[:, ~is_mar] = mu_g[:, [last]]
    return mu, sigma_g


BUILTIN: dict[str, Strategy] = {
    "MAR": strategy_mar,
    "JR": strategy_jr,
    "CR": strategy_cr,
    "CIR": strategy_cir,
    "LMCF": strategy_lmcf,
}


def registry(user: dict[str, Strategy] | None) -> dict[str, Strategy]:
    """Built-in strategies plus the user's (a user name may replace a built-in except MAR)."""
    out = dict(BUILTIN)
    for name, f in (user or {}).items():
        if not callable(f):
            raise TypeError(f"strategy '{name}' must be a function")
        if name != "MAR":
            out[str(name)] = f
    return out
