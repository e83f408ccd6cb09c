r"""What a simulated trial looks like: means, covariance, baseline, dropout; and drawing one.

Each subject's post-baseline outcomes (and, optionally, a baseline value) are multivariate
normal,

.. math::  (b_i, y_{i1}, \dots, y_{it}) \sim N\big((\mu_b, \mu_{a(i)}), \Sigma_{joint}\big),

with the arm means :math:`\mu_a` per visit. Dropout is monotone: a subject still in the trial
before visit :math:`j` leaves at :math:`j` (and misses every later visit) with probability

.. math::  \mathrm{logit}\,h_{ij} = \mathrm{logit}\,h_{a(i),j}
           + \gamma\,(y_{i,j-1} - \mu_{a(i),j-1}) / \sigma_{j-1},

the hazard per visit and arm plus, when :math:`\gamma \ne 0`, a dependence on the last value
observed before the visit (the baseline before visit 1): missing not at random. While in the
trial, a visit is missed intermittently with probability ``intermittent``. Every random draw
comes from the trial's own ``numpy.random.Generator``; the null trial (treatment means set
to the control means) reuses the same draws.

Validated against: the moments of large simulated samples and the analytic retention
(tests/test_power_simulate.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from trialkit.power.inputs import PowerInputError, check_retention


@dataclass(frozen=True)
class Dropout:
    """Monotone dropout with a hazard per visit (per arm), MNAR slope and intermittent misses.

    ``hazard[j]`` is the probability that a subject still in the trial before visit ``j``
    leaves at visit ``j`` (treatment arm; ``hazard_control`` defaults to it). ``mnar`` is the
    change in log-odds of leaving per SD of the last observed value above its arm's mean.
    """

    hazard: tuple[float, ...]
    hazard_control: tuple[float, ...] | None = None
    mnar: float = 0.0
    intermittent: float = 0.0

    @classmethod
    def from_retention(
        cls,
        retention: Sequence[float],
        retention_control: Sequence[float] | None = None,
        *,
        mnar: float = 0.0,
        intermittent: float = 0.0,
    ) -> Dropout:
        """Hazards ``1 - r_j / r_{j-1}`` (``r_0 = 1``) reproducing a retention curve."""
        r = check_retention(retention, len(retention), "retention")
        hz = 1.0 - r / np.r_[1.0, r[:-1]]
        hc = None
        if retention_control is not None:
            rc = check_retention(retention_control, len(retention), "retention_control")
            hc = tuple(float(x) for x in 1.0 - rc / np.r_[1.0, rc[:-1]])
        return cls(tuple(float(x) for x in hz), hc, float(mnar), float(intermittent))

    def hazards(self, t: int) -> np.ndarray:
        """``(2, t)``: control row 0, treatment row 1."""
        ha = np.asarray(self.hazard, dtype=float)
        hb = ha if self.hazard_control is None else np.asarray(self.hazard_control, dtype=float)
        for name, h in (("hazard", ha), ("hazard_control", hb)):
            if h.shape != (t,):
                raise PowerInputError(f"dropout {name} needs one value per visit ({t}).")
            if np.any((h < 0) | (h >= 1)):
                raise PowerInputError(f"dropout {name} values must lie in [0, 1).")
        if not 0 <= self.intermittent < 1:
            raise PowerInputError("the intermittent missing probability must lie in [0, 1).")
        return np.vstack([hb, ha])


@dataclass(frozen=True)
class Scenario:
    """Population model of a two-arm trial (see the module docstring).

    ``covariance`` is over the post-baseline visits. With ``baseline_sd`` the trial also has
    a baseline value with that SD, mean ``baseline_mean`` and correlation
    ``baseline_correlation[j]`` with visit ``j``; the MMRM then adjusts for baseline and
    baseline x visit, the ANCOVA for baseline.
    """

    mean_control: np.ndarray
    mean_treatment: np.ndarray
    covariance: np.ndarray
    allocation: float = 1.0
    dropout: Dropout | None = None
    baseline_mean: float = 0.0
    baseline_sd: float | None = None
    baseline_correlation: np.ndarray | None = None

    @property
    def t(self) -> int:
        return int(self.covariance.shape[0])

    @property
    def has_baseline(self) -> bool:
        return self.baseline_sd is not None

    @property
    def delta(self) -> float:
        """True treatment - control difference at the final visit."""
        return float(self.mean_treatment[-1] - self.mean_control[-1])

    def joint_covariance(self) -> np.ndarray:
        """Covariance of ``(baseline, y_1..y_t)`` (or of ``y`` alone without a baseline)."""
        if not self.has_baseline:
            return self.covariance
        sd = np.sqrt(np.diag(self.covariance))
        cross = self.baseline_sd * sd * np.asarray(self.baseline_correlation, dtype=float)
        top = np.r_[self.baseline_sd**2, cross]
        return np.block([[top[None, :]], [cross[:, None], self.covariance]])

    def conditional_covariance(self) -> np.ndarray:
        """Covariance of ``y`` given the baseline (what the adjusted MMRM estimates)."""
        if not self.has_baseline:
            return self.covariance
        j = self.joint_covariance()
        return j[1:, 1:] - np.outer(j[1:, 0], j[0, 1:]) / j[0, 0]

    def check(self) -> None:
        """Raise :class:`PowerInputError` with one sentence when the scenario is unusable."""
        t = self.t
        for name in ("mean_control", "mean_treatment"):
            if np.asarray(getattr(self, name)).shape != (t,):
                raise PowerInputError(f"{name} needs one value per visit ({t}).")
        if self.has_baseline:
            bc = self.baseline_correlation
            if bc is None or np.asarray(bc).shape != (t,):
                raise PowerInputError(f"baseline_correlation needs one value per visit ({t}).")
        try:
            np.linalg.cholesky(self.joint_covariance())
        except np.linalg.LinAlgError:
            raise PowerInputError(
                "The covariance of baseline and outcome is not positive definite."
            ) from None
        if self.dropout is not None:
            self.dropout.hazards(t)


#: The column roles of :meth:`SimulatedTrial.to_frame`, as keywords of ``fit_mmrm`` and
#: ``impute_and_analyse`` (the baseline column is ``base``).
FRAME_ROLES: dict[str, str] = {
    "outcome": "y",
    "arm": "arm",
    "control": "C",
    "visit": "visit",
    "subject": "id",
}


@dataclass(frozen=True)
class SimulatedTrial:
    """One trial as arrays: arm (n,), baseline (n,) or None, y (n, t), observed (n, t), and
    ``left_at`` (n,): the visit index at which the subject dropped out (``t``: completed;
    intermittent misses are not dropout)."""

    arm: np.ndarray
    baseline: np.ndarray | None
    y: np.ndarray
    observed: np.ndarray
    left_at: np.ndarray

    @property
    def visit_labels(self) -> list[str]:
        """``V1 .. Vt``, zero-padded so that they sort in visit order."""
        t = self.y.shape[1]
        width = len(str(t))
        return [f"V{j + 1:0{width}d}" for j in range(t)]

    def to_frame(self) -> pd.DataFrame:
        """Long data (``id, visit, arm, base, y``; arms ``C``/``T``, visits ``V1..Vt``, missed
        visits as missing ``y``), e.g. to analyse one simulated trial with
        ``fit_mmrm(trial.to_frame(), **FRAME_ROLES, ...)``."""
        n, t = self.y.shape
        r = FRAME_ROLES
        out = pd.DataFrame(
            {
                r["subject"]: np.repeat(np.arange(n), t),
                r["visit"]: np.tile(self.visit_labels, n),
                r["arm"]: np.repeat(np.where(self.arm == 1, "T", r["control"]), t),
                r["outcome"]: np.where(self.observed, self.y, np.nan).ravel(),
            }
        )
        if self.baseline is not None:
            out.insert(3, "base", np.repeat(self.baseline, t))
        return out


def arm_sizes(n_total: int, allocation: float) -> tuple[int, int]:
    """``(n_control, n_treatment)`` with ``n_treatment / n_control`` closest to allocation."""
    n_a = int(round(n_total * allocation / (1.0 + allocation)))
    n_a = min(max(n_a, 1), n_total - 1)
    return n_total - n_a, n_a


def draw_trial(
    scenario: Scenario, n_total: int, rng: np.random.Generator
) -> tuple[SimulatedTrial, SimulatedTrial]:
    """Draw one trial under the alternative and its null twin (same random numbers)."""
    t = scenario.t
    n_b, n_a = arm_sizes(n_total, scenario.allocation)
    arm = np.r_[np.zeros(n_b, dtype=np.int64), np.ones(n_a, dtype=np.int64)]
    joint = scenario.joint_covariance()
    z = rng.standard_normal((n_total, joint.shape[0])) @ np.linalg.cholesky(joint).T
    u_drop = rng.random((n_total, t))
    u_int = rng.random((n_total, t))
    if scenario.has_baseline:
        base, resid = z[:, 0] + scenario.baseline_mean, z[:, 1:]
    else:
        base, resid = None, z
    mc = np.asarray(scenario.mean_control, dtype=float)
    mt = np.asarray(scenario.mean_treatment, dtype=float)
    out = []
    for means in (np.vstack([mc, mt]), np.vstack([mc, mc])):
        y = resid + means[arm]
        observed, left_at = _missingness(scenario, arm, base, y, means, u_drop, u_int)
        out.append(SimulatedTrial(arm, base, y, observed, left_at))
    return out[0], out[1]


def _missingness(
    scenario: Scenario,
    arm: np.ndarray,
    base: np.ndarray | None,
    y: np.ndarray,
    means: np.ndarray,
    u_drop: np.ndarray,
    u_int: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Observed visits ``(n, t)`` and the dropout visit ``(n,)`` (``t``: completed)."""
    n, t = y.shape
    d = scenario.dropout
    if d is None:
        return np.ones((n, t), dtype=bool), np.full(n, t)
    hz = d.hazards(t)[arm]  # (n, t)
    sd = np.sqrt(np.diag(scenario.covariance))
    in_trial = np.ones(n, dtype=bool)
    present = np.zeros((n, t), dtype=bool)
    with np.errstate(divide="ignore"):
        base_logit = logit(hz)
    for j in range(t):  # loop over visits, vectorised over subjects
        lo = base_logit[:, j]
        if d.mnar != 0.0:
            if j > 0:
                dev = (y[:, j - 1] - means[arm, j - 1]) / sd[j - 1]
            elif base is not None:
                dev = (base - scenario.baseline_mean) / float(scenario.baseline_sd)
            else:
                dev = np.zeros(n)
            lo = lo + d.mnar * dev
        in_trial &= u_drop[:, j] >= expit(lo)
        present[:, j] = in_trial
    return present & (u_int >= d.intermittent), present.sum(axis=1)


