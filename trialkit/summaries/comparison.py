"""Two-group comparisons for descriptive tables: standardised differences and p-values.

Standardised differences (group 2 minus group 1; in trialkit tables treatment minus
control, or non-completers minus completers):

* continuous: ``d = (m2 - m1) / sqrt((s1**2 + s2**2) / 2)`` with SDs on ``n - 1`` df;
* binary: ``d = (p2 - p1) / sqrt((p1 (1 - p1) + p2 (1 - p2)) / 2)`` (Austin 2009,
  Stat Med 28:3083-3107, eq. 2);
* categorical with ``k`` levels: ``d = sqrt((T - C)' S^-1 (T - C))`` where ``T``, ``C`` are
  the proportions of levels 2..k and ``S = (S_T + S_C) / 2`` with
  ``S_jj = p_j (1 - p_j)`` and ``S_jl = -p_j p_l`` (Yang & Dalton 2012, SAS Global Forum
  paper 335-2012; the form R ``tableone`` uses). It is unsigned. A Moore-Penrose inverse is
  used when ``S`` is singular (a level empty in both groups).

P-values (only on request; CONSORT 2010 item 15 discourages baseline tests):

* continuous: Welch two-sample t-test (R ``t.test`` default);
* categorical: Pearson chi-square without continuity correction, except a 2 x 2 table with
  an expected count below 5, which gets Fisher's exact test (two-sided).

Validated against R 4.x base formulas, ``t.test``, ``chisq.test(correct = FALSE)`` and
``fisher.test`` (tests/reference/summaries/).
"""

from __future__ import annotations

import math

import numpy as np

from trialkit.inference.fisher import fisher_test


def smd_continuous(x1: np.ndarray, x2: np.ndarray) -> float:
    """Standardised difference in means, ``(m2 - m1) / sqrt((s1^2 + s2^2) / 2)``.

    Missing values are ignored. NaN when either group has fewer than 2 values or both SDs
    are zero.
    """
    a = np.asarray(x1, dtype=float)
    b = np.asarray(x2, dtype=float)
    a = a[~np.isnan(a)]
    b = b[~np.isnan(b)]
    if a.size < 2 or b.size < 2:
        return math.nan
    pooled = math.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2.0)
    if pooled == 0.0:
        return math.nan
    return float((b.mean() - a.mean()) / pooled)


def smd_proportions(p1: float, p2: float) -> float:
    """Austin (2009) standardised difference of two proportions (signed, ``p2 - p1``)."""
    var = (p1 * (1.0 - p1) + p2 * (1.0 - p2)) / 2.0
    if var == 0.0:
        return math.nan if p1 != p2 else 0.0
    return float((p2 - p1) / math.sqrt(var))


def smd_categorical(counts1: np.ndarray, counts2: np.ndarray) -> float:
    """Yang & Dalton (2012) multi-level standardised difference from level counts.

    With two levels it equals ``|smd_proportions|``.
    """
    c1 = np.asarray(counts1, dtype=float)
    c2 = np.asarray(counts2, dtype=float)
    if c1.sum() == 0 or c2.sum() == 0 or c1.size < 2:
        return math.nan
    p1 = (c1 / c1.sum())[1:]
    p2 = (c2 / c2.sum())[1:]
    s1 = np.diag(p1) - np.outer(p1, p1)
    s2 = np.diag(p2) - np.outer(p2, p2)
    s = (s1 + s2) / 2.0
    diff = p2 - p1
    if not diff.any():
        return 0.0
    value = float(diff @ np.linalg.pinv(s) @ diff)
    return math.sqrt(max(value, 0.0))


def welch_p(x1: np.ndarray, x2: np.ndarray) -> float:
    """Two-sided Welch t-test p-value (missing values ignored)."""
    a = np.asarray(x1, dtype=float)
    b = np.asarray(x2, dtype=float)
    a = a[~np.isnan(a)]
    b = b[~np.isnan(b)]
    if a.size < 2 or b.size < 2:
        return math.nan
    from scipy import stats  # on use: p-values are optional, scipy.stats costs start-up time

    return float(stats.ttest_ind(a, b, equal_var=False).pvalue)


def table_p(table: np.ndarray) -> tuple[float, str]:
    """P-value of a groups x levels count table and the name of the test used.

    Rows or columns that are all zero are dropped first. Returns ``(nan, "none")`` when
    fewer than two rows or columns remain.
    """
    t = np.asarray(table, dtype=float)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    if t.shape[0] < 2 or t.shape[1] < 2:
        return math.nan, "none"
    from scipy import stats  # on use (as in welch_p)

    expected = stats.contingency.expected_freq(t)
    if t.shape == (2, 2) and (expected < 5).any():
        return fisher_test(t.astype(int), ci=False).p_value, "Fisher's exact"
    chi = stats.chi2_contingency(t, correction=False)
    return float(chi.pvalue), "Pearson chi-square"
