r"""Power and sample size for the MMRM final-visit difference (Lu, Luo & Chen 2008).

With monotone dropout, :math:`r_j` the share of an arm still observed at visit :math:`j`
(:math:`r_{t+1} = 0`) and :math:`R` the visit correlation matrix, the information of one
subject about the visit means is

.. math::  I = \sum_{j=1}^{t} (r_j - r_{j+1})\,[R_{1:j,1:j}^{-1}]_{0},

(the inverse of the leading :math:`j \times j` block, padded with zeros) and the variance
inflation at the final visit is :math:`\phi = (I^{-1})_{tt}` (:math:`\phi = 1` without
dropout). With :math:`\lambda = n_a/n_b` (treatment / control), SDs :math:`\sigma_a,\sigma_b`
at the final visit and :math:`\alpha' = \alpha/2` (two-sided) or :math:`\alpha` (one-sided),

.. math::  n_a = (\sigma_a^2\phi_a + \lambda\sigma_b^2\phi_b)\,
           \frac{(z_{\alpha'} + z_{1-\text{power}})^2}{\delta^2},\qquad n_b = n_a/\lambda,

Lu, Luo & Chen's formula (3). Power and :math:`\delta` follow in closed form for a given
:math:`N = n_a + n_b`. The *t-test variant* replaces the normal quantiles by those of
:math:`t_{N-2}` and is solved for :math:`N` by root finding (:func:`scipy.optimize.brentq`).

With one shared SD this is exactly R longpower's ``power.mmrm`` (and ``power.mmrm.ar1`` for
an AR(1) correlation); with an SD per arm trialkit uses the variance of the difference above,
whereas longpower averages the two SDs.

Validated against: R longpower 1.0.27 ``power.mmrm`` / ``power.mmrm.ar1`` (Lu, Luo & Chen
2008 Tables 1 and 2, solving for N, delta and power, unequal retention, allocation != 1, and
parameters from an nlme::gls fit of fev_data); tests/reference/longpower.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, stats

from trialkit.core.results import ReadOnlyResult
from trialkit.power.inputs import (
    PowerInputError,
    ar1_correlation,
    check_alpha,
    check_alternative,
    check_correlation,
    check_positive,
    check_power,
    check_retention,
)


def variance_inflation(correlation: np.ndarray, retention: np.ndarray) -> float:
    """Lu, Luo & Chen's :math:`\\phi`: the final-visit variance inflation due to dropout."""
    t = correlation.shape[0]
    r0 = np.append(retention, 0.0)
    info = np.zeros((t, t))
    for j in range(1, t + 1):
        w = r0[j - 1] - r0[j]
        if w != 0.0:
            info[:j, :j] += w * np.linalg.inv(correlation[:j, :j])
    return float(np.linalg.inv(info)[t - 1, t - 1])


@dataclass(frozen=True, repr=False)
class PowerResult(ReadOnlyResult):
    """A solved power / sample-size problem (sample sizes exact, not rounded up).

    Attributes
    ----------
    n_treatment, n_control, n_total
        Sample sizes (z-test, as longpower); reports round them up.
    n_treatment_t, n_control_t, n_total_t, power_t
        The t-test variant: the N solving the formula with :math:`t_{N-2}` quantiles, and the
        power at ``n_total`` with :math:`t_{N-2}` quantiles.
    phi_treatment, phi_control
        Lu, Luo & Chen's variance inflation factors.
    solved_for
        ``"n_total"``, ``"delta"`` or ``"power"``.
    """

    n_treatment: float
    n_control: float
    n_total: float
    delta: float
    power: float
    alpha: float
    alternative: str
    allocation: float
    sd: float
    sd_control: float
    phi_treatment: float
    phi_control: float
    retention: tuple[float, ...]
    retention_control: tuple[float, ...]
    solved_for: str
    n_treatment_t: float
    n_control_t: float
    n_total_t: float
    power_t: float
    correlation: np.ndarray = field(repr=False)
    correlation_control: np.ndarray = field(repr=False)
    source: str = "given"

    _headline = ("solved_for", "n_total", "delta", "power", "alpha", "alternative")

    @property
    def sample_sizes(self) -> pd.DataFrame:
        """``test, arm, n, n_rounded`` (rounded up per arm) for the z-test and the t-test."""
        rows = []
        for test, na, nb in (
            ("z", self.n_treatment, self.n_control),
            ("t", self.n_treatment_t, self.n_control_t),
        ):
            for arm, n in (("treatment", na), ("control", nb)):
                rows.append({"test": test, "arm": arm, "n": n, "n_rounded": _ceil(n)})
            rows.append(
                {"test": test, "arm": "total", "n": na + nb, "n_rounded": _ceil(na) + _ceil(nb)}
            )
        return pd.DataFrame(rows)

    @property
    def inputs(self) -> pd.DataFrame:
        """``visit, retention_treatment, retention_control`` per visit."""
        t = len(self.retention)
        return pd.DataFrame(
            {
                "visit": np.arange(1, t + 1),
                "retention_treatment": self.retention,
                "retention_control": self.retention_control,
            }
        )

    def summary_frame(self) -> pd.DataFrame:
        """The sample sizes (z and t), exact and rounded up per arm."""
        return self.sample_sizes