def make_scenario(
    *,
    sd: float | Sequence[float] | None = None,
    correlation: object = None,
    rho: float | None = None,
    times: Sequence[float] | None = None,
    covariance: object = None,
    mean_control: Sequence[float] | None = None,
    mean_treatment: Sequence[float] | None = None,
    delta: float | None = None,
    allocation: float = 1.0,
    retention: Sequence[float] | None = None,
    retention_control: Sequence[float] | None = None,
    hazard: Sequence[float] | None = None,
    hazard_control: Sequence[float] | None = None,
    mnar: float = 0.0,
    intermittent: float = 0.0,
    baseline_sd: float | None = None,
    baseline_mean: float = 0.0,
    baseline_correlation: float | Sequence[float] | None = None,
) -> Scenario:
    """A :class:`Scenario` from plain values.

    The covariance is ``covariance``, or ``sd`` (shared or per visit) with ``correlation``
    (a matrix, or ``rho`` and ``times`` for AR(1)). Means default to zero for control and to
    control + ``delta`` at every visit for treatment. Dropout is given as ``retention`` (per
    arm) or ``hazard`` (per arm), plus ``mnar`` and ``intermittent``.
    """
    from trialkit.power.inputs import ar1_correlation, check_correlation, check_positive

    if covariance is not None:
        cov = np.asarray(covariance, dtype=float)
        sds = np.sqrt(np.clip(np.diag(cov), 0, None)) if cov.ndim == 2 else np.ones(1)
        if cov.ndim != 2 or np.any(sds <= 0):
            raise PowerInputError("covariance must be a square matrix with positive variances.")
        check_correlation(cov / np.outer(sds, sds), "covariance's correlation")
    else:
        if rho is not None:
            if times is None:
                raise PowerInputError("An AR(1) correlation needs the visit times (times=[...]).")
            corr = ar1_correlation(rho, times)
        elif correlation is not None:
            corr = check_correlation(correlation)
        else:
            raise PowerInputError(
                "Give the covariance, or sd with a correlation (or rho and times)."
            )
        if sd is None:
            raise PowerInputError("Give the outcome SD (sd=), shared or one per visit.")
        sds = np.broadcast_to(np.asarray(sd, dtype=float), (corr.shape[0],))
        for v in sds:
            check_positive(v, "sd")
        cov = corr * np.outer(sds, sds)
    t = cov.shape[0]
    mc = np.zeros(t) if mean_control is None else np.asarray(mean_control, dtype=float)
    if mean_treatment is None:
        if delta is None:
            raise PowerInputError("Give the treatment means (mean_treatment=) or the effect delta.")
        mt = mc + float(delta)
    else:
        mt = np.asarray(mean_treatment, dtype=float)
    dropout = None
    if retention is not None or retention_control is not None:
        if hazard is not None or hazard_control is not None:
            raise PowerInputError("Give dropout as retention or as hazards, not both.")
        dropout = Dropout.from_retention(
            np.ones(t) if retention is None else retention,
            retention_control,
            mnar=mnar,
            intermittent=intermittent,
        )
    elif hazard is not None or hazard_control is not None or intermittent or mnar:
        hz = np.zeros(t) if hazard is None else hazard
        dropout = Dropout(
            tuple(float(x) for x in hz),
            None if hazard_control is None else tuple(float(x) for x in hazard_control),
            float(mnar),
            float(intermittent),
        )
    bc = None
    if baseline_sd is not None:
        check_positive(baseline_sd, "baseline_sd")
        if baseline_correlation is None:
            raise PowerInputError("Give baseline_correlation with baseline_sd.")
        bc = np.broadcast_to(np.asarray(baseline_correlation, dtype=float), (t,)).copy()
    scenario = Scenario(
        mean_control=mc,
        mean_treatment=mt,
        covariance=cov,
        allocation=check_positive(allocation, "allocation"),
        dropout=dropout,
        baseline_mean=float(baseline_mean),
        baseline_sd=None if baseline_sd is None else float(baseline_sd),
        baseline_correlation=bc,
    )
    scenario.check()
    return scenario
