r"""Fisher's exact test of a 2 x 2 table, with the conditional odds ratio and its exact CI.

For the table :math:`[[a, b], [c, d]]` with column totals :math:`m = a + c`,
:math:`n = b + d` and first-row total :math:`k = a + b`, the top-left cell :math:`X` given the
margins follows Fisher's noncentral hypergeometric distribution on
:math:`\max(0, k - n) \le x \le \min(k, m)`:

.. math::  P_\psi(X = x) \propto \binom{m}{x}\binom{n}{k - x}\,\psi^x .

* two-sided p-value: the sum of :math:`P_1(X = x)` over every :math:`x` with
  :math:`P_1(X = x) \le (1 + 10^{-7})\,P_1(X = a)`;
* conditional maximum-likelihood odds ratio: the :math:`\psi` with
  :math:`E_\psi[X] = a` (0 or :math:`\infty` when :math:`a` is at an end of the support);
* exact :math:`1 - \alpha` CI: :math:`\psi_L` with :math:`P_{\psi_L}(X \ge a) = \alpha/2`
  and :math:`\psi_U` with :math:`P_{\psi_U}(X \le a) = \alpha/2` (0 and :math:`\infty` at
  the ends of the support);
* sample odds ratio :math:`ad/(bc)` (:math:`\infty` when :math:`bc = 0`).

The roots are found as R ``fisher.test`` finds them (on :math:`\psi \in (0, 1]` or
:math:`1/\psi \in (0, 1]`), with Brent's method at a tolerance of :math:`10^{-15}`. A table
with an empty row or column has p-value 1, odds ratios NaN and the CI :math:`(0, \infty)`.
SciPy's ``stats.fisher_exact`` and ``stats.contingency.odds_ratio`` compute the same; this
module exists so that a report need not import ``scipy.stats`` (half a second at start-up).

Validated against: R 4.2.2 ``fisher.test`` (tests/reference/summaries: hand-made tables and
the large-table cases of attrition_large.R).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.special import gammaln

__all__ = ["FisherTest", "fisher_test"]

_REL_ERR = 1 + 1e-7
_EPS = float(np.finfo(float).eps)


@dataclass(frozen=True)
class FisherTest:
    """Fisher's exact test of a 2 x 2 table (see the module docstring)."""

    p_value: float
    estimate: float  # conditional MLE of the odds ratio
    ci_lower: float
    ci_upper: float
    sample_odds_ratio: float


class _Conditional:
    """The noncentral hypergeometric distribution of the top-left cell given the margins."""

    def __init__(self, table: np.ndarray) -> None:
        (a, b), (c, d) = table
        self.m, self.n, self.k = a + c, b + d, a + b
        self.x = a
        self.lo, self.hi = max(0, self.k - self.n), min(self.k, self.m)
        self.support = np.arange(self.lo, self.hi + 1, dtype=float)
        s = self.support
        self.logdc = (
            _log_choose(self.m, s)
            + _log_choose(self.n, self.k - s)
            - _log_choose(self.m + self.n, self.k)
        )

    def pmf(self, psi: float) -> np.ndarray:
        d = self.logdc + math.log(psi) * self.support
        d = np.exp(d - d.max())
        return d / d.sum()

    def mean(self, psi: float) -> float:
        return float(self.support @ self.pmf(psi))

    def tail(self, psi: float, upper: bool) -> float:
        """:math:`P_\\psi(X \\ge x)` (``upper``) or :math:`P_\\psi(X \\le x)`."""
        d = self.pmf(psi)
        return float(d[self.support >= self.x].sum() if upper else d[self.support <= self.x].sum())


def _log_choose(n: float, k: np.ndarray | float) -> np.ndarray:
    return gammaln(n + 1) - gammaln(np.asarray(k) + 1) - gammaln(n - np.asarray(k) + 1)


def _solve(f, value: float, increasing: bool) -> float:  # type: ignore[no-untyped-def]
    """The ``psi`` with ``f(psi) = value``, searched as R does: in (0, 1] when ``f(1)`` lies
    on the side of ``value`` that a smaller ``psi`` moves away from, else ``1 / t`` for t in
    (eps, 1]."""
    at_one = f(1.0)
    if at_one == value:
        return 1.0
    if (at_one > value) == increasing:
        return brentq(lambda t: f(t) - value, 0.0 + 1e-300, 1.0, xtol=1e-15, rtol=4 * _EPS)
    t = brentq(lambda t: f(1 / t) - value, _EPS, 1.0, xtol=1e-15, rtol=4 * _EPS)
    return 1 / t


def fisher_test(table: np.ndarray, alpha: float = 0.05, ci: bool = True) -> FisherTest:
    """Fisher's exact test of ``table`` (2 x 2 counts); ``ci=False`` skips the exact CI
    (returned as NaN), whose root finding is the costly part for large tables."""
    t = np.asarray(table, dtype=np.int64)
    if t.shape != (2, 2) or np.any(t < 0):
        raise ValueError("a 2 x 2 table of non-negative counts is needed")
    if 0 in t.sum(axis=0) or 0 in t.sum(axis=1):
        return FisherTest(1.0, math.nan, 0.0, math.inf, math.nan)
    (a, b), (c, d) = t
    sample_or = a * d / (b * c) if b * c > 0 else math.inf
    dist = _Conditional(t)
    central = np.exp(dist.logdc)
    observed = central[dist.x - dist.lo]
    p = float(min(1.0, central[central <= observed * _REL_ERR].sum()))

    x = dist.x
    if x == dist.lo:
        mle = 0.0
    elif x == dist.hi:
        mle = math.inf
    else:
        mle = _solve(dist.mean, x, increasing=True)
    lo = hi = math.nan
    if ci:
        half = alpha / 2
        lo = 0.0 if x == dist.lo else _solve(lambda s: dist.tail(s, True), half, increasing=True)
        hi = (
            math.inf
            if x == dist.hi
            else _solve(lambda s: dist.tail(s, False), half, increasing=False)
        )
    return FisherTest(p, float(mle), float(lo), float(hi), float(sample_or))
