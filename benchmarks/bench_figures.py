"""Benchmark: the report figures of ``trialkit analyze --html --docx --figures-dir``.

Loads and analyses the bundled sample trial once, then times, best of ``--repeat`` after one
warm-up each:

* each figure drawn three times (SVG for the HTML report, PNG at 300 dpi for the Word report,
  PNG at 150 dpi + SVG files), as ``trialkit analyze`` did before the figures were kept;
* each figure drawn once (:class:`trialkit.report.figures.DrawnFigures`) and rendered to the
  same four outputs, as ``trialkit analyze`` does now.

The rendered bytes of both are compared (they must be equal). Run:
``python benchmarks/bench_figures.py [--repeat N]``. Prints the versions of python and the
dependencies, the load average and the figures (seconds, wall clock and process CPU).
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
from importlib.metadata import version
from pathlib import Path

from bench_report import best
from rich.console import Console

from trialkit.analysis import TrialAnalysis, analyze_trial
from trialkit.cli.errors import load_trial
from trialkit.report.figures import DrawnFigures, png_figures, svg_figures, write_figures

DEPENDENCIES = ("numpy", "pandas", "matplotlib", "python-docx")


def versions() -> str:
    """``trialkit X, python Y, numpy Z, ...``."""
    found = ", ".join(f"{name} {version(name)}" for name in DEPENDENCIES)
    return f"trialkit {version('trialkit')}, python {platform.python_version()}, {found}"


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def drawn_thrice(analysis: TrialAnalysis, folder: Path) -> tuple[object, ...]:
    write_figures(analysis, folder)
    return svg_figures(analysis), png_figures(analysis), _files(folder)


def drawn_once(analysis: TrialAnalysis, folder: Path) -> tuple[object, ...]:
    with DrawnFigures(analysis) as drawn:
        drawn.write(folder)
        return drawn.svg(), drawn.png(), _files(folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(versions())
    print(f"load average: {load()}")
    analysis = analyze_trial(load_trial(None, None, Console(stderr=True)))
    with tempfile.TemporaryDirectory() as tmp:
        before, after = Path(tmp, "thrice"), Path(tmp, "once")
        same = drawn_thrice(analysis, before) == drawn_once(analysis, after)
        thrice = best(lambda _: drawn_thrice(analysis, before), args.repeat)
        once = best(lambda _: drawn_once(analysis, after), args.repeat)
    print(f"outputs byte-identical: {same}")
    for name, (wall, cpu) in (("drawn three times", thrice), ("drawn once", once)):
        print(f"{name:<20} wall {wall:.3f} s  cpu {cpu:.3f} s")
    print(f"load average: {load()}")


if __name__ == "__main__":
    main()
