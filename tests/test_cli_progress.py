"""The CLI's progress display: shown on a terminal, absent (and no refresh thread) otherwise."""

from __future__ import annotations

import io
import threading

from rich.console import Console

from trialkit.cli.progress import step_progress


def test_terminal_shows_the_steps() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    with step_progress(console, "Reading the data") as (step, tick):
        step("MMRM and ANCOVA: pain")
        tick(3, 10)
    text = out.getvalue()
    assert "Reading the data" in text or "MMRM and ANCOVA: pain" in text


def test_pipe_gets_nothing_and_no_thread() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=100)
    before = threading.active_count()
    with step_progress(console, "Reading the data") as (step, tick):
        assert threading.active_count() == before
        step("MMRM and ANCOVA: pain")
        tick(3, 10)
    assert out.getvalue() == ""
