"""Simulated power with reference-based imputation of the values missing after dropout.

Source: the expected conditional-mean-imputation estimate computed analytically from the
true means, covariance and (MCAR) dropout of the scenario (below), not from trialkit. The
imputation engine itself is validated against rbmi in tests/test_imputation_rbmi.py.

Scenario: 3 visits, SD 1, AR(1) correlation 0.6, treatment - control = 1 at every visit,
retention 1, 0.8, 0.6 in both arms (MCAR), N = 40, no baseline; the final-visit ANCOVA of
the conditional-mean imputed data (jackknife SE). A treatment subject who left at visit
``j`` (visits ``o = 1..j-1`` observed) is imputed at the final visit ``t`` with

* jump to reference: ``mu_C,t + S_to S_oo^-1 (y_o - mu_T,o)``, expectation ``mu_C,t``, so
  the estimate's mean is ``r_T * delta`` (0.6);
* copy reference: ``mu_C,t + S_to S_oo^-1 (y_o - mu_C,o)``, expectation
  ``mu_C,t + S_to S_oo^-1 (mu_T,o - mu_C,o)``, so the mean is
  ``delta * (r_T + sum_j P(leave at j) S_to S_oo^-1 1)``.

Control subjects (reference = their own arm) are imputed under MAR, expectation
``mu_C,t``. 100 trials each; checks are within 3 Monte-Carlo SEs (two-sided 0.3% false
alarm); the J2R and CR means lie about 13 and 7 MC SEs from the MAR value delta.
"""

from __future__ import annotations

import numpy as np
import pytest

from trialkit.power import make_scenario, simulate_power
from trialkit.power.imputed import dropout_events
from trialkit.power.inputs import PowerInputError
from trialkit.power.scenario import draw_trial

TIMES = [1, 2, 3]
RETENTION = [1.0, 0.8, 0.6]
DELTA = 1.0
N_SIMS = 100


def _expected(assumption: str) -> float:
    """Mean of the final-visit estimate, from the true covariance and dropout."""
    t = np.asarray(TIMES, dtype=float)
    cov = 0.6 ** np.abs(t[:, None] - t[None, :])
    r = np.asarray(RETENTION)
    leave = np.r_[1.0, r[:-1]] - r  # P(leave at visit j), j = 0..t-1 (j = 0: never here)
    if assumption == "JR":
        return DELTA * r[-1]
    out = r[-1]
    for j in range(1, t.size):
        o = np.arange(j)  # visits observed before leaving at visit j
        out += leave[j] * cov[-1, o] @ np.linalg.solve(cov[np.ix_(o, o)], np.ones(j))
    return DELTA * out


@pytest.mark.parametrize("assumption", ["JR", "CR"])
def test_reference_based_estimate_mean_matches_theory(assumption: str) -> None:
    res = simulate_power(
        40,
        sd=1.0,
        rho=0.6,
        times=TIMES,
        delta=DELTA,
        retention=RETENTION,
        n_sims=N_SIMS,
        seed=20261207,
        analysis="ancova",
        assumption=assumption,
        null=False,
        n_jobs=1,
    )
    row = res.table.iloc[0]
    assert row["n_analysed"] == N_SIMS and row["n_failed"] == 0
    mean = DELTA + row["bias"]
    expected = _expected(assumption)
    assert abs(mean - expected) < 3 * row["bias_mc_se"], (mean, expected, row["bias_mc_se"])
    # the check discriminates: the estimate is pulled towards the reference, away from the
    # MAR value delta by many MC SEs
    assert DELTA - mean > 5 * row["bias_mc_se"]
    # the jackknife SE estimates the estimate's repeated-sampling SD (SE of an SD from m
    # values: SD / sqrt(2 (m - 1)))
    rel_se = 1 / np.sqrt(2 * (N_SIMS - 1))
    assert abs(row["mean_std_error"] / row["empirical_sd"] - 1) < 3 * rel_se
    assert np.isnan(row["analytic_power"])  # the MAR formula does not apply


def test_dropout_events_mark_the_visit_left() -> None:
    """Every visit from ``left_at`` on is missing; without intermittent misses every visit
    before it is observed; the events name exactly the subjects who left."""
    sc = make_scenario(sd=1.0, rho=0.5, times=TIMES, delta=0.5, retention=RETENTION)
    trial, _ = draw_trial(sc, 400, np.random.default_rng(3))
    j = np.arange(3)[None, :]
    assert not trial.observed[j >= trial.left_at[:, None]].any()
    assert trial.observed[j < trial.left_at[:, None]].all()
    ev = dropout_events(trial, "JR")
    assert list(ev["id"]) == list(np.flatnonzero(trial.left_at < 3))
    assert list(ev["visit"]) == [trial.visit_labels[k] for k in trial.left_at[ev["id"]]]
    assert set(ev["strategy"]) == {"JR"}
    sc = make_scenario(
        sd=1.0, rho=0.5, times=TIMES, delta=0.5, retention=RETENTION, intermittent=0.2
    )
    trial, _ = draw_trial(sc, 400, np.random.default_rng(4))
    assert not trial.observed[j >= trial.left_at[:, None]].any()
    assert (~trial.observed[j < trial.left_at[:, None]]).any()  # intermittent misses


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"assumption": "J3R"}, "assumption"),
        ({"assumption": "JR", "imputation": "approxbayes"}, "n_samples"),
        ({"assumption": "JR", "imputation": "mmrm"}, "condmean"),
    ],
)
def test_bad_imputation_options(options: dict, fragment: str) -> None:
    with pytest.raises(PowerInputError, match=fragment):
        simulate_power(40, sd=1.0, rho=0.5, times=TIMES, delta=0.5, n_sims=2, n_jobs=1, **options)
