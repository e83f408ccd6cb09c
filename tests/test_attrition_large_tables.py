"""Differential attrition on large tables: exact p and estimate, Woolf CI beyond the cut-off.

Source: R 4.2.2 ``fisher.test`` and Woolf's logit interval written out in base R
(tests/reference/summaries/attrition_large.R -> attrition_large.json).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from trialkit.summaries.attrition import EXACT_CI_MAX_SUPPORT, fisher_attrition, woolf_ci

REF = json.loads(
    (Path(__file__).parent / "reference" / "summaries" / "attrition_large.json").read_text()
)
CASES = [name for name in REF if not name.startswith("_")]
CI_REL = 1e-10  # closed form in both programs
P_REL = 1e-8  # exact hypergeometric p-values
# fisher.test finds its conditional MLE with uniroot's default tolerance (~1e-4): the
# estimate can only be compared to that precision (see summaries/PROVENANCE.md).
FISHER_ESTIMATE_REL = 1e-4


@pytest.mark.parametrize("name", CASES)
def test_large_tables_against_r(name: str) -> None:
    """Source: R fisher.test (p, estimate) and the Woolf interval in attrition_large.R."""
    ref = REF[name]
    table = np.array(ref["table"])
    est, lo, hi, sor, p, method = fisher_attrition(table)
    assert p == pytest.approx(ref["p_value"], rel=P_REL)
    assert est == pytest.approx(ref["fisher_test_estimate"], rel=FISHER_ESTIMATE_REL, abs=1e-12)
    if ref["sample_odds_ratio"] is not None:
        assert sor == pytest.approx(ref["sample_odds_ratio"], rel=1e-12)
    m = table[:, 0].sum()
    n = table[:, 1].sum()
    k = table[0].sum()
    support = min(k, m) - max(0, k - n)
    if support > EXACT_CI_MAX_SUPPORT:
        assert method == "woolf"
        assert (lo, hi) == pytest.approx(tuple(ref["woolf_ci"]), rel=CI_REL)
    else:
        assert method == "exact"
        assert lo <= est <= hi


def test_woolf_zero_cell_correction() -> None:
    """Source: R Woolf interval with 0.5 added to every cell (attrition_large.R, zero_cell)."""
    ref = REF["zero_cell"]
    assert woolf_ci(np.array(ref["table"])) == pytest.approx(tuple(ref["woolf_ci"]), rel=CI_REL)


def test_exact_ci_kept_for_small_tables() -> None:
    """Below the cut-off the CI is the exact conditional one (= R fisher.test), computed by
    trialkit.inference.fisher; SciPy's independent root finding agrees to 1e-9 (relative)."""
    table = np.array([[12, 33], [5, 39]])
    _, lo, hi, _, _, method = fisher_attrition(table)
    ci = stats.contingency.odds_ratio(table, kind="conditional").confidence_interval()
    assert method == "exact"
    assert (lo, hi) == pytest.approx((float(ci.low), float(ci.high)), rel=1e-9)
    assert math.isfinite(hi)
