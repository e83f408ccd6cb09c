"""trialkit.models.ancova.ols (NumPy least squares) against statsmodels ``OLS``.

Source of the reference values: statsmodels ``OLS(y, X).fit(cov_type=...)`` (its own
pseudo-inverse fit and HC0-HC3 sandwich code), on random designs with an explicit seed; the
ANCOVA itself is checked against R ``lm`` + ``emmeans`` + ``sandwich::vcovHC`` in
tests/test_ancova_trial2.py and the k-arm references.
"""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.regression.linear_model import OLS

from trialkit.models.ancova import ols

COEF_REL = 1e-10  # coefficients: the same least-squares solution
VCOV_REL = 1e-10  # covariance entries: the same sandwich formulas


def _design(seed: int, n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    arm = rng.integers(0, 3, n)
    X = np.column_stack([np.ones(n), arm == 1, arm == 2, rng.normal(50, 10, (n, k - 3))]).astype(
        float
    )
    y = X @ rng.normal(0, 2, k) + rng.normal(0, 1 + arm, n)  # heteroscedastic by arm
    return X, y


@pytest.mark.parametrize("robust", [None, "HC0", "HC1", "HC2", "HC3"])
@pytest.mark.parametrize(("seed", "n", "k"), [(20261208, 40, 4), (7, 300, 6), (11, 12, 5)])
def test_ols_matches_statsmodels(robust: str | None, seed: int, n: int, k: int) -> None:
    X, y = _design(seed, n, k)
    beta, vcov = ols(y, X, robust)
    ref = OLS(y, X).fit(cov_type=robust or "nonrobust")
    np.testing.assert_allclose(beta, ref.params, rtol=COEF_REL)
    np.testing.assert_allclose(vcov, ref.cov_params(), rtol=VCOV_REL, atol=0)
