"""Benchmark: the report document and its terminal rendering on the bundled sample trial.

Loads the bundled sample (``trialkit analyze`` without arguments), analyses it once, then
times, best of ``--repeat`` after one warm-up each (imports loaded):

* ``build_document(analysis)`` (what a terminal-only ``trialkit analyze`` builds), each
  time from a fresh copy of the analysis object (so nothing cached per analysis is reused);
* ``TerminalRenderer().render`` into a 120-column in-memory console;
* the machine-readable parts built on demand (``document.data`` and ``document.datasets``,
  what ``--json``, ``--csv-dir`` and ``--effects`` read), on a fresh document each time.

Run: ``python benchmarks/bench_report.py [--repeat N]``. Prints the versions of python and
the dependencies, the load average and the figures (seconds, wall clock and process CPU).
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import os
import platform
import time
from collections.abc import Callable
from importlib.metadata import version

from rich.console import Console

from trialkit.analysis import analyze_trial
from trialkit.cli.errors import load_trial
from trialkit.report.build import build_document
from trialkit.report.terminal import TerminalRenderer

DEPENDENCIES = ("numpy", "pandas", "pyarrow", "scipy", "statsmodels", "rich")


def versions() -> str:
    """``trialkit X, python Y, numpy Z, ...``."""
    found = ", ".join(f"{name} {version(name)}" for name in DEPENDENCIES)
    return f"trialkit {version('trialkit')}, python {platform.python_version()}, {found}"


def best(task: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Best wall and CPU seconds of ``repeat`` runs of ``task`` after one warm-up run."""
    task()
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        task()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return min(walls), min(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(versions())
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    trial = load_trial(None, None, Console(stderr=True))
    analysis = analyze_trial(trial)
    document = build_document(analysis)

    def render() -> None:
        TerminalRenderer().render(document, Console(file=io.StringIO(), width=120))

    def machine() -> None:
        doc = build_document(dataclasses.replace(analysis))
        _ = doc.data, doc.datasets

    total = (0.0, 0.0)
    for name, task in (
        ("build_document", lambda: build_document(dataclasses.replace(analysis))),
        ("terminal render", render),
        ("build_document + JSON tree + CSV datasets", machine),
    ):
        wall, cpu = best(task, args.repeat)
        if name != "build_document + JSON tree + CSV datasets":
            total = (total[0] + wall, total[1] + cpu)
        print(f"{name:<45} wall {wall:.3f} s  cpu {cpu:.3f} s")
    print(f"{'build_document + terminal render':<45} wall {total[0]:.3f} s  cpu {total[1]:.3f} s")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
