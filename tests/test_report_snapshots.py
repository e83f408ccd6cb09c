"""Snapshot tests of the sample trial's report: terminal text, Markdown and JSON.

The snapshots under tests/snapshots/ were written by trialkit itself and reviewed by hand
(every number in them is checked against its source elsewhere: the MMRM and ANCOVA against R
in test_mmrm_*.py / test_ancova*.py, the summaries in test_summaries_*.py, and the report's
copies of those numbers against the result objects in test_report_json.py). They guard the
layout and formatting against unintended change.

Regenerate after an intended change with::

    TRIALKIT_UPDATE_SNAPSHOTS=1 python -m pytest -q tests/test_report_snapshots.py

Text is compared exactly; JSON numbers with a relative tolerance of 1e-9 (BLAS differences
between platforms), everything else in the JSON exactly.
"""

from __future__ import annotations

import io
import json
import math
import os
from pathlib import Path

import pytest
from rich.console import Console

import trialkit
from trialkit.analysis import TrialAnalysis, analyze_trial
from trialkit.data.bundled import sample_plan
from trialkit.report.json_report import render_json
from trialkit.report.markdown import render_markdown
from trialkit.report.terminal import render_report

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("TRIALKIT_UPDATE_SNAPSHOTS") == "1"
REL_TOL = 1e-9  # numbers in the JSON snapshot: platform BLAS noise only
ABS_TOL = 1e-12  # for numbers that are exactly zero in one of the two


@pytest.fixture(scope="module")
def analysis() -> TrialAnalysis:
    return analyze_trial(trialkit.read_trial(None, sample_plan()))


def terminal_text(analysis: TrialAnalysis) -> str:
    console = Console(record=True, width=120, file=io.StringIO())
    render_report(analysis, console)
    return console.export_text()


def check_text(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    assert text.splitlines() == expected.splitlines(), f"{name} differs from its snapshot"


def assert_close(actual: object, expected: object, where: str = "$") -> None:
    """Equal JSON, numbers within REL_TOL (bools and ints exactly)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and list(actual) == list(expected), where
        for k in expected:
            assert_close(actual[k], expected[k], f"{where}.{k}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), where
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_close(a, e, f"{where}[{i}]")
    elif isinstance(expected, float) and not isinstance(expected, bool):
        assert isinstance(actual, int | float) and not isinstance(actual, bool), where
        assert math.isclose(actual, expected, rel_tol=REL_TOL, abs_tol=ABS_TOL), (
            f"{where}: {actual!r} != {expected!r}"
        )
    else:
        assert actual == expected and type(actual) is type(expected), f"{where}: {actual!r}"


def test_terminal_snapshot(analysis: TrialAnalysis) -> None:
    check_text("report_terminal.txt", terminal_text(analysis))


def test_markdown_snapshot(analysis: TrialAnalysis) -> None:
    check_text("report.md", render_markdown(analysis))


def test_json_snapshot(analysis: TrialAnalysis) -> None:
    text = render_json(analysis)
    path = SNAPSHOTS / "report.json"
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert_close(json.loads(text), json.loads(path.read_text(encoding="utf-8")))


def test_snapshot_comparison_detects_changes() -> None:
    # The comparison itself must catch a changed number, key or type.
    base = {"a": [1.0, {"b": 2}], "c": "x", "d": None}
    assert_close({"a": [1.0 + 1e-12, {"b": 2}], "c": "x", "d": None}, base)
    for bad in (
        {"a": [1.0 + 1e-6, {"b": 2}], "c": "x", "d": None},
        {"a": [1.0, {"b": 3}], "c": "x", "d": None},
        {"a": [1.0, {"b": 2}], "c": "y", "d": None},
        {"a": [1.0, {"b": 2}], "c": "x", "d": 0.0},
        {"a": [1.0], "c": "x", "d": None},
    ):
        with pytest.raises(AssertionError):
            assert_close(bad, base)