def _ceil(x: float) -> int:
    # guard against 64.00000000001 from rounding error in the formula
    return int(np.ceil(x - 1e-9))


def power_mmrm(
    n_total: float | None = None,
    delta: float | None = None,
    power: float | None = None,
    *,
    correlation: object = None,
    rho: float | None = None,
    times: Sequence[float] | None = None,
    retention: Sequence[float] | None = None,
    retention_control: Sequence[float] | None = None,
    correlation_control: object = None,
    sd: float | None = None,
    sd_control: float | None = None,
    allocation: float = 1.0,
    alpha: float = 0.05,
    alternative: str = "two-sided",
    from_fit: object = None,
    from_fit_arm: str | None = None,
) -> PowerResult:
    """Solve Lu, Luo & Chen's (2008) formula for whichever of N, delta and power is missing.

    Parameters
    ----------
    n_total, delta, power
        Give exactly two; the third is solved for. ``delta`` is the treatment - control
        difference at the final visit (its sign does not matter).
    correlation
        ``t x t`` visit correlation matrix (treatment arm; ``correlation_control`` defaults to
        it); or ``rho`` and ``times`` for AR(1), ``rho^|t_i - t_j|``.
    retention, retention_control
        Share of each arm still observed at each visit (non-increasing, in (0, 1]); default
        no dropout. ``retention_control`` defaults to ``retention``.
    sd, sd_control
        SD at the final visit, shared or per arm (``sd_control`` defaults to ``sd``).
    allocation
        ``n_treatment / n_control``.
    from_fit
        A fitted :class:`~trialkit.models.mmrm.MMRMResult`: correlation, final-visit SD and
        observed retention are read from it (explicit arguments override them).
    from_fit_arm
        With ``from_fit``: the treatment arm whose comparison with the control is planned
        (default the fit's first arm after the control).
    """
    if from_fit is not None:
        from trialkit.power.from_fit import inputs_from_fit

        taken = inputs_from_fit(from_fit, from_fit_arm)
        correlation = taken.correlation if correlation is None and rho is None else correlation
        if correlation_control is None and rho is None:
            correlation_control = taken.correlation_control
        retention = taken.retention if retention is None else retention
        retention_control = (
            taken.retention_control if retention_control is None else retention_control
        )
        sd = taken.sd if sd is None else sd
        sd_control = taken.sd_control if sd_control is None else sd_control
    given = {"n_total": n_total, "delta": delta, "power": power}
    missing = [k for k, v in given.items() if v is None]
    if len(missing) != 1:
        names = ", ".join(k for k, v in given.items() if v is not None) or "none of them"
        raise PowerInputError(
            "Give exactly two of n_total, delta and power (the third is solved for); "
            f"given: {names}."
        )
    alpha = check_alpha(alpha)
    alternative = check_alternative(alternative)
    allocation = check_positive(allocation, "allocation (n_treatment / n_control)")
    if sd is None:
        raise PowerInputError("Give the SD of the outcome at the final visit (sd=).")
    sd_a = check_positive(sd, "sd")
    sd_b = sd_a if sd_control is None else check_positive(sd_control, "sd_control")
    r_a = _correlation(correlation, rho, times)
    r_b = (
        r_a
        if correlation_control is None
        else check_correlation(correlation_control, "control-arm correlation")
    )
    t = r_a.shape[0]
    if r_b.shape != r_a.shape:
        raise PowerInputError("The two arms' correlation matrices must have the same size.")
    ret_a = check_retention(np.ones(t) if retention is None else retention, t, "retention")
    ret_b = (
        ret_a
        if retention_control is None
        else check_retention(retention_control, t, "retention_control")
    )
    phi_a = variance_inflation(r_a, ret_a)
    phi_b = variance_inflation(r_b, ret_b)
    lam = allocation
    # var of the estimated difference = v / n_a
    v = sd_a**2 * phi_a + lam * sd_b**2 * phi_b
    share_a = lam / (1.0 + lam)
    a_one = alpha / 2 if alternative == "two-sided" else alpha
    z_a = float(stats.norm.ppf(a_one))  # negative
    if power is not None:
        power = check_power(power, alpha)
    if delta is not None:
        delta = abs(float(delta))
        if not np.isfinite(delta) or delta == 0:
            raise PowerInputError(f"delta must be a non-zero number; got {delta!r}.")
    if n_total is not None:
        n_total = check_positive(n_total, "n_total")
        if n_total <= 2:
            raise PowerInputError(f"n_total must exceed 2; got {n_total:g}.")
    solved = missing[0]
    if solved == "n_total":
        n_a = v * (z_a + stats.norm.ppf(1 - power)) ** 2 / delta**2
        n_total = n_a / share_a
    elif solved == "power":
        power = float(stats.norm.cdf(delta * np.sqrt(n_total * share_a / v) + z_a))
    else:
        delta = float((stats.norm.ppf(power) - z_a) * np.sqrt(v / (n_total * share_a)))
    n_t = _t_sample_size(v, share_a, a_one, power, delta)
    df = n_total - 2
    power_t = float(
        stats.t.cdf(delta * np.sqrt(n_total * share_a / v) + stats.t.ppf(a_one, df), df)
    )
    return PowerResult(
        n_treatment=n_total * share_a,
        n_control=n_total * share_a / lam,
        n_total=float(n_total),
        delta=float(delta),
        power=float(power),
        alpha=alpha,
        alternative=alternative,
        allocation=lam,
        sd=sd_a,
        sd_control=sd_b,
        phi_treatment=phi_a,
        phi_control=phi_b,
        retention=tuple(float(x) for x in ret_a),
        retention_control=tuple(float(x) for x in ret_b),
        solved_for=solved,
        n_treatment_t=n_t * share_a,
        n_control_t=n_t * share_a / lam,
        n_total_t=n_t,
        power_t=power_t,
        correlation=r_a.copy(),
        correlation_control=r_b.copy(),
        source="fitted MMRM" if from_fit is not None else "given",
    )


