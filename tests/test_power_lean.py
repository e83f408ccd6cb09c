"""The lean per-trial MMRM of the simulations: the analytic observed Hessian, the closed-form
second derivatives of the unstructured covariance, and the final-visit results against
trialkit.fit_mmrm.

Sources: the analytic Hessian is compared with central differences of the analytic gradient
(:meth:`Likelihood.hessian`, what :func:`trialkit.fit_mmrm` uses) and the closed-form ``us``
second derivatives with central differences of the complex-step first derivatives (the
generic path of :meth:`Structure.hessian`); the per-trial results are compared with
:func:`trialkit.fit_mmrm` on the same data (validated against R mmrm and SAS,
tests/test_mmrm_fev.py, tests/test_mmrm_sas.py).
"""

from __future__ import annotations

import numpy as np
import pytest

import trialkit
from trialkit.models.covariance import Structure, _cstep_jacobian
from trialkit.models.derivatives import observed_hessian
from trialkit.models.likelihood import Likelihood
from trialkit.models.patterns import make_pattern
from trialkit.power import make_scenario
from trialkit.power.fitting import Analysis, analyse_trial, design_array, patterns_of
from trialkit.power.scenario import FRAME_ROLES, draw_trial

RTOL_HESSIAN = 1e-6  # analytic vs central differences (h = 1e-5; measured ~1e-9)
RTOL = 1e-6  # estimate, SE, df of the lean fit vs fit_mmrm (measured ~1e-9)


@pytest.fixture(scope="module")
def scenario():
    """300 x 4 with baseline (as benchmarks/bench_power.py): dropout and intermittent."""
    t = np.arange(4)
    sd = np.linspace(4.0, 7.0, 4)
    corr = 0.8 ** np.abs(t[:, None] - t[None, :]) * 0.9 + 0.1 * np.eye(4)
    np.fill_diagonal(corr, 1.0)
    return make_scenario(
        covariance=corr * np.outer(sd, sd),
        mean_control=20 + 1.5 * t,
        mean_treatment=20 + 0.9 * t,
        retention=[1.0, 0.94, 0.88, 0.82],
        intermittent=0.02,
        baseline_sd=8.0,
        baseline_mean=50.0,
        baseline_correlation=0.5,
    )


def _likelihood(trial, name: str, reml: bool, by_arm: bool) -> Likelihood:
    t = trial.y.shape[1]
    X = design_array(trial.arm, trial.baseline, t)
    if by_arm:  # one covariance per arm: patterns within each arm
        pats = []
        for a in (0, 1):
            sel = trial.arm == a
            for p in patterns_of(X[sel], trial.y[sel], trial.observed[sel]):
                pats.append(make_pattern(a, p.idx, p.X, p.Y))
        patterns = tuple(pats)
    else:
        patterns = patterns_of(X, trial.y, trial.observed)
    return Likelihood(
        patterns,
        Structure(name, t),
        2 if by_arm else 1,
        X.shape[2],
        int(trial.observed.sum()),
        reml,
    )


@pytest.mark.parametrize(
    ("name", "reml", "by_arm"),
    [
        ("us", True, False),
        ("us", False, False),
        ("us", True, True),
        ("toeph", True, False),
        ("ar1", False, False),
        ("cs", True, True),
    ],
)
def test_observed_hessian_equals_finite_differences(scenario, name, reml, by_arm) -> None:
    """At a point away from the optimum (so that the gradient terms matter too)."""
    trial, _ = draw_trial(scenario, 300, np.random.default_rng(11))
    lik = _likelihood(trial, name, reml, by_arm)
    start = lik.structure.start(scenario.conditional_covariance())
    theta = np.tile(start, lik.n_groups) + 0.05 * np.arange(lik.n_theta) / lik.n_theta
    got = observed_hessian(lik, theta, lik.evaluate(theta))
    ref = lik.hessian(theta)
    assert np.max(np.abs(got - ref)) < RTOL_HESSIAN * np.max(np.abs(ref))
    np.testing.assert_array_equal(got, got.T)


@pytest.mark.parametrize("t", [1, 2, 4, 6])
def test_us_second_derivatives_closed_form(t: int) -> None:
    st = Structure("us", t)
    theta = np.random.default_rng(t).normal(size=st.n_theta) * 0.5
    ref = np.empty((st.n_theta, st.n_theta, t, t))
    for col in range(st.n_theta):
        h = 1e-5 * max(1.0, abs(theta[col]))
        up, dn = theta.copy(), theta.copy()
        up[col] += h
        dn[col] -= h
        ref[:, col] = (_cstep_jacobian(st.cov, up) - _cstep_jacobian(st.cov, dn)) / (2 * h)
    got = st.hessian(theta)
    assert np.max(np.abs(got - ref)) < RTOL_HESSIAN * np.max(np.abs(ref))
    np.testing.assert_allclose(got, np.swapaxes(got, 0, 1), rtol=0, atol=0)


def test_lean_path_equals_fit_mmrm_on_simulated_trials(scenario) -> None:
    """Five simulated trials (alternative and null twins) of the benchmark scenario: the
    Newton fit from the true parameters gives fit_mmrm's final-visit estimate, SE and df."""
    analysis = Analysis().check()
    cov = scenario.conditional_covariance()
    seeds = np.random.SeedSequence(20261207).spawn(5)
    for i, ss in enumerate(seeds):
        trial = draw_trial(scenario, 300, np.random.default_rng(ss))[i % 2]
        got = analyse_trial(trial, analysis, cov)
        fit = trialkit.fit_mmrm(
            trial.to_frame(),
            **FRAME_ROLES,
            covariates=["base"],
            visit_covariates=["base"],
            df_method="satterthwaite",
            fallback=(),
        )
        ref = fit.differences.iloc[-1]
        for j, key in enumerate(["estimate", "std_error", "df"]):
            assert got[j] == pytest.approx(ref[key], rel=RTOL), (i, key)
        assert got[7] == 0.0 and got[9] == fit.n_observations
