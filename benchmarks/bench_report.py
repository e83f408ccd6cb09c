"""Benchmark: the report document and its terminal rendering on the bundled sample trial.

Loads the bundled sample (``trialkit analyze`` without arguments), analyses it once, then
times, best of ``--repeat`` after one warm-up each (imports loaded):

* ``build_document(analysis)`` (what a terminal-only ``trialkit analyze`` builds), each
  time from a fresh copy of the analysis object (so nothing cached per analysis is reused);
* ``TerminalRenderer().render`` of a fresh document into a 120-column in-memory console;
* the document with its machine-readable parts (``document.data`` and ``document.datasets``,
  built on demand: what ``--json``, ``--csv-dir`` and ``--effects`` read).

Run: ``python benchmarks/bench_report.py [--repeat N]``. Prints the versions of python and
the dependencies, the load average and the figures (seconds, wall clock and process CPU).
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import io
import os
import platform
import time
from collections.abc import Callable
from importlib.metadata import version
from typing import Any

from rich.console import Console

from trialkit.analysis import TrialAnalysis, analyze_trial
from trialkit.cli.errors import load_trial
from trialkit.report.build import build_document
from trialkit.report.document import Document
from trialkit.report.terminal import TerminalRenderer

DEPENDENCIES = ("numpy", "pandas", "pyarrow", "scipy", "statsmodels", "rich")


def versions() -> str:
    """``trialkit X, python Y, numpy Z, ...``."""
    found = ", ".join(f"{name} {version(name)}" for name in DEPENDENCIES)
    return f"trialkit {version('trialkit')}, python {platform.python_version()}, {found}"


def best(
    task: Callable[[Any], object], repeat: int, setup: Callable[[], Any] = lambda: None
) -> tuple[float, float]:
    """Best wall and CPU seconds of ``repeat`` runs of ``task(setup())`` after one warm-up
    run (``setup`` is not timed)."""
    task(setup())
    walls, cpus = [], []
    for _ in range(repeat):
        given = setup()
        gc.collect()
        w, c = time.perf_counter(), time.process_time()
        task(given)
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

    def fresh() -> TrialAnalysis:  # a new analysis object: nothing cached per object is reused
        return dataclasses.replace(analysis)

    def render(document: Document) -> None:
        TerminalRenderer().render(document, Console(file=io.StringIO(), width=120))

    def machine(a: TrialAnalysis) -> None:
        doc = build_document(a)
        _ = doc.data, doc.datasets

    build = best(build_document, args.repeat, fresh)
    shown = best(render, args.repeat, lambda: build_document(fresh()))
    both = best(machine, args.repeat, fresh)
    for name, (wall, cpu) in (
        ("build_document", build),
        ("terminal render", shown),
        ("build_document + terminal render", (build[0] + shown[0], build[1] + shown[1])),
        ("build_document + JSON tree + CSV datasets", both),
    ):
        print(f"{name:<45} wall {wall:.3f} s  cpu {cpu:.3f} s")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
