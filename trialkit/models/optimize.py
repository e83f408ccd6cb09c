"""Maximise the (restricted) likelihood: quasi-Newton, then Newton polishing.

BFGS with the analytic gradient finds the neighbourhood of the optimum; Newton steps with the
Hessian (central differences of the analytic gradient) then drive the gradient to the
numerical noise floor, so that quantities that depend on the curvature at the optimum
(Satterthwaite and Kenward-Roger df) are reproducible to many digits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.optimize

from trialkit.models.likelihood import Evaluation, Likelihood

_BAD = 1e25
#: BFGS stops once every gradient component is below this; Newton polishing then drives the
#: gradient to the noise floor (BFGS's last iterations, with their line searches, cost more
#: than the two or three Newton steps that replace them).
BFGS_GTOL = 1e-4


@dataclass(frozen=True)
class OptimResult:
    theta: np.ndarray
    evaluation: Evaluation
    hessian: np.ndarray
    converged: bool
    iterations: int
    gradient_norm: float
    hessian_pd: bool
    message: str


def _safe(lik: Likelihood, theta: np.ndarray) -> tuple[float, np.ndarray]:
    if not np.all(np.isfinite(theta)) or np.max(np.abs(theta)) > 50:
        return _BAD, np.zeros_like(theta)
    try:
        ev = lik.evaluate(theta)
    except (np.linalg.LinAlgError, ValueError, FloatingPointError):
        return _BAD, np.zeros_like(theta)
    if not np.isfinite(ev.nll) or not np.all(np.isfinite(ev.grad)):
        return _BAD, np.zeros_like(theta)
    return ev.nll, ev.grad


def maximise(lik: Likelihood, theta0: np.ndarray, tol: float = 1e-5) -> OptimResult:
    """Fit theta; ``converged`` needs a small gradient and a positive definite Hessian.

    ``tol`` bounds the largest absolute gradient component of ``-loglik``.
    """
    with np.errstate(all="ignore"):
        res = scipy.optimize.minimize(
            lambda th: _safe(lik, th),
            theta0,
            jac=True,
            method="BFGS",
            options={"gtol": BFGS_GTOL, "maxiter": 2000},
        )
    theta = np.asarray(res.x, dtype=float)
    iterations = int(res.nit)
    nll, grad = _safe(lik, theta)
    if nll >= _BAD:
        theta = theta0.copy()
        nll, grad = _safe(lik, theta)
    # Chord-Newton polishing: a finite-difference Hessian reused for several steps (near the
    # optimum the steps are tiny, so it stays accurate); it is recomputed when BFGS stopped
    # far from the optimum, and once more at the final estimate.
    pd_ok = False
    hess = np.full((theta.size, theta.size), np.nan)
    for _outer in range(6):
        try:
            hess = lik.hessian(theta)
            eig = np.linalg.eigvalsh(hess)
            pd_ok = bool(np.all(eig > 1e-8 * max(1.0, float(np.max(np.abs(eig))))))
            hess_inv = np.linalg.inv(hess)
        except (np.linalg.LinAlgError, ValueError):
            pd_ok = False
            break
        start_gnorm = float(np.max(np.abs(grad)))
        for _ in range(20):
            if np.max(np.abs(grad)) < 1e-9:
                break
            step = hess_inv @ grad if pd_ok else grad * 1e-3
            accepted = False
            for _half in range(25):
                f_new, g_new = _safe(lik, theta - step)
                # near the optimum f changes below its rounding error: accept a step that
                # shrinks the gradient without a real increase of f
                noise = 1e-10 * max(1.0, abs(nll))
                if f_new < nll or (
                    f_new <= nll + noise and np.max(np.abs(g_new)) < np.max(np.abs(grad))
                ):
                    theta, nll, grad = theta - step, f_new, g_new
                    accepted = True
                    break
                step = step / 2
            iterations += 1
            if not accepted:
                break
        gnorm_now = float(np.max(np.abs(grad)))
        if gnorm_now < 1e-6 or gnorm_now > 0.5 * start_gnorm:
            break
    # The observed information used for Satterthwaite and Kenward-Roger df is the Hessian
    # at the final estimate, not at the point where polishing started.
    if float(np.max(np.abs(grad))) < 1e-6:
        try:
            hess = lik.hessian(theta)
            eig = np.linalg.eigvalsh(hess)
            pd_ok = bool(np.all(eig > 1e-8 * max(1.0, float(np.max(np.abs(eig))))))
        except (np.linalg.LinAlgError, ValueError):
            pd_ok = False
    if nll >= _BAD:
        return OptimResult(
            theta,
            None,
            hess,
            False,
            iterations,
            np.inf,
            False,  # type: ignore[arg-type]
            "the likelihood could not be evaluated (covariance not positive definite)",
        )
    gnorm = float(np.max(np.abs(grad)))
    converged = bool(gnorm < tol and pd_ok)
    if converged:
        msg = "converged"
    elif not pd_ok:
        msg = "the Hessian of the log-likelihood is not positive definite at the solution"
    else:
        msg = f"the gradient did not vanish (largest component {gnorm:.2g})"
    return OptimResult(theta, lik.evaluate(theta), hess, converged, iterations, gnorm, pd_ok, msg)
