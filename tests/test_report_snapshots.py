"""Snapshot tests of the sample trial's report: terminal text, Markdown and JSON.

The snapshots under tests/snapshots/ were written by trialkit itself and reviewed by hand
(every number in them is checked against its source elsewhere: the MMRM and ANCOVA against R
in test_mmrm_*.py / test_ancova*.py, the summaries in test_summaries_*.py, and the report's
copies of those numbers against the result objects in test_report_json.py). They guard the
layout and formatting against unintended change.

Regenerate after an intended change with::

    TRIALKIT_UPDATE_SNAPSHOTS=1 python -m pytest -q tests/test_report_snapshots.py

The comparison rules (numbers differ between platforms in the last digits: BLAS, compiler and
library versions change a Kenward-Roger df by ~1e-9, for example):

* JSON numbers get a tolerance by kind of quantity, named by their key (:func:`tolerance`):
  p-values absolute 1e-8; degrees of freedom relative 1e-6; every other non-integer number
  (estimates, standard errors, CI limits, LS means, test statistics, log-likelihoods,
  summary statistics, percentages) relative 1e-6 with an absolute floor of 1e-10 for values
  that are zero. Integers (counts of subjects and observations), strings, booleans, nulls,
  keys and their order are compared exactly. The optimiser's iteration counts
  (``iterations``) follow the rounding along the optimisation path and differ between
  platforms (8 or 9 here), so only their type is compared. These tolerances guard the
  layout, not the statistics: correctness is tested against the R/SAS references in the
  other tests.
* Terminal and Markdown text are compared exactly. Every number in them is printed with at
  most 3 decimals (``test_text_snapshots_print_rounded_numbers`` keeps that true), so
  platform noise of order 1e-9 cannot change them unless a value lies within 1e-9 of a
  rounding boundary.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
from html import escape
from pathlib import Path

import pytest
from report_outputs import html_text, json_text, markdown_text, print_report
from rich.console import Console

import trialkit
from trialkit.analysis import TrialAnalysis, analyze_trial
from trialkit.data.bundled import sample_plan
from trialkit.report.markdown import md_escape
from trialkit.report.notes import CALIBRATED_NOTE

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("TRIALKIT_UPDATE_SNAPSHOTS") == "1"
P_ABS_TOL = 1e-8  # p-values: absolute
DF_REL_TOL = 1e-6  # degrees of freedom: relative
REL_TOL = 1e-6  # estimates, SEs, CI limits and every other non-integer number: relative
ZERO_ABS_TOL = 1e-10  # ... with this absolute floor for values that are zero
DF_KEYS = {"df", "num_df", "den_df"}
PATH_DEPENDENT = {"iterations"}  # integers that depend on the optimisation path: type only


def tolerance(key: str) -> tuple[float, float]:
    """``(rel_tol, abs_tol)`` for a JSON number stored under ``key``, by kind of quantity."""
    if key == "p" or key.endswith("p_value"):
        return 0.0, P_ABS_TOL
    if key in DF_KEYS or key.endswith("_df"):
        return DF_REL_TOL, 0.0
    return REL_TOL, ZERO_ABS_TOL


@pytest.fixture(scope="module")
def analysis() -> TrialAnalysis:
    return analyze_trial(trialkit.read_trial(None, sample_plan()))


def terminal_text(analysis: TrialAnalysis) -> str:
    console = Console(record=True, width=120, file=io.StringIO())
    print_report(analysis, console)
    return console.export_text()


def check_text(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    assert text.splitlines() == expected.splitlines(), f"{name} differs from its snapshot"


def assert_close(actual: object, expected: object, where: str = "$", key: str = "") -> None:
    """Equal JSON; non-integer numbers within :func:`tolerance` of their key's kind."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and list(actual) == list(expected), where
        for k in expected:
            assert_close(actual[k], expected[k], f"{where}.{k}", k)
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), where
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_close(a, e, f"{where}[{i}]", key)
    elif key in PATH_DEPENDENT:
        assert type(actual) is type(expected), f"{where}: {actual!r}"
    elif isinstance(expected, float):
        assert isinstance(actual, float), f"{where}: {actual!r} is not a float"
        rel_tol, abs_tol = tolerance(key)
        assert math.isclose(actual, expected, rel_tol=rel_tol, abs_tol=abs_tol), (
            f"{where}: {actual!r} != {expected!r} (rel_tol {rel_tol:g}, abs_tol {abs_tol:g})"
        )
    else:
        assert actual == expected and type(actual) is type(expected), f"{where}: {actual!r}"


