"""The imputation model's refits: batched leave-one-out and weighted (bootstrap) fits equal
fresh fits of the MMRM engine on the resampled data.

Source: trialkit's own MMRM engine (validated against R mmrm, tests/test_mmrm_fev.py) run
from scratch on data with the subject removed / duplicated, i.e. without the reused
pattern statistics and warm starts under test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from imputation_data import fev, fev_grid

from trialkit.imputation.draws import fit_full, refit_weighted
from trialkit.imputation.jackknife import refit_batch

REL = 1e-6  # both sides converged to ~1e-8 in theta


def grid_of(data: pd.DataFrame, strategy: str = "JR", group_covariance: bool = False):
    g = fev_grid(data, strategy)
    return g, fit_full(g, group_covariance=group_covariance)


@pytest.mark.parametrize("group_covariance", [False, True])
def test_leave_one_out_equals_fresh_fit(group_covariance):
    g, ctx = grid_of(fev(), group_covariance=group_covariance)
    picks = [0, 11, 43, 120, 199]  # includes dropouts and a subject with no observed value
    fits = refit_batch(ctx, np.array(picks))
    for i, p in zip(picks, fits, strict=True):
        sid = g.subject_ids[i]
        _, fresh = grid_of(fev()[fev().PATIENT != sid], group_covariance=group_covariance)
        np.testing.assert_allclose(p.beta, fresh.params.beta, rtol=REL)
        for s, f in zip(p.sigmas, fresh.params.sigmas, strict=True):
            np.testing.assert_allclose(s, f, rtol=REL)


def test_weighted_fit_equals_fit_on_duplicated_subjects():
    """Multiplicity weights (a bootstrap sample) = the data with those subjects repeated."""
    g, ctx = grid_of(fev())
    rng = np.random.default_rng(3)
    w = np.bincount(rng.integers(0, g.n, g.n), minlength=g.n).astype(float)
    p = refit_weighted(ctx, w, tol=1e-10)
    parts = []
    for i, sid in enumerate(g.subject_ids):
        rows = fev()[fev().PATIENT == sid]
        for c in range(int(w[i])):
            parts.append(rows.assign(PATIENT=f"{sid}_{c}"))
    _, fresh = grid_of(pd.concat(parts, ignore_index=True), strategy="MAR")
    np.testing.assert_allclose(p.beta, fresh.params.beta, rtol=REL)
    np.testing.assert_allclose(p.sigmas[0], fresh.params.sigmas[0], rtol=REL)
