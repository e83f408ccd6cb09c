"""Run every performance target of issue 9 section 3 and print each as measured, PASS/FAIL.

Each measurement runs in a fresh Python process (so imports, start-up and peak memory are
counted as a user meets them):

* ``fit_mmrm`` (US, REML, Satterthwaite, LS means, differences, Type III) at 2,000 x 6,
  20,000 x 8 and 100,000 x 8 subjects x visits (trials simulated by
  :mod:`bench_mmrm`); best of ``--repeat`` fits after one warm-up fit;
* ``trialkit analyze`` end to end on a simulated 20,000 x 8 trial with ``--html --json``
  (CSV and plan written to a temporary folder);
* ``trialkit analyze`` on the bundled sample;
* ``trialkit --version``;
* ``meta_analysis`` REML + HKSJ on 10,000 simulated studies (time and peak RSS);
* ``trialkit meta`` (which includes leave-one-out and influence) on 1,000 studies.

Command-line timings are wall-clock seconds of the whole process, best of ``--repeat``. As
in any installed copy (pip byte-compiles a package when it installs it), trialkit's modules
are byte-compiled before the first timing: an environment with ``PYTHONDONTWRITEBYTECODE``
set and an editable install would otherwise recompile every module of trialkit on every
run (~0.3 s of the sample's ``analyze``), which no user pays twice.
The machine's load average is printed with the figures, and each line also gives the CPU
seconds (user + system) the measurement used: on a shared, overloaded machine the wall
times grow with the load much more than the CPU times do.

Run: ``python benchmarks/run_all.py [--repeat N] [--quick] [--cli-only]`` (``--quick`` skips
100,000 x 8; ``--cli-only`` measures only the ``trialkit`` commands). The first lines give the
versions of Python and of every dependency, the time and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

TRIAL_PLAN = """
[trial]
title = "Simulated benchmark trial ({n} x {t})"
data = "trial.csv"
layout = "long"

[columns]
subject = "id"
arm = "arm"
visit = "visit"

[arms]
control = "Control"
treatment = "Active"

[visits]
order = [{visits}]
baseline = "V01"

[[outcomes]]
name = "y"
label = "Outcome"
column = "y"
role = "primary"

[model]
covariates = ["baseline"]
visit_covariates = ["baseline"]
"""


#: Distributions whose versions are printed beside the figures (what ``pip install`` resolved).
DEPENDENCIES = (
    "numpy",
    "pandas",
    "pyarrow",
    "scipy",
    "statsmodels",
    "matplotlib",
    "rich",
    "typer",
    "pyreadstat",
    "openpyxl",
    "joblib",
)


def versions() -> str:
    """``python X, numpy Y, ...``: the interpreter and every installed dependency's version."""
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in DEPENDENCIES:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} (not installed)")
    try:
        trialkit = version("trialkit")
    except PackageNotFoundError:
        trialkit = "(not installed)"
    return f"trialkit {trialkit}, python {platform.python_version()}, " + ", ".join(found)


# --- measurements run in a child process -----------------------------------------------
def child_mmrm(n: int, t: int, repeat: int) -> dict:
    from bench_mmrm import fit_once, simulate

    data = simulate(n, t, seed=20261123 + n + t)
    fit_once(data)  # warm-up: imports and first-call costs are not part of a fit
    best, cpu = float("inf"), float("inf")
    for _ in range(repeat):
        c0 = time.process_time()
        best = min(best, fit_once(data)[0])
        cpu = min(cpu, time.process_time() - c0)
    return {"seconds": best, "cpu": cpu, "peak_mb": _peak_mb()}


def child_meta(k: int) -> dict:
    import numpy as np

    from trialkit import meta_analysis

    studies = _studies(k, np.random.default_rng(20261130))
    t0, c0 = time.perf_counter(), time.process_time()
    meta_analysis(studies, measure="generic", method="REML", hksj=True)
    return {
        "seconds": time.perf_counter() - t0,
        "cpu": time.process_time() - c0,
        "peak_mb": _peak_mb(),
    }


def _studies(k: int, rng):  # noqa: ANN001, ANN202
    import pandas as pd

    se = rng.uniform(0.1, 0.5, k)
    yi = 0.3 + rng.normal(0, 0.2, k) + rng.normal(0, se)
    return pd.DataFrame({"study": [f"S{i:05d}" for i in range(k)], "yi": yi, "se": se})


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(args: list[str]) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _byte_compile() -> str:
    """Byte-compile trialkit's modules where Python would cache them (as pip does on
    install); returns a sentence for the report."""
    import compileall

    import trialkit

    folder = Path(trialkit.__file__).resolve().parent
    ok = compileall.compile_dir(str(folder), quiet=1)
    return f"trialkit byte-compiled in {folder} ({'ok' if ok else 'with errors'})"


