"""trialkit.inference.fisher against SciPy's independent implementation on random tables.

Source of the reference values: ``scipy.stats.fisher_exact`` (p-value, sample odds ratio) and
``scipy.stats.contingency.odds_ratio(kind="conditional")`` (conditional MLE and exact CI),
SciPy's own root finding; R ``fisher.test`` agreement is tested through the attrition tables
(tests/test_summaries_handmade.py, tests/test_attrition_large_tables.py).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from trialkit.inference.fisher import fisher_test

P_REL = 1e-9  # p-values (sums of the same probabilities)
OR_REL = 1e-9  # odds ratios and CI limits (roots found to 1e-15)


def _tables() -> list[np.ndarray]:
    rng = np.random.default_rng(20261207)
    out = [rng.integers(0, 40, size=(2, 2)) for _ in range(150)]
    for t in out[:40]:  # some tables with a zero cell (support ends, infinite limits)
        t[rng.integers(2), rng.integers(2)] = 0
    return out


@pytest.mark.parametrize("table", _tables(), ids=lambda t: str(t.tolist()))
def test_fisher_test_matches_scipy(table: np.ndarray) -> None:
    res = fisher_test(table)
    sample_or, p = stats.fisher_exact(table)
    cond = stats.contingency.odds_ratio(table, kind="conditional")
    ci = cond.confidence_interval(confidence_level=0.95)
    assert res.p_value == pytest.approx(p, rel=P_REL)
    for ours, ref in (
        (res.sample_odds_ratio, sample_or),
        (res.estimate, cond.statistic),
        (res.ci_lower, ci.low),
        (res.ci_upper, ci.high),
    ):
        if math.isnan(ref):
            assert math.isnan(ours)
        elif math.isinf(ref) or ref == 0:
            assert ours == ref
        else:
            assert ours == pytest.approx(ref, rel=OR_REL)


def test_empty_margin_and_no_ci() -> None:
    res = fisher_test(np.array([[0, 0], [3, 4]]))
    assert (res.p_value, res.ci_lower, res.ci_upper) == (1.0, 0.0, math.inf)
    assert math.isnan(res.estimate) and math.isnan(res.sample_odds_ratio)
    assert math.isnan(fisher_test(np.array([[3, 5], [2, 9]]), ci=False).ci_lower)
