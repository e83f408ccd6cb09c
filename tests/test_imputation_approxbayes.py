"""Approximate Bayesian MI: agreement with conditional mean imputation, and Rubin's rules
over the stored per-imputation results.

Sources: trialkit's conditional mean imputation (itself validated against rbmi, see
test_imputation_rbmi.py). Agreement with rbmi ``method_approxbayes`` within Monte-Carlo error
is in test_imputation_rbmi_extra.py; the coverage simulation in test_imputation_coverage.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from imputation_data import ARGS, events, fev

import trialkit


@pytest.fixture(scope="module")
def mar_draws():
    return trialkit.impute_and_analyse(
        fev(), events=events("MAR"), method="approxbayes", n_samples=60, seed=2026, **ARGS
    )


def test_mar_agrees_with_conditional_mean_within_mc_error(mar_draws):
    """Under MAR both methods estimate the same difference; the MI mean differs from the
    conditional-mean estimate by Monte-Carlo error (4 MC SEs allowed) plus the bootstrap
    fits' own O(1/n) spread, bounded here by 0.1 x the pooled SE."""
    cm = trialkit.impute_and_analyse(fev(), events=events("MAR"), **ARGS)
    mc = mar_draws.monte_carlo_se()["mc_se"].to_numpy()
    gap = np.abs(mar_draws.differences["estimate"] - cm.differences["estimate"]).to_numpy()
    assert np.all(gap < 4 * mc + 0.1 * mar_draws.differences["std_error"].to_numpy())
    # Rubin's df are finite and below the complete-data df (200 - 3)
    assert np.all((mar_draws.differences["df"] > 3) & (mar_draws.differences["df"] < 197))


def test_per_dataset_pooling_is_rubin(mar_draws):
    """The pooled SE is Rubin's total variance of the stored per-data-set results."""
    from trialkit.imputation.pooling import rubin

    per = mar_draws.per_dataset
    last = per[per.visit == "VIS4"]
    est, se, _ = rubin(last.estimate.to_numpy(), last.std_error.to_numpy(), 197.0)
    assert mar_draws.differences["estimate"].iloc[-1] == pytest.approx(est, rel=1e-12)
    assert mar_draws.differences["std_error"].iloc[-1] == pytest.approx(se, rel=1e-12)
