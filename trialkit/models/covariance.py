"""Residual covariance structures over the visits within a subject.

Each structure maps a parameter vector ``theta`` to a ``t x t`` covariance matrix, using the
same parametrisation as R mmrm (so that optimiser behaviour and the Kenward-Roger second
derivative term agree with it), and also to SAS PROC MIXED's parametrisation (used for the
Kenward-Roger term when SAS ``DDFM=KR`` is to be reproduced).

mmrm parametrisation (``rho(x) = x / sqrt(1 + x^2)`` maps the real line to (-1, 1)):

========  =====================================================================
``us``    ``L[i,i] = exp(theta_i)``, ``L[i,j] = exp(theta_i) * theta_k`` (j < i, row-wise);
          ``Sigma = L L'``
``cs``    ``sigma = exp(theta_0)``; ``Sigma = sigma^2 [(1 - rho) I + rho J]`` with
          ``rho = logistic(theta_1) t/(t-1) - 1/(t-1)`` in (-1/(t-1), 1) (mmrm 0.3.18)
``csh``   ``sd_i = exp(theta_i)``; ``Sigma_ij = sd_i sd_j rho``, ``rho`` as for ``cs``
``ar1``   ``Sigma_ij = sigma^2 rho^|i-j|``; ``ar1h`` with ``sd_i sd_j``
``toep``  ``Sigma_ij = sigma^2 rho_|i-j|``; ``toeph`` with ``sd_i sd_j``
``ad``    ``Sigma_ij = sigma^2 prod_{k=j}^{i-1} rho_k``; ``adh`` with ``sd_i sd_j``
``sp_exp`` ``Sigma_ij = exp(theta_0) * p^{d_ij}`` with ``p = logistic(theta_1)`` and ``d`` the
          distance between visit coordinates
========  =====================================================================

Derivatives of ``Sigma`` with respect to ``theta`` are computed by complex-step
differentiation, which is exact to machine precision for first derivatives; second
derivatives combine a complex step with a central difference.

Validated against: R mmrm 0.3.18 (covariance matrices of all 9 structures on fev_data),
see ``tests/test_mmrm_fev.py``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from trialkit.specs import COVARIANCES

Array = np.ndarray

#: Structure codes; the names, aliases and labels are owned by :data:`trialkit.specs.COVARIANCES`.
NAMES: tuple[str, ...] = COVARIANCES.codes

_CSTEP = 1e-30


@functools.cache
def _tril(t: int, k: int) -> tuple[Array, Array]:
    """``np.tril_indices(t, k)``, computed once per size (read-only: used for indexing)."""
    rows, cols = np.tril_indices(t, k)
    rows.flags.writeable = False
    cols.flags.writeable = False
    return rows, cols


def _rho(x: Array) -> Array:
    return x / np.sqrt(1.0 + x * x)


def _rho_inv(r: Array) -> Array:
    r = np.clip(r, -0.95, 0.95)
    return r / np.sqrt(1.0 - r * r)


def _rho_cs(x: Array, t: int) -> Array:
    lo = 1.0 / (t - 1) if t > 1 else 1.0
    return (1.0 / (1.0 + np.exp(-x))) * (1.0 + lo) - lo


def _rho_cs_inv(r: Array, t: int) -> Array:
    lo = 1.0 / (t - 1) if t > 1 else 1.0
    p = np.clip((np.asarray(r) + lo) / (1.0 + lo), 0.02, 0.98)
    return np.log(p / (1 - p))


def _corr_params(base: str, x: Array, t: int) -> Array:
    """Correlation parameters from unconstrained ones (mmrm 0.3.18 mappings)."""
    return _rho_cs(x, t) if base == "cs" else _rho(x)


def _corr_params_inv(base: str, r: Array, t: int) -> Array:
    return _rho_cs_inv(r, t) if base == "cs" else _rho_inv(r)


def _lag_index(t: int) -> Array:
    i, j = np.indices((t, t))
    return np.abs(i - j)


def _corr_cs(c: Array, t: int) -> Array:
    out = np.full((t, t), c[0], dtype=c.dtype)
    np.fill_diagonal(out, 1.0)
    return out


def _corr_ar1(c: Array, t: int) -> Array:
    lag = _lag_index(t)
    return c[0] ** lag


def _corr_toep(c: Array, t: int) -> Array:
    full = np.concatenate([np.ones(1, dtype=c.dtype), c])
    return full[_lag_index(t)]


def _corr_ad(c: Array, t: int) -> Array:
    # Sigma_ij = prod_{k=min(i,j)}^{max(i,j)-1} rho_k (a product, so complex steps stay exact).
    i, j = np.indices((t, t))
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    out = np.ones((t, t), dtype=c.dtype)
    for k in range(t - 1):
        inside = (lo <= k) & (k < hi)
        out = np.where(inside, out * c[k], out)
    return out


_CORR: dict[str, tuple[Callable[[Array, int], Array], Callable[[int], int]]] = {
    "cs": (_corr_cs, lambda t: 1),
    "ar1": (_corr_ar1, lambda t: 1),
    "toep": (_corr_toep, lambda t: t - 1),
    "ad": (_corr_ad, lambda t: t - 1),
}


@dataclass(frozen=True)
class Structure:
    """A covariance structure over ``t`` visits.

    Parameters
    ----------
    name
        Canonical name (``us``, ``cs``, ``csh``, ``ar1``, ``ar1h``, ``toep``, ``toeph``, ``ad``,
        ``adh``, ``sp_exp``).
    t
        Number of visits.
    coords
        Visit coordinates, used by ``sp_exp`` only.
    dist
        A subject's own distance matrix (``sp_exp`` with per-observation coordinates).
    """

    name: str
    t: int
    coords: tuple[float, ...] = ()
    dist: Array | None = field(default=None, compare=False, repr=False)

    @property
    def heterogeneous(self) -> bool:
        return self.name in ("csh", "ar1h", "toeph", "adh")

    @property
    def base(self) -> str:
        return self.name[:-1] if self.heterogeneous else self.name

    @property
    def n_theta(self) -> int:
        t = self.t
        if self.name == "us":
            return t * (t + 1) // 2
        if self.name == "sp_exp":
            return 2
        n_corr = _CORR[self.base][1](t)
        return (t if self.heterogeneous else 1) + n_corr

    @property
    def sas_linear(self) -> bool:
        """Whether SAS parametrises this structure linearly (its KR R-term is then zero)."""
        return self.name in ("us", "cs", "toep")

    # --- mmrm parametrisation -------------------------------------------------------------
    def cov(self, theta: Array) -> Array:
        """Covariance matrix ``Sigma(theta)`` (works for complex ``theta``)."""
        t = self.t
        if self.name == "us":
            sd = np.exp(theta[:t])
            lower = np.zeros((t, t), dtype=theta.dtype)
            rows, cols = _tril(t, -1)
            # mmrm fills row-wise: for i, for j < i.
            lower[rows, cols] = sd[rows] * theta[t:]
            lower[np.arange(t), np.arange(t)] = sd
            return lower @ lower.T
        if self.name == "sp_exp":
            var = np.exp(theta[0])
            p = 1.0 / (1.0 + np.exp(-theta[1]))
            d = self._distance()
            return var * np.exp(d * np.log(p))
        corr_fun = _CORR[self.base][0]
        if self.heterogeneous:
            sd = np.exp(theta[:t])
            corr = corr_fun(_corr_params(self.base, theta[t:], t), t)
            return sd[:, None] * corr * sd[None, :]
        return np.exp(2.0 * theta[0]) * corr_fun(_corr_params(self.base, theta[1:], t), t)

    def _distance(self) -> Array:
        if self.dist is not None:
            return self.dist
        c = np.asarray(self.coords if self.coords else range(self.t), dtype=float)
        return np.abs(c[:, None] - c[None, :])

    def at(self, dist: Array) -> Structure:
        """The same spatial structure over a subject's own distance matrix."""
        return Structure(self.name, dist.shape[-1], self.coords, dist)

    def start(self, emp: Array) -> Array:
        """Starting values from an empirical covariance matrix."""
        t = self.t
        sd = np.sqrt(np.clip(np.diag(emp), 1e-8, None))
        corr = emp / np.outer(sd, sd)
        if self.name == "us":
            try:
                chol = np.linalg.cholesky(emp)
            except np.linalg.LinAlgError:
                chol = np.diag(sd)
            d = np.diag(chol)
            rows, cols = _tril(t, -1)
            return np.concatenate([np.log(d), chol[rows, cols] / d[rows]])
        mean_r = float(np.mean(corr[_tril(t, -1)])) if t > 1 else 0.0
        if self.name == "sp_exp":
            p = float(np.clip(mean_r, 0.05, 0.95))
            return np.array([np.log(np.mean(sd**2)), np.log(p / (1 - p))])
        n_corr = _CORR[self.base][1](t)
        if self.base == "toep":
            rc = np.array([np.mean(np.diag(corr, k)) for k in range(1, t)])
        elif self.base == "ad":
            rc = np.array([corr[k + 1, k] for k in range(t - 1)])
        else:
            rc = np.full(n_corr, mean_r)
        rc = _corr_params_inv(self.base, rc, t)
        if self.heterogeneous:
            return np.concatenate([np.log(sd), rc])
        return np.concatenate([[np.log(np.sqrt(np.mean(sd**2)))], rc])

    # --- SAS parametrisation (for the Kenward-Roger second-derivative term) ---------------
    def to_sas(self, theta: Array) -> Array:
        """Map mmrm ``theta`` to SAS PROC MIXED's covariance parameters."""
        t = self.t
        if self.name == "us":
            s = self.cov(theta)
            return s[_tril(t, 0)]
        if self.name == "sp_exp":
            p = 1.0 / (1.0 + np.exp(-theta[1]))
            return np.array([np.exp(theta[0]), -1.0 / np.log(p)])
        if self.name == "cs":
            var = np.exp(2 * theta[0])
            r = _rho_cs(theta[1:], t)
            return np.array([var * r[0], var * (1 - r[0])])
        if self.name == "toep":
            var = np.exp(2 * theta[0])
            return np.concatenate([[var], var * _rho(theta[1:])])
        if self.heterogeneous:
            return np.concatenate([np.exp(2 * theta[:t]), _corr_params(self.base, theta[t:], t)])
        return np.concatenate([[np.exp(2 * theta[0])], _corr_params(self.base, theta[1:], t)])

    def cov_sas(self, phi: Array) -> Array:
        """Covariance matrix from SAS parameters (see :meth:`to_sas`)."""
        t = self.t
        if self.name == "us":
            out = np.zeros((t, t), dtype=phi.dtype)
            rows, cols = _tril(t, 0)
            out[rows, cols] = phi
            out[cols, rows] = phi
            return out
        if self.name == "sp_exp":
            return phi[0] * np.exp(-self._distance() / phi[1])
        if self.name == "cs":
            return phi[0] * np.ones((t, t), dtype=phi.dtype) + phi[1] * np.eye(t)
        if self.name == "toep":
            return phi[_lag_index(t)]
        corr_fun = _CORR[self.base][0]
        if self.heterogeneous:
            sd = np.sqrt(phi[:t])
            return sd[:, None] * corr_fun(phi[t:], t) * sd[None, :]
        return phi[0] * corr_fun(phi[1:], t)

    # --- derivatives ------------------------------------------------------------------------
    def jacobian(self, theta: Array, sas: bool = False) -> Array:
        """First derivatives ``d Sigma / d theta_k`` as a ``(q, t, t)`` array (complex step)."""
        if self.name == "us" and not sas:
            return self._us_jacobian(theta)
        f, x = (self.cov_sas, self.to_sas(theta)) if sas else (self.cov, theta)
        return _cstep_jacobian(f, x)

    def _us_factor(self, theta: Array) -> tuple[Array, Array]:
        """``us``: the Cholesky factor ``L`` and its derivatives ``dL`` (``(q, t, t)``)."""
        t = self.t
        sd = np.exp(theta[:t])
        rows, cols = _tril(t, -1)
        lower = np.zeros((t, t))
        lower[rows, cols] = sd[rows] * theta[t:]
        lower[np.arange(t), np.arange(t)] = sd
        dl = np.zeros((self.n_theta, t, t))
        dl[np.arange(t), np.arange(t), :] = lower  # d/d log sd_i scales row i
        dl[np.arange(t, self.n_theta), rows, cols] = sd[rows]
        return lower, dl

    def _us_jacobian(self, theta: Array) -> Array:
        """Closed form for ``us``: ``dSigma = dL L' + L dL'``."""
        lower, dl = self._us_factor(theta)
        prod = dl @ lower.T
        return prod + prod.transpose(0, 2, 1)

    def _us_hessian(self, theta: Array) -> Array:
        """Closed form for ``us``: ``d2Sigma = d2L L' + L d2L' + dL_k dL_l' + dL_l dL_k'``.

        ``L`` is linear in the off-diagonal parameters and row ``i`` scales with
        ``exp(theta_i)``, so ``d2L`` is ``dL_i`` for ``(i, i)`` and ``dL_m`` for a log-SD
        ``i`` paired with an off-diagonal ``m`` of row ``i``; zero otherwise.
        """
        t, q = self.t, self.n_theta
        lower, dl = self._us_factor(theta)
        rows, _cols = _tril(t, -1)
        off = np.arange(t, q)
        d2l = np.zeros((q, q, t, t))
        d2l[np.arange(t), np.arange(t)] = dl[:t]
        d2l[rows, off] = dl[off]
        d2l[off, rows] = dl[off]
        prod = d2l @ lower.T
        cross = np.einsum("jab,kcb->jkac", dl, dl)
        return prod + np.swapaxes(prod, -1, -2) + cross + np.swapaxes(cross, -1, -2)

    def hessian(self, theta: Array, sas: bool = False) -> Array:
        """Second derivatives ``d^2 Sigma / d theta_k d theta_l`` as ``(q, q, t, t)``."""
        if self.name == "us" and not sas:
            return self._us_hessian(theta)
        f, x = (self.cov_sas, self.to_sas(theta)) if sas else (self.cov, theta)
        q = x.size
        out = np.empty((q, q, *f(x.astype(float)).shape))
        for col in range(q):
            h = 1e-5 * max(1.0, abs(float(x[col])))
            up, dn = x.astype(float).copy(), x.astype(float).copy()
            up[col] += h
            dn[col] -= h
            out[:, col] = (_cstep_jacobian(f, up) - _cstep_jacobian(f, dn)) / (2 * h)
        return 0.5 * (out + np.swapaxes(out, 0, 1))

    def sas_jacobian_of_map(self, theta: Array) -> Array:
        """``d phi / d theta`` (``q x q``) for the map :meth:`to_sas`."""
        q = theta.size
        out = np.empty((q, q))
        for k in range(q):
            z = theta.astype(complex)
            z[k] += 1j * _CSTEP
            out[:, k] = self.to_sas(z).imag / _CSTEP
        return out


def _cstep_jacobian(f: Callable[[Array], Array], x: Array) -> Array:
    q = x.size
    base = x.astype(complex)
    out = []
    for k in range(q):
        z = base.copy()
        z[k] += 1j * _CSTEP
        out.append(f(z).imag / _CSTEP)
    return np.stack(out)


def canonical(name: str) -> str:
    """Canonical structure name for a user-supplied one (``un`` -> ``us`` ...)."""
    key = COVARIANCES.canonical(name)
    if key is None:
        raise ValueError(f"unknown covariance structure '{name}'; choose one of {', '.join(NAMES)}")
    return key
