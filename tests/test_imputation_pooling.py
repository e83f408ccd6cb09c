"""Rubin's rules with Barnard-Rubin df, jackknife and bootstrap pooling.

Sources: R mice 3.15 ``pool.scalar`` (tests/reference/rubin/rubin_mice.json, made by
rubin_mice.R) and hand-computed cases (written out below).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from trialkit.imputation import pooling

CASES = json.loads((Path(__file__).parent / "reference/rubin/rubin_mice.json").read_text())["cases"]
REL = 1e-10  # same formulas in double precision


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"m{len(c['est'])}_df{c['dfcom']}")
def test_rubin_matches_mice_pool(case):
    """Pooled estimate, total variance and Barnard-Rubin df vs mice::pool.scalar."""
    est, var = np.asarray(case["est"]), np.asarray(case["var"])
    dfcom = float("inf") if case["dfcom"] == "Inf" else float(case["dfcom"])
    q, se, df = pooling.rubin(est, np.sqrt(var), dfcom)
    assert q == pytest.approx(case["qbar"], rel=REL)
    assert se**2 == pytest.approx(case["t"], rel=REL)
    assert df == pytest.approx(case["df"], rel=REL)


def test_rubin_hand_computed():
    """Three imputations by hand: est 1, 2, 3; SE 1 each; complete-data df 10.

    qbar = 2; W = 1; B = 1; T = 1 + (4/3) 1 = 7/3; lambda = (4/3)/(7/3) = 4/7;
    nu_old = 2 / (4/7)^2 = 49/8; nu_obs = (11/13) 10 (3/7) = 330/91;
    nu = nu_old nu_obs / (nu_old + nu_obs).
    """
    q, se, df = pooling.rubin(np.array([1.0, 2.0, 3.0]), np.ones(3), 10.0)
    nu_old, nu_obs = 49 / 8, 330 / 91
    assert q == 2.0
    assert se == pytest.approx(np.sqrt(7 / 3), rel=1e-14)
    assert df == pytest.approx(nu_old * nu_obs / (nu_old + nu_obs), rel=1e-14)


def test_rubin_no_between_variance_gives_observed_df():
    """Identical imputations (nothing missing): B = 0, so df = nu_obs = (v+1)/(v+3) v."""
    q, se, df = pooling.rubin(np.full(4, 1.5), np.full(4, 0.5), 20.0)
    assert (q, se) == (1.5, 0.5)
    assert df == pytest.approx(21 / 23 * 20, rel=1e-14)


def test_jackknife_se_hand_computed():
    """Jackknife SE of (1, 2, 3, 6): mean 3, sum of squares 14, sqrt(3/4 * 14)."""
    se = pooling.jackknife_se(np.array([1.0, 2.0, 3.0, 6.0]))
    assert se == pytest.approx(np.sqrt(0.75 * 14), rel=1e-14)


def test_interval_normal_and_t():
    """Normal (infinite df) and t intervals and two-sided p-values."""
    lo, hi, p = pooling.interval(2.0, 1.0, np.inf, 0.05)
    assert (lo, hi) == pytest.approx((2 - 1.959963984540054, 2 + 1.959963984540054), rel=1e-14)
    assert p == pytest.approx(2 * stats.norm.sf(2.0), rel=1e-14)
    lo, hi, p = pooling.interval(2.0, 1.0, 5.0, 0.05)
    assert hi - 2.0 == pytest.approx(stats.t.ppf(0.975, 5), rel=1e-14)
    assert p == pytest.approx(2 * stats.t.sf(2.0, 5), rel=1e-14)


def test_percentile_quantile_type6_and_p_value():
    """R quantile(1:9, c(.025, .975), type = 6) = 1, 9; p-value by inverting the interval:
    estimates -1..8 (one negative, none zero) -> q with quantile6(q) = 0 is 1/11 + (1/11)(1/1)
    between the 1st (-1) and 2nd (1) order statistics: h = 1.5 -> q = 1.5/11."""
    lo, hi, p = pooling.percentile(5.0, np.arange(1.0, 10.0), 0.05)
    assert (lo, hi) == (1.0, 9.0)
    assert p == 0.0  # all bootstrap estimates positive
    est = np.array([-1.0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    _, _, p = pooling.percentile(5.0, est, 0.05)
    assert p == pytest.approx(2 * 1.5 / 11, rel=1e-9)
