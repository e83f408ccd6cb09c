"""A transient progress display on stderr for long commands: the current step, and a bar
when the step reports ``(done, total)`` (imputation draws, jackknife refits, simulations).

The statistics modules never print; they take a ``progress(done, total)`` callback, and the
CLI hands them :func:`step_progress`'s ``tick``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

Step = Callable[[str], None]
Tick = Callable[[int, int], None]


@contextlib.contextmanager
def step_progress(console: Console, first: str) -> Iterator[tuple[Step, Tick]]:
    """``(step, tick)``: ``step(text)`` names a new step (the bar restarts, indeterminate);
    ``tick(done, total)`` moves the bar. The display disappears when the block ends.

    When ``console`` is not a terminal (a pipe, a file, CI) nothing would be shown, so no
    display (and no refresh thread) is started and both callables do nothing."""
    if not console.is_terminal:
        yield (lambda _text: None), (lambda _done, _total: None)
        return
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(first, total=None)

        def step(text: str) -> None:
            bar.reset(task, description=text, total=None)

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield step, tick
