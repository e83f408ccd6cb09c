"""Benchmark: fit_responder (g-computation, Ye and Ge variances) and graphical_test.

Simulates 3-arm trials (subjects x 4 visits, a continuous baseline and a 4-level region,
monotone dropout), responder = change from baseline <= -5, and times ``fit_responder`` over all
visits; then times ``graphical_test`` on a random 50-hypothesis graph.

Run: ``python benchmarks/bench_responder.py``. Prints the timings and the versions of python,
numpy, pandas, scipy and statsmodels.
"""

from __future__ import annotations

import platform
import time

import numpy as np
import pandas as pd
import scipy
import statsmodels

from trialkit import fit_responder, graphical_test

SIZES = (300, 3_000, 30_000)
VISITS = 4


def simulate(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    arm = rng.choice(["Placebo", "Low", "High"], n)
    base = rng.normal(30, 6, n)
    region = rng.choice(["EU", "US", "ASIA", "LATAM"], n)
    eff = pd.Series({"Placebo": 0.0, "Low": -2.0, "High": -4.0})[arm].to_numpy()
    rows = []
    alive = np.ones(n, dtype=bool)
    for v in range(1, VISITS + 1):
        alive &= rng.random(n) > 0.05
        y = base - v + eff * v / VISITS + 0.2 * (base - 30) + rng.normal(0, 6, n)
        rows.append(
            pd.DataFrame(
                {
                    "id": np.arange(n),
                    "arm": arm,
                    "visit": f"V{v}",
                    "base": base,
                    "region": region,
                    "y": np.where(alive, y, np.nan),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def main() -> None:
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"scipy {scipy.__version__}, statsmodels {statsmodels.__version__}"
    )
    for n in SIZES:
        data = simulate(n, seed=n)
        for variance in ("ye", "ge"):
            t0 = time.perf_counter()
            fit_responder(
                data,
                outcome="y",
                arm="arm",
                control="Placebo",
                visit="visit",
                subject="id",
                covariates=["base", "region"],
                responder="change <= -5",
                baseline="base",
                variance=variance,
            )
            dt = time.perf_counter() - t0
            print(
                f"fit_responder {n:>6} subjects x {VISITS} visits, 3 arms, {variance}: {dt:.3f} s"
            )
    rng = np.random.default_rng(50)
    m = 50
    g = rng.random((m, m))
    np.fill_diagonal(g, 0)
    g /= g.sum(axis=1, keepdims=True)
    w = rng.random(m)
    w /= w.sum()
    p = rng.random(m) ** 4
    t0 = time.perf_counter()
    graphical_test(p, (w, g), alpha=0.025)
    print(f"graphical_test {m} hypotheses: {time.perf_counter() - t0:.4f} s")


if __name__ == "__main__":
    main()