def _cli(args: list[str], cwd: Path, repeat: int) -> tuple[float, float]:
    """Best wall-clock and CPU (user + system) seconds of the command over ``repeat`` runs."""
    exe = Path(sys.executable).with_name("trialkit")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "trialkit.cli.app"]
    best, cpu = float("inf"), float("inf")
    for _ in range(repeat):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(
            cmd + args, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        best = min(best, time.perf_counter() - t0)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = min(cpu, r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
    return best, cpu


def _write_trial(folder: Path, n: int, t: int) -> None:
    from bench_mmrm import simulate

    data = simulate(n, t, seed=20261130)
    data.to_csv(folder / "trial.csv", index=False)
    visits = ", ".join(f'"V{i + 1:02d}"' for i in range(t))
    (folder / "plan.toml").write_text(TRIAL_PLAN.format(n=n, t=t, visits=visits))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="skip the 100,000 x 8 fit")
    ap.add_argument(
        "--cli-only", action="store_true", help="only the command-line targets (no library fits)"
    )
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "mmrm":
            res = child_mmrm(int(rest[0]), int(rest[1]), int(rest[2]))
        else:
            res = child_meta(int(rest[0]))
        print(json.dumps(res))
        return

    print(f"trialkit benchmarks, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(versions())
    print(
        f"{os.cpu_count()} CPUs; load average before: "
        + ", ".join(f"{x:.1f}" for x in os.getloadavg())
    )
    rows: list[tuple[str, str, float, float, str]] = []

    def report(what: str, value: float, target: float, unit: str = "s", cpu: float = -1) -> None:
        ok = "PASS" if value <= target else "FAIL"
        extra = f"(CPU {cpu:.2f} s)" if cpu >= 0 else ""
        print(f"{what:<58} {value:>8.2f} {unit:<2} target <= {target:<6g} {ok} {extra}")
        rows.append((what, unit, value, target, ok))

    print(_byte_compile())
    print("wall-clock seconds (best of runs), target, verdict, and the CPU seconds it used")

    sizes = [(2_000, 6, 0.3), (20_000, 8, 1.5)] + ([] if args.quick else [(100_000, 8, 8.0)])
    if args.cli_only:
        sizes = []
    for n, t, target in sizes:
        r = _child(["mmrm", str(n), str(t), str(args.repeat)])
        what = f"fit_mmrm US+Satterthwaite+LS means+Type III {n:,}x{t}"
        report(what, r["seconds"], target, cpu=r["cpu"])
        print(f"  (peak memory {r['peak_mb']:.0f} MB)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _write_trial(folder, 20_000, 8)
        secs, cpu = _cli(
            ["analyze", "trial.csv", "--plan", "plan.toml", "--html", "r.html", "--json", "r.json"],
            folder,
            1,
        )
        report("trialkit analyze 20,000x8 --html --json", secs, 10.0, cpu=cpu)
        secs, cpu = _cli(["analyze"], folder, args.repeat)
        report("trialkit analyze (bundled sample)", secs, 2.5, cpu=cpu)
        secs, cpu = _cli(["--version"], folder, args.repeat)
        report("trialkit --version", secs, 0.3, cpu=cpu)
        if not args.cli_only:
            r = _child(["meta", "10000"])
            report("meta_analysis REML+HKSJ, 10,000 studies", r["seconds"], 2.0, cpu=r["cpu"])
            report("  peak memory of that process", r["peak_mb"], 500.0, "MB")
        import numpy as np

        _studies(1_000, np.random.default_rng(20261130)).to_csv(folder / "m.csv", index=False)
        secs, cpu = _cli(
            ["meta", "m.csv", "--measure", "generic", "--method", "REML", "--hksj"], folder, 1
        )
        report("trialkit meta (leave-one-out + influence), 1,000 studies", secs, 5.0, cpu=cpu)
    print("load average after: " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    failed = [r[0] for r in rows if r[4] == "FAIL"]
    print(f"{len(rows) - len(failed)} of {len(rows)} targets met")


if __name__ == "__main__":
    main()
