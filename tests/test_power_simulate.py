"""Simulated power: the per-trial analysis, the dropout model, the operating characteristics
and reproducibility across workers.

Sources: the per-trial MMRM / ANCOVA are compared with trialkit.fit_mmrm / fit_ancova on the
same simulated data (themselves validated against R mmrm, SAS and lm, tests/reference); the
simulated power with no dropout is compared with Lu, Luo & Chen's analytic power (validated
against longpower, tests/test_power_longpower.py) and the type I error with the nominal
alpha. Statistical checks use fixed seeds and state their Monte-Carlo error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trialkit
from trialkit.power import make_scenario, simulate_power
from trialkit.power.fitting import Analysis, analyse_trial
from trialkit.power.scenario import FRAME_ROLES, draw_trial

RTOL = 1e-6  # estimate, SE, df, CI, p of the lean fit vs fit_mmrm (measured ~1e-10)


@pytest.fixture(scope="module")
def trial_with_dropout():
    sc = make_scenario(
        sd=[1.0, 1.2, 1.4, 1.6],
        rho=0.6,
        times=[1, 2, 3, 4],
        delta=0.3,
        retention=[1, 0.9, 0.8, 0.7],
        retention_control=[0.95, 0.9, 0.85, 0.8],
        mnar=0.5,
        intermittent=0.05,
        baseline_sd=1.0,
        baseline_correlation=0.5,
    )
    alt, _ = draw_trial(sc, 160, np.random.default_rng(20261130))
    return sc, alt


@pytest.mark.parametrize(
    ("covariance", "df_method"),
    [
        ("us", "satterthwaite"),
        ("us", "kenward-roger"),
        ("us", "kenward-roger-linear"),
        ("us", "between-within"),
        ("us", "residual"),
        ("ar1h", "satterthwaite"),
        ("cs", "kenward-roger"),
    ],
)
def test_lean_mmrm_equals_fit_mmrm(trial_with_dropout, covariance: str, df_method: str) -> None:
    """The per-trial MMRM on arrays (baseline + baseline x visit, dropout, intermittent
    misses) equals trialkit.fit_mmrm's final-visit difference on the same data."""
    sc, trial = trial_with_dropout
    fit = trialkit.fit_mmrm(
        trial.to_frame(),
        **FRAME_ROLES,
        covariates=["base"],
        visit_covariates=["base"],
        covariance=covariance,
        df_method=df_method,
        fallback=(),
    )
    ref = fit.differences.iloc[-1]
    got = analyse_trial(
        trial,
        Analysis(covariance=covariance, df_method=df_method).check(),
        sc.conditional_covariance(),
    )
    for i, key in enumerate(["estimate", "std_error", "df", "ci_lower", "ci_upper", "p_value"]):
        assert got[i] == pytest.approx(ref[key], rel=RTOL), key
    assert got[6] == 1.0 and got[7] == 0.0  # requested structure converged
    assert got[8] == fit.n_subjects and got[9] == fit.n_observations


def test_lean_ancova_equals_fit_ancova(trial_with_dropout) -> None:
    """The per-trial ANCOVA (final visit, complete cases, baseline) equals fit_ancova."""
    sc, trial = trial_with_dropout
    fit = trialkit.fit_ancova(
        trial.to_frame(),
        **FRAME_ROLES,
        baseline="base",
    )
    ref = fit.differences.iloc[-1]
    got = analyse_trial(trial, Analysis(method="ancova").check(), sc.conditional_covariance())
    for i, key in enumerate(["estimate", "std_error", "df", "ci_lower", "ci_upper", "p_value"]):
        assert got[i] == pytest.approx(ref[key], rel=RTOL), key
    assert got[9] == ref["n"]


def test_dropout_model_reproduces_retention() -> None:
    """MCAR hazards from a retention curve: in 40,000 subjects per arm the share still in the
    trial at each visit is within 4 binomial SEs of the target; intermittent misses remove
    the stated share of the remaining visits; positive MNAR makes those with high last values
    leave more often."""
    ret_t, ret_c = [0.95, 0.85, 0.8, 0.6], [1.0, 0.9, 0.9, 0.7]
    sc = make_scenario(
        sd=1.0, rho=0.5, times=[1, 2, 3, 4], delta=0.0, retention=ret_t, retention_control=ret_c
    )
    trial, _ = draw_trial(sc, 80_000, np.random.default_rng(5))
    in_trial = np.flip(np.logical_or.accumulate(np.flip(trial.observed, 1), axis=1), 1)
    for arm, target in ((1, ret_t), (0, ret_c)):
        share = in_trial[trial.arm == arm].mean(axis=0)
        se = np.sqrt(np.array(target) * (1 - np.array(target)) / 40_000)
        assert np.all(np.abs(share - target) < 4 * se + 1e-12), (arm, share)
    sc = make_scenario(
        sd=1.0, rho=0.5, times=[1, 2], delta=0.0, hazard=[0.0, 0.3], intermittent=0.1, mnar=1.0
    )
    trial, _ = draw_trial(sc, 80_000, np.random.default_rng(6))
    first = trial.observed[:, 0].mean()
    assert abs(first - 0.9) < 4 * np.sqrt(0.09 / 80_000)
    left = ~trial.observed[:, 1] & trial.observed[:, 0]  # left at visit 2 (seen at visit 1)
    stay = trial.observed[:, 1]
    stayed_y1 = trial.y[stay, 0].mean()
    left_y1 = trial.y[left, 0].mean()
    assert left_y1 > stayed_y1 + 0.3


