"""Study-level effect sizes and their sampling variances (the part of metafor's ``escalc``).

Every function takes NumPy arrays (one element per study) and returns ``(yi, vi)``.
Arm 1 is the treatment (or the post-treatment occasion), arm 2 the control (or baseline),
so a negative effect means lower scores under treatment, as in RevMan.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln
from scipy.stats import norm

__all__ = [
    "SMD_VARIANCES",
    "hedges_correction",
    "mean_difference",
    "standardised_mean_difference",
    "standardised_mean_change",
    "generic_from_ci",
]

SMD_VARIANCES = ("metafor", "revman5")


def hedges_correction(m: np.ndarray) -> np.ndarray:
    """Exact small-sample bias correction of Hedges (1981).

    ``J(m) = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2))`` with ``m`` degrees of freedom,
    computed on the log scale as metafor's ``.cmicalc``.

    Validated against metafor 3.8-1 ``escalc(measure="SMD")`` (tests/reference/metafor).
    """
    m = np.asarray(m, dtype=float)
    return np.exp(gammaln(m / 2) - np.log(np.sqrt(m / 2)) - gammaln((m - 1) / 2))


def _pooled_sd(n1, sd1, n2, sd2):
    return np.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / (n1 + n2 - 2))


def mean_difference(n1, m1, sd1, n2, m2, sd2) -> tuple[np.ndarray, np.ndarray]:
    """Raw mean difference with the unequal-variance sampling variance.

    ``yi = m1 - m2``, ``vi = sd1^2/n1 + sd2^2/n2`` (metafor ``measure="MD"``; RevMan's MD).

    Validated against metafor 3.8-1 ``escalc(measure="MD")`` on dat.normand1999 and
    dat.gibson2002.
    """
    return m1 - m2, sd1**2 / n1 + sd2**2 / n2


def standardised_mean_difference(
    n1, m1, sd1, n2, m2, sd2, variance: str = "metafor"
) -> tuple[np.ndarray, np.ndarray]:
    """Hedges' g between two independent groups.

    ``d = (m1 - m2) / s_pooled`` with ``s_pooled^2 = ((n1-1) sd1^2 + (n2-1) sd2^2) / (N-2)``.

    ``variance="metafor"`` (metafor's default ``escalc(measure="SMD")``):
    ``g = J(N-2) d`` with the exact correction and ``vi = 1/n1 + 1/n2 + g^2 / (2N)``.

    ``variance="revman5"`` (Deeks & Higgins, *Statistical algorithms in Review Manager 5*,
    2010, "Standardized mean difference"): ``g = d (1 - 3/(4N - 9))`` and
    ``vi = N/(n1 n2) + g^2 / (2 (N - 3.94))``.

    Validated against metafor 3.8-1 ``escalc`` and an independent R coding of the RevMan 5
    formulas (tests/reference/metafor/make_reference.R).
    """
    n = n1 + n2
    d = (m1 - m2) / _pooled_sd(n1, sd1, n2, sd2)
    if variance == "metafor":
        g = hedges_correction(n - 2) * d
        return g, 1 / n1 + 1 / n2 + g**2 / (2 * n)
    if variance == "revman5":
        g = d * (1 - 3 / (4 * n - 9))
        return g, n / (n1 * n2) + g**2 / (2 * (n - 3.94))
    raise ValueError(f"smd_variance must be one of {SMD_VARIANCES}, not {variance!r}.")


def standardised_mean_change(
    n, m_pre, sd_pre, m_post, sd_post, r, standardiser: str = "SMCR"
) -> tuple[np.ndarray, np.ndarray]:
    """Within-group pre-post standardised mean change (metafor ``SMCR`` / ``SMCC``).

    ``SMCR`` (raw-score standardisation, Becker 1988):
    ``yi = J(n-1) (m_post - m_pre) / sd_pre``, ``vi = 2 (1 - r)/n + yi^2 / (2n)``.

    ``SMCC`` (change-score standardisation, Gibbons et al. 1993):
    ``sd_change = sqrt(sd_pre^2 + sd_post^2 - 2 r sd_pre sd_post)``,
    ``yi = J(n-1) (m_post - m_pre) / sd_change``, ``vi = 1/n + yi^2 / (2n)``.

    ``r`` is the pre-post correlation (an assumption when a study does not report it).

    Validated against metafor 3.8-1 ``escalc(measure="SMCR"/"SMCC", m1i=m_post, m2i=m_pre,
    sd1i=sd_pre, sd2i=sd_post)`` on the Morris (2008) treatment groups.
    """
    j = hedges_correction(n - 1)
    if standardiser == "SMCR":
        yi = j * (m_post - m_pre) / sd_pre
        return yi, 2 * (1 - r) / n + yi**2 / (2 * n)
    if standardiser == "SMCC":
        sd_change = np.sqrt(sd_pre**2 + sd_post**2 - 2 * r * sd_pre * sd_post)
        yi = j * (m_post - m_pre) / sd_change
        return yi, 1 / n + yi**2 / (2 * n)
    raise ValueError(f"standardiser must be 'SMCR' or 'SMCC', not {standardiser!r}.")


def generic_from_ci(ci_lower, ci_upper, level: float = 0.95) -> np.ndarray:
    """Standard error recovered from a symmetric confidence interval.

    ``se = (upper - lower) / (2 z_{1 - alpha/2})`` (Cochrane Handbook 6.3.1).
    """
    return (ci_upper - ci_lower) / (2 * norm.ppf(0.5 + level / 2))
