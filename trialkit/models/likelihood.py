r"""The (restricted) Gaussian log-likelihood of a marginal repeated-measures model.

With :math:`V = \mathrm{blockdiag}(\Sigma_i)` and the GLS estimate
:math:`\hat\beta = (X'V^{-1}X)^{-1}X'V^{-1}y`,

.. math::

    -2\ell_R(\theta) = \sum_i \log|\Sigma_i| + r'V^{-1}r + \log|X'V^{-1}X| + (N-k)\log 2\pi

(ML drops the :math:`\log|X'V^{-1}X|` term and uses :math:`N\log 2\pi`). This is the value R
mmrm's ``logLik`` and SAS PROC MIXED report (nlme additionally adds
:math:`\tfrac12\log|X'X|` under REML). The gradient is, with
:math:`G_p = n_p\Sigma_p^{-1} - \Sigma_p^{-1}(S_p + H_p)\Sigma_p^{-1}`,
:math:`S_p = \sum_{i\in p} r_i r_i'` and (REML only)
:math:`H_p[t,s] = \sum_{ab}\Phi_{ab}\,XX_p[a,b,t,s]`,

.. math::

    \partial(-2\ell)/\partial\theta_k = \sum_p \langle G_p, \partial\Sigma_p/\partial\theta_k\rangle .

Validated against: R mmrm 0.3.18 log-likelihoods on fev_data (9 structures, REML and ML).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

from trialkit.models.covariance import Structure
from trialkit.models.patterns import Pattern

LOG2PI = float(np.log(2 * np.pi))


@dataclass(frozen=True)
class Evaluation:
    """Quantities at one value of theta."""

    nll: float  # -loglik
    grad: np.ndarray  # d(-loglik)/d theta
    beta: np.ndarray
    phi: np.ndarray  # (X'V^-1 X)^-1
    sigma_inv: tuple[np.ndarray, ...]  # per pattern
    sigmas: tuple[np.ndarray, ...]  # full t x t per group


class Likelihood:
    """(RE)ML criterion over missingness patterns for one or more covariance groups."""

    def __init__(
        self,
        patterns: tuple[Pattern, ...],
        structure: Structure,
        n_groups: int,
        k: int,
        n_obs: int,
        reml: bool,
    ) -> None:
        self.patterns = patterns
        self.structure = structure
        self.n_groups = n_groups
        self.k = k
        self.n_obs = n_obs
        self.reml = reml
        self.q = structure.n_theta

    @property
    def n_theta(self) -> int:
        return self.q * self.n_groups

    def group_theta(self, theta: np.ndarray, g: int) -> np.ndarray:
        return theta[g * self.q : (g + 1) * self.q]

    def sigmas(self, theta: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(
            self.structure.cov(self.group_theta(theta, g)) for g in range(self.n_groups)
        )

    def evaluate(self, theta: np.ndarray, gradient: bool = True) -> Evaluation:
        """-loglik, its gradient, beta-hat and (X'V^-1X)^-1 at ``theta``.

        Raises ``np.linalg.LinAlgError`` when a covariance block is not positive definite.
        """
        k = self.k
        sig = self.sigmas(theta)
        xtvx = np.zeros(k * k)
        xtvy = np.zeros(k)
        yvy = 0.0
        logdet = 0.0
        sinv_list = []
        for p in self.patterns:
            s = sig[p.group][np.ix_(p.idx, p.idx)]
            c, low = scipy.linalg.cho_factor(s, lower=True, check_finite=False)
            sinv = scipy.linalg.cho_solve((c, low), np.eye(p.t), check_finite=False)
            sinv_list.append(sinv)
            logdet += p.n * 2.0 * float(np.sum(np.log(np.diag(c))))
            v = sinv.ravel()
            xtvx += p.XX @ v
            xtvy += p.XY @ v
            yvy += float(np.sum(p.YY * sinv))
        xtvx_m = xtvx.reshape(k, k)
        cx, lx = scipy.linalg.cho_factor(xtvx_m, lower=True, check_finite=False)
        beta = scipy.linalg.cho_solve((cx, lx), xtvy, check_finite=False)
        phi = scipy.linalg.cho_solve((cx, lx), np.eye(k), check_finite=False)
        quad = yvy - float(beta @ xtvy)
        m2ll = logdet + quad
        if self.reml:
            m2ll += 2.0 * float(np.sum(np.log(np.diag(cx)))) + (self.n_obs - k) * LOG2PI
        else:
            m2ll += self.n_obs * LOG2PI
        grad = np.zeros(self.n_theta)
        if gradient:
            grad = self._gradient(theta, beta, phi, sinv_list)
        return Evaluation(0.5 * m2ll, grad, beta, phi, tuple(sinv_list), sig)

    def residual_cross(self, p: Pattern, beta: np.ndarray) -> np.ndarray:
        """``S_p = sum_i r_i r_i'`` for pattern ``p`` at ``beta``."""
        tp = p.t
        bx = (beta @ p.XY).reshape(tp, tp)
        bxb = (np.kron(beta, beta) @ p.XX).reshape(tp, tp)
        return p.YY - bx - bx.T + bxb

    def _gradient(
        self,
        theta: np.ndarray,
        beta: np.ndarray,
        phi: np.ndarray,
        sinv_list: list[np.ndarray],
    ) -> np.ndarray:
        t = self.structure.t
        gfull = np.zeros((self.n_groups, t, t))
        phiv = phi.ravel()
        for p, sinv in zip(self.patterns, sinv_list, strict=True):
            inner = self.residual_cross(p, beta)
            if self.reml:
                inner = inner + (phiv @ p.XX).reshape(p.t, p.t)
            gp = p.n * sinv - sinv @ inner @ sinv
            gfull[p.group][np.ix_(p.idx, p.idx)] += gp
        grad = np.empty(self.n_theta)
        for g in range(self.n_groups):
            d = self.structure.jacobian(self.group_theta(theta, g))
            grad[g * self.q : (g + 1) * self.q] = 0.5 * np.einsum("kts,ts->k", d, gfull[g])
        return grad

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """Observed Hessian of -loglik by central differences of the analytic gradient."""
        n = self.n_theta
        out = np.empty((n, n))
        for j in range(n):
            h = 1e-5 * max(1.0, abs(float(theta[j])))
            up, dn = theta.copy(), theta.copy()
            up[j] += h
            dn[j] -= h
            out[:, j] = (self.evaluate(up).grad - self.evaluate(dn).grad) / (2 * h)
        return 0.5 * (out + out.T)