def test_terminal_snapshot(analysis: TrialAnalysis) -> None:
    check_text("report_terminal.txt", terminal_text(analysis))


def test_markdown_snapshot(analysis: TrialAnalysis) -> None:
    check_text("report.md", markdown_text(analysis))


def test_json_snapshot(analysis: TrialAnalysis) -> None:
    text = json_text(analysis)
    path = SNAPSHOTS / "report.json"
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert_close(json.loads(text), json.loads(path.read_text(encoding="utf-8")))


def test_snapshot_comparison_detects_changes() -> None:
    # The comparison itself must catch a changed number, key or type, at each kind's tolerance.
    base = {"a": [1.0, {"b": 2}], "c": "x", "d": None, "df": 70.0, "p_value": 0.02, "e": 0.0}
    # within tolerance: platform noise of the size seen (a KR df off by 1.8e-9)
    assert_close(
        {**base, "a": [1.0 + 5e-7, {"b": 2}], "df": 70.0 + 1.8e-9, "p_value": 0.02 + 5e-9},
        base,
    )
    assert_close({**base, "e": 5e-11}, base)
    assert_close({**base, "iterations": 9}, {**base, "iterations": 8})
    for bad in (
        {**base, "a": [1.0 + 2e-6, {"b": 2}]},  # estimate: relative 1e-6
        {**base, "df": 70.0 * (1 + 2e-6)},  # df: relative 1e-6
        {**base, "p_value": 0.02 + 2e-8},  # p-value: absolute 1e-8
        {**base, "e": 1e-9},  # a zero that is no longer zero
        {**base, "a": [1.0, {"b": 3}]},  # integers exactly
        {**base, "c": "y"},
        {**base, "d": 0.0},
        {**base, "a": [1.0]},
        {**base, "a": [1, {"b": 2}]},  # a float that became an integer
        {"c": "x", **base},  # key order
    ):
        with pytest.raises(AssertionError):
            assert_close(bad, base)
    with pytest.raises(AssertionError):  # an iteration count that is no longer an integer
        assert_close({**base, "iterations": 8.0}, {**base, "iterations": 8})


@pytest.mark.parametrize("name", ["report_terminal.txt", "report.md"])
def test_text_snapshots_print_rounded_numbers(name: str) -> None:
    # The exact comparison of the text snapshots relies on this (see the module docstring).
    text = (SNAPSHOTS / name).read_text(encoding="utf-8")
    long_numbers = re.findall(r"\d\.\d{4,}", text)
    assert not long_numbers, f"{name} prints numbers with 4+ decimals: {long_numbers[:5]}"


def test_calibrated_sample_says_so_in_every_format(analysis: TrialAnalysis) -> None:
    # The sample's data were generated to reproduce its published figures (issue 9, section
    # 5): every format states, next to the replication check, that agreement is by construction.
    assert analysis.trial.plan.calibrated_to_published
    assert CALIBRATED_NOTE in " ".join(terminal_text(analysis).split())
    assert md_escape(CALIBRATED_NOTE) in markdown_text(analysis)
    assert escape(CALIBRATED_NOTE) in html_text(analysis, figures={})
    doc = json.loads(json_text(analysis))
    assert doc["trial"]["calibrated_to_published"] is True
    assert doc["replication_note"].startswith("6 of 6 published figures agree. " + CALIBRATED_NOTE)
