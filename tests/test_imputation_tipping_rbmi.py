"""The tipping point against rbmi with a delta grid, on fev_data.

Source: tests/reference/rbmi/fev_rbmi_tipping.json, made by rbmi 1.6.0.9000 + mmrm 0.3.18
with tests/reference/rbmi/make_rbmi_tipping.R (raw output make_rbmi_tipping.out; see
PROVENANCE.md): conditional mean imputation + jackknife under JR, delta added to every imputed
TRT value for delta = -8, -7, ..., 0, the VIS4 difference pooled by rbmi for each, and the
tipping point (p = 0.05) found by R's uniroot (tol 1e-9) on rbmi's p(delta).
"""

from __future__ import annotations

import numpy as np
import pytest
from imputation_data import ARGS, events, fev, reference
from scipy import stats

import trialkit

# Relative tolerances by kind of quantity (as test_imputation_rbmi.py): estimates and SEs
# 1e-4; CI limits 1e-4 of |est| + 1.96 SE; p-values at the tolerance the SE's implies.
EST, SE, CI = 1e-4, 1e-4, 1e-4


@pytest.fixture(scope="module")
def pair():
    theirs = reference("fev_rbmi_tipping.json")
    grid = np.asarray(theirs["grid"]["delta"], dtype=float)
    ours = trialkit.tipping_point(
        fev(),
        events=events("JR"),
        deltas=grid,
        delta_arm="treatment",
        target_visit=theirs["visit"],
        alpha=theirs["alpha"],
        **ARGS,
    )
    return ours, theirs


def test_grid_table(pair):
    """Estimate, SE, CI and p-value of the VIS4 difference at every delta of the grid."""
    ours, theirs = pair
    tab, g = ours.table, theirs["grid"]
    np.testing.assert_array_equal(tab["delta"], g["delta"])
    est, se = np.asarray(g["est"]), np.asarray(g["se"])
    np.testing.assert_allclose(tab["estimate"], est, rtol=EST)
    np.testing.assert_allclose(tab["std_error"], se, rtol=SE)
    allowed = CI * (np.abs(est) + 1.96 * se)
    assert np.all(np.abs(tab["ci_lower"] - g["lci"]) <= allowed)
    assert np.all(np.abs(tab["ci_upper"] - g["uci"]) <= allowed)
    z = np.abs(tab["estimate"] / tab["std_error"]).to_numpy()
    slope = np.maximum(z * stats.norm.pdf(z) / stats.norm.sf(z), 1.0)
    np.testing.assert_allclose(tab["p_value"], g["pval"], rtol=float(slope.max()) * SE)
    assert list(tab["significant"]) == [p < theirs["alpha"] for p in g["pval"]]


def test_tipping_point(pair):
    """The delta at which p crosses alpha. Its tolerance follows from the SEs' 1e-4: at the
    root z = est / SE = z*, a relative SE error e moves z by z* e, hence the root by
    z* e / |dz/d delta| (the slope taken from rbmi's grid)."""
    ours, theirs = pair
    roots = theirs["tipping_points"]
    assert len(ours.tipping_points) == len(roots) == 1
    g = theirs["grid"]
    z = np.asarray(g["est"]) / np.asarray(g["se"])
    slope = np.abs(np.gradient(z, np.asarray(g["delta"], dtype=float)))
    zstar = stats.norm.isf(theirs["alpha"] / 2)
    allowed = zstar * SE / slope.min()
    assert abs(ours.tipping_point - roots[0]) <= allowed
    assert allowed < 2e-3 * abs(roots[0])  # the bound is informative: below 0.2% of the root
    # at our root, our own p-value is alpha (the root finder converged)
    d = trialkit.impute_and_analyse(
        fev(),
        events=events("JR"),
        delta=trialkit.imputation.delta_shift(ours.tipping_point, arms=["TRT"]),
        **ARGS,
    ).differences
    assert d.set_index("visit").loc[theirs["visit"], "p_value"] == pytest.approx(
        theirs["alpha"], rel=1e-8
    )


def test_figure_data_and_repr(pair):
    """The result carries the base (delta = 0) analysis and a one-line repr naming the root."""
    ours, _ = pair
    assert ours.base.differences.set_index("visit").loc["VIS4", "estimate"] == pytest.approx(
        ours.table.set_index("delta").loc[0.0, "estimate"], rel=1e-12
    )
    assert f"{ours.tipping_point:.4g}" in repr(ours)
