"""Benchmark: simulated MMRM power (trialkit.simulate_power).

Scenario: two arms, 300 subjects x 4 visits, unstructured covariance (SD 4 to 7, AR-like
correlations), baseline covariate (correlation 0.5 with every visit, adjusted for with
baseline x visit), MCAR monotone dropout (retention 1, .94, .88, .82) and 2% intermittent
misses; analysed with MMRM US + REML + Satterthwaite, final-visit difference.

Prints:

1. the per-trial cost of the simulation's analysis (arrays, true starting values) against one
   ``fit_mmrm`` of the same trial (a DataFrame in, LS means, differences, Type III out), as a
   ratio (target: at most 1.5);
2. 1,000 simulated trials (alternative only) on 2 joblib workers (target: <= 30 s on 2
   cores); the workers are started (and import trialkit) before the clock starts, and that
   start-up is printed separately;
3. with ``--scaling N``: N trials on a Dask LocalCluster of 1, 2 and 4 worker processes
   (issue 12: N = 10,000), wall time, trials per second and the workers' CPU seconds per
   trial each (the CPU figure is what the trial costs; the wall figure depends on the load
   of the shared machine, printed before and after each run).

Run: ``python benchmarks/bench_power.py [--trials 1000] [--scaling 10000]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

N_SUBJECTS, N_VISITS = 300, 4


def scenario():
    from trialkit.power import make_scenario

    t = np.arange(N_VISITS)
    sd = np.linspace(4.0, 7.0, N_VISITS)
    corr = 0.8 ** np.abs(t[:, None] - t[None, :]) * 0.9 + 0.1 * np.eye(N_VISITS)
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


def versions() -> str:
    import dask
    import distributed
    import joblib
    import scipy
    import statsmodels

    return (
        f"python {platform.python_version()}, numpy {np.__version__}, pandas "
        f"{pd.__version__}, scipy {scipy.__version__}, statsmodels {statsmodels.__version__}, "
        f"joblib {joblib.__version__}, dask {dask.__version__}, distributed "
        f"{distributed.__version__}; {os.cpu_count()} CPUs; load average "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )


def per_trial_ratio(n_trials: int = 20) -> None:
    import trialkit
    from trialkit.power.fitting import Analysis, analyse_trial
    from trialkit.power.scenario import FRAME_ROLES, draw_trial

    sc = scenario()
    cov = sc.conditional_covariance()
    an = Analysis().check()
    rng = np.random.default_rng(1)
    trials = [draw_trial(sc, N_SUBJECTS, rng)[0] for _ in range(n_trials)]
    frames = [tr.to_frame() for tr in trials]
    # interleave the two timings so that machine load affects both alike
    lean, full, lean_cpu, full_cpu = [], [], [], []
    for tr, df in zip(trials, frames, strict=True):
        t0, c0 = time.perf_counter(), time.process_time()
        draw_trial(sc, N_SUBJECTS, np.random.default_rng(0))
        analyse_trial(tr, an, cov)
        lean.append(time.perf_counter() - t0)
        lean_cpu.append(time.process_time() - c0)
        t0, c0 = time.perf_counter(), time.process_time()
        trialkit.fit_mmrm(
            df,
            **FRAME_ROLES,
            covariates=["base"],
            visit_covariates=["base"],
            df_method="satterthwaite",
        )
        full.append(time.perf_counter() - t0)
        full_cpu.append(time.process_time() - c0)
    lm, fm = float(np.median(lean)), float(np.median(full))
    lc, fc = float(np.median(lean_cpu)), float(np.median(full_cpu))
    print(
        f"per-trial cost ({n_trials} trials, median): simulate + analyse {lm * 1e3:.1f} ms "
        f"wall / {lc * 1e3:.1f} ms CPU; one fit_mmrm {fm * 1e3:.1f} ms wall / "
        f"{fc * 1e3:.1f} ms CPU; ratio {lm / fm:.2f} wall, {lc / fc:.2f} CPU (target <= 1.5); "
        f"1,000 trials on 2 idle cores would take about {1000 * lc / 2:.0f} s"
    )


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def joblib_run(n_trials: int) -> None:
    from joblib import Parallel, delayed

    import trialkit

    t0 = time.perf_counter()
    Parallel(n_jobs=2)(delayed(__import__)("trialkit.power.simulate") for _ in range(2))
    warm = time.perf_counter() - t0
    load0 = _load()
    t0 = time.perf_counter()
    res = trialkit.simulate_power(
        N_SUBJECTS, scenario=scenario(), n_sims=n_trials, seed=1, null=False, n_jobs=2
    )
    wall = time.perf_counter() - t0
    row = res.table.iloc[0]
    print(
        f"{n_trials} trials of {N_SUBJECTS} x {N_VISITS}, MMRM US + Satterthwaite, 2 joblib "
        f"workers: {wall:.1f} s ({wall / n_trials * 1e3:.1f} ms per trial; worker start-up "
        f"{warm:.1f} s not included; target <= 30 s for 1,000); power {row.power:.3f} "
        f"(MC SE {row.power_mc_se:.3f}), failed {int(row.n_failed)}; load average "
        f"{load0} before, {_load()} after"
    )


def _worker_cpu() -> float:
    return time.process_time()


def dask_scaling(n_trials: int, counts: list[int]) -> None:
    import dask
    from distributed import Client, LocalCluster

    import trialkit

    # worker start-up on a loaded machine can exceed the default 30 s connect timeout
    dask.config.set({"distributed.comm.timeouts.connect": "180s"})
    base = None
    for workers in counts:
        with LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster:
            with Client(cluster) as client:  # start and warm the workers before timing
                client.run(__import__, "trialkit.power.simulate")
                cpu0 = sum(client.run(_worker_cpu).values())
                load0 = _load()
                t0 = time.perf_counter()
                res = trialkit.simulate_power(
                    N_SUBJECTS,
                    scenario=scenario(),
                    n_sims=n_trials,
                    seed=1,
                    null=False,
                    scheduler=cluster.scheduler_address,
                    chunk_size=50,
                )
                wall = time.perf_counter() - t0
                cpu = sum(client.run(_worker_cpu).values()) - cpu0
        base = base or wall
        print(
            f"dask {workers} worker(s): {n_trials} trials in {wall:.1f} s, "
            f"{n_trials / wall:.1f} trials/s, {wall / n_trials * 1e3:.1f} ms per trial, "
            f"speed-up {base / wall:.2f}x; workers' CPU {cpu:.1f} s = "
            f"{cpu / n_trials * 1e3:.1f} ms per trial; power {res.power:.4f}; load average "
            f"{load0} before, {_load()} after"
        )
        sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--scaling", type=int, default=0, help="trials per Dask configuration")
    parser.add_argument("--skip-joblib", action="store_true")
    parser.add_argument("--skip-ratio", action="store_true")
    parser.add_argument("--workers", default="1,2,4", help="Dask worker counts")
    args = parser.parse_args()
    print(versions())
    sys.stdout.flush()
    if not args.skip_ratio:
        per_trial_ratio()
        sys.stdout.flush()
    if not args.skip_joblib:
        joblib_run(args.trials)
        sys.stdout.flush()
    if args.scaling:
        dask_scaling(args.scaling, [int(w) for w in args.workers.split(",")])


if __name__ == "__main__":
    main()