@pytest.fixture(scope="module")
def no_dropout_sim():
    # 2 visits, rho 0.5, SD 1, delta 0.35, N = 200: analytic power about 0.70
    return simulate_power(
        200,
        sd=1.0,
        correlation=[[1, 0.5], [0.5, 1]],
        delta=0.35,
        n_sims=400,
        seed=20261130,
        n_jobs=1,
    )


def test_power_matches_analytic(no_dropout_sim) -> None:
    """No dropout, N = 200, 400 trials (MC SE about 0.023): the simulated MMRM power is within
    2 MC SEs of Lu, Luo & Chen's analytic power; bias within 2 MC SEs of 0 and CI coverage
    within 2 MC SEs of 0.95."""
    row = no_dropout_sim.table.iloc[0]
    analytic = trialkit.power_mmrm(n_total=200, delta=0.35, correlation=np.eye(2), sd=1.0).power
    assert row["analytic_power"] == pytest.approx(analytic, rel=1e-12)
    assert abs(row["power"] - analytic) < 2 * row["power_mc_se"]
    assert abs(row["bias"]) < 2 * row["bias_mc_se"]
    cover_se = np.sqrt(0.95 * 0.05 / row["n_analysed"])
    assert abs(row["coverage"] - 0.95) < 2 * cover_se
    assert row["n_failed"] == 0 and row["n_analysed"] == 400


def test_type1_error_near_alpha(no_dropout_sim) -> None:
    """The null twins' rejection rate is within 2 MC SEs (sqrt(alpha (1 - alpha) / 400) =
    0.011) of alpha = 0.05."""
    row = no_dropout_sim.table.iloc[0]
    mc_se = np.sqrt(0.05 * 0.95 / 400)
    assert abs(row["type1_error"] - 0.05) < 2 * mc_se
    trials = no_dropout_sim.trials
    assert set(trials["hypothesis"]) == {"alternative", "null"}
    assert len(trials) == 800


def test_same_seed_same_results_any_workers() -> None:
    """One SeedSequence child per trial: identical trials whatever the chunking, on one
    process and on a Dask LocalCluster of 2 workers. The workers are threads
    (processes=False): worker processes took ~25 s more to start on the shared CI machine
    (each imports numpy/scipy/pandas/trialkit); the scheduler, task graph and result order
    are the same. benchmarks/bench_power.py runs worker processes."""
    from distributed import LocalCluster

    kw = dict(sd=1.0, rho=0.5, times=[0, 1], delta=0.5, retention=[1, 0.8], n_sims=12, seed=99)
    one = simulate_power([30, 40], n_jobs=1, chunk_size=12, **kw)
    chunked = simulate_power([30, 40], n_jobs=1, chunk_size=5, **kw)
    pd.testing.assert_frame_equal(one.trials, chunked.trials)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        dask = simulate_power([30, 40], scheduler=cluster.scheduler_address, chunk_size=3, **kw)
    pd.testing.assert_frame_equal(one.trials, dask.trials)
    pd.testing.assert_frame_equal(one.table, dask.table)
    other = simulate_power([30, 40], n_jobs=1, **{**kw, "seed": 100})
    assert not np.allclose(other.trials["estimate"], one.trials["estimate"])


def test_progress_reported_and_joblib_workers_reproduce() -> None:
    """2 joblib worker processes (results taken as they finish, put back in task order) give
    the trials of one process; the progress callback sees every chunk once, in both."""
    kw = dict(sd=1.0, rho=0.5, times=[0, 1], delta=0.5, retention=[1, 0.8], n_sims=12, seed=7)
    seen: dict[int, list[tuple[int, int]]] = {1: [], 2: []}
    runs = {
        jobs: simulate_power(
            [30, 40],
            n_jobs=jobs,
            chunk_size=4,
            progress=lambda done, total, j=jobs: seen[j].append((done, total)),
            **kw,
        )
        for jobs in (1, 2)
    }
    pd.testing.assert_frame_equal(runs[1].trials, runs[2].trials)
    for calls in seen.values():  # 2 sample sizes x 3 chunks of 4 trials
        assert calls == [(i, 6) for i in range(1, 7)]
