"""Conditional mean imputation + jackknife against rbmi on fev_data (MAR, JR, CR, CIR).

Source: tests/reference/rbmi/fev_rbmi_reference.json, made by rbmi 1.6 + mmrm 0.3.18 with
tests/reference/rbmi/make_fev_reference.R (see PROVENANCE.md there).
"""

from __future__ import annotations

import numpy as np
import pytest
from imputation_data import ARGS, events, fev, ours_table, rbmi_table, reference

import trialkit

# Relative tolerances by kind of quantity. Estimates, SEs and CI limits: 1e-4. p-values are a
# steep function of est/SE (d log p / d log z = z phi(z) / Phi(-z), about 10 at z = 3): the SEs
# agree to 8e-5, so p is compared at the tolerance that implies, and each p-value is also
# checked to be the normal p-value of our own estimate and SE to 1e-12.
EST, SE, CI = 1e-4, 1e-4, 1e-4  # CI: relative to |est| + 1.96 SE (see the test)


@pytest.fixture(scope="module", params=["MAR", "JR", "CR", "CIR"])
def pair(request):
    strategy = request.param
    res = trialkit.impute_and_analyse(
        fev(), events=events(strategy), method="condmean", resampling="jackknife", seed=1, **ARGS
    )
    return strategy, res, ours_table(res), rbmi_table(reference()[strategy])


def test_estimates(pair):
    """Point estimates (difference, both LS means, every visit) vs rbmi (condmean)."""
    _, _, ours, ref = pair
    np.testing.assert_allclose(ours["est"], ref["est"], rtol=EST)


def test_standard_errors(pair):
    """Jackknife SEs vs rbmi's pool() (jackknife)."""
    _, _, ours, ref = pair
    np.testing.assert_allclose(ours["se"], ref["se"], rtol=SE)


def test_confidence_limits(pair):
    """Normal CI limits vs rbmi: est -/+ 1.96 SE, so the error allowed is the estimate's and
    the SE's (1e-4 of |est| + 1.96 SE); a limit near 0 cannot be held to 1e-4 of itself."""
    _, _, ours, ref = pair
    allowed = CI * (np.abs(ref["est"]) + 1.96 * ref["se"])
    assert np.all(np.abs(ours["lci"] - ref["lci"]) <= allowed)
    assert np.all(np.abs(ours["uci"] - ref["uci"]) <= allowed)


def test_p_values(pair):
    """Treatment-difference p-values vs rbmi (tolerance propagated from the SE's, see top)."""
    from scipy import stats

    _, res, ours, ref = pair
    z = np.abs(ours["est"][:, 0] / ours["se"][:, 0])
    np.testing.assert_allclose(ours["pval"][:, 0], 2 * stats.norm.sf(z), rtol=1e-12)
    slope = z * stats.norm.pdf(z) / stats.norm.sf(z)
    np.testing.assert_allclose(ours["pval"][:, 0], ref["pval"][:, 0], rtol=float(slope.max()) * SE)


def test_result_shape(pair):
    """Tidy frames, events listing and normal reference (infinite df) for the jackknife."""
    strategy, res, _, _ = pair
    assert list(res.differences.columns) == [
        "comparison",
        "visit",
        "estimate",
        "std_error",
        "df",
        "ci_lower",
        "ci_upper",
        "p_value",
    ]
    assert list(res.lsmeans.columns[:3]) == ["arm", "visit", "estimate"]
    assert np.all(np.isinf(res.differences["df"]))
    assert len(res.events) == len(reference()["dropouts"]["PATIENT"])
    assert set(res.events["strategy"]) == {strategy}
    assert res.n_subjects == 200 and res.n_samples == 200
    assert "jackknife" in repr(res)