def _correlation(
    correlation: object, rho: float | None, times: Sequence[float] | None
) -> np.ndarray:
    if correlation is not None and rho is not None:
        raise PowerInputError(
            "Give either a correlation matrix or rho and times for AR(1), not both."
        )
    if rho is not None:
        if times is None:
            raise PowerInputError("An AR(1) correlation needs the visit times (times=[...]).")
        return ar1_correlation(rho, times)
    if correlation is None:
        raise PowerInputError(
            "Give the visit correlation: a matrix (correlation=) or rho and times for AR(1)."
        )
    return check_correlation(correlation)


def _t_sample_size(v: float, share_a: float, a_one: float, power: float, delta: float) -> float:
    """N solving ``N share_a = v (t_{a,N-2} + t_{1-power,N-2})^2 / delta^2`` (root finding)."""

    def gap(n: float) -> float:
        df = n - 2
        q = stats.t.ppf(a_one, df) + stats.t.ppf(1 - power, df)
        return n * share_a - v * q**2 / delta**2

    lo = 2.0 + 1e-9
    if gap(lo) >= 0:  # degenerate: any N > 2 suffices
        return lo
    hi = 4.0
    while gap(hi) < 0:
        hi *= 2
        if hi > 1e12:
            raise PowerInputError("The t-test sample size exceeds 10^12; check delta and sd.")
    return float(optimize.brentq(gap, lo, hi, xtol=1e-12, rtol=1e-14))
