"""Benchmark: fit_mmrm (unstructured covariance, REML, Satterthwaite) on simulated trials.

Simulates two-arm trials with an unstructured covariance and monotone dropout at the sizes of
issue 3 (subjects x visits): 200x4, 2,000x6 and 20,000x8, and times ``fit_mmrm`` including
LS means, per-visit differences and the Type III table. Each size runs in a fresh
subprocess so that its peak resident memory (ru_maxrss) is measured on its own.

Run: ``python benchmarks/bench_mmrm.py`` (add ``--repeat N`` for more timings per size).
Issue 9 targets (see ``run_all.py``, which runs every target): 2,000x6 <= 0.3 s,
20,000x8 <= 1.5 s, 100,000x8 <= 8 s. R mmrm on this 2-core machine: 0.3 s, 5 s and 120 s
at 200x4, 2,000x6 and 20,000x8.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd

SIZES = [(200, 4), (2_000, 6), (20_000, 8)]


def simulate(n: int, t: int, seed: int) -> pd.DataFrame:
    """Two arms, visit means rising over time, treatment effect growing, AR-like US cov."""
    rng = np.random.default_rng(seed)
    sd = np.linspace(4.0, 7.0, t)
    idx = np.arange(t)
    corr = 0.8 ** np.abs(idx[:, None] - idx[None, :]) * 0.9 + 0.1 * np.eye(t)
    np.fill_diagonal(corr, 1.0)
    cov = corr * np.outer(sd, sd)
    arm = rng.integers(0, 2, n)
    base = rng.normal(50, 8, n)
    mean = 20 + 0.5 * base[:, None] + idx[None, :] * 1.5 - arm[:, None] * idx[None, :] * 0.6
    y = mean + rng.multivariate_normal(np.zeros(t), cov, size=n)
    # monotone dropout: hazard 6% per visit after the first; some intermittent misses
    drop = rng.geometric(0.06, n)
    y[idx[None, :] >= drop[:, None]] = np.nan
    y[rng.random((n, t)) < 0.02] = np.nan
    y[:, 0] = np.where(np.isnan(y[:, 0]), mean[:, 0], y[:, 0])
    return pd.DataFrame(
        {
            "id": np.repeat(np.arange(n), t),
            "arm": np.repeat(np.where(arm == 1, "Active", "Control"), t),
            "visit": np.tile([f"V{i + 1:02d}" for i in range(t)], n),
            "base": np.repeat(base, t),
            "y": y.ravel(),
        }
    )


def fit_once(data: pd.DataFrame) -> tuple[float, object]:
    """One timed fit: US, REML, Satterthwaite, LS means, differences and Type III."""
    from trialkit import fit_mmrm

    t0 = time.perf_counter()
    fit = fit_mmrm(
        data,
        outcome="y",
        arm="arm",
        control="Control",
        visit="visit",
        subject="id",
        covariates=["base"],
        covariance="us",
        df_method="satterthwaite",
        fallback=(),
    )
    _ = fit.lsmeans, fit.differences, fit.type3
    return time.perf_counter() - t0, fit


def run_one(n: int, t: int, repeat: int) -> dict:
    data = simulate(n, t, seed=20261123 + n + t)
    times = []
    for _ in range(repeat):
        seconds, fit = fit_once(data)
        times.append(seconds)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "subjects": n,
        "visits": t,
        "observations": fit.n_observations,
        "best_s": min(times),
        "median_s": float(np.median(times)),
        "peak_rss_mb": peak_mb,
        "converged": fit.converged,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--one", nargs=2, type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one[0], args.one[1], args.repeat)))
        return
    print(f"{'size':>10} {'obs':>8} {'best s':>8} {'median s':>9} {'peak MB':>8} converged")
    for n, t in SIZES:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(n), str(t), "--repeat", str(args.repeat)],
            check=True,
            capture_output=True,
            text=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{n:>6}x{t:<3} {r['observations']:>8} {r['best_s']:>8.3f} {r['median_s']:>9.3f} "
            f"{r['peak_rss_mb']:>8.0f} {r['converged']}"
        )


if __name__ == "__main__":
    main()
