"""Run independent tasks in parallel: joblib on this machine, Dask distributed on a cluster.

Results come back in task order whatever the number of workers, so a task that draws its
random numbers from its own ``numpy.random.SeedSequence`` child gives identical results on
one core, many cores or a cluster. Progress is reported through a callback
``progress(done, total)`` (the caller draws it; this module never prints).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from trialkit.errors import TrialkitError

Progress = Callable[[int, int], None]


class SchedulerError(TrialkitError):
    """The Dask scheduler could not be reached (exit code 2)."""


def run_tasks(
    func: Callable[[Any], Any],
    tasks: Sequence[Any],
    *,
    n_jobs: int | None = None,
    scheduler: str | None = None,
    timeout: float = 10.0,
    progress: Progress | None = None,
) -> list[Any]:
    """``[func(task) for task in tasks]``, in parallel, in task order.

    Parameters
    ----------
    n_jobs
        joblib workers (``None`` or ``-1``: all cores; ``1``: run in this process).
    scheduler
        Address of a Dask distributed scheduler (``tcp://host:8786``); overrides ``n_jobs``.
    timeout
        Seconds to wait for the scheduler before giving up.

    Raises
    ------
    SchedulerError
        If the scheduler at ``scheduler`` does not answer within ``timeout`` seconds.
    """
    total = len(tasks)
    if scheduler is not None:
        return _run_dask(func, tasks, scheduler, timeout, progress)
    if n_jobs == 1 or total <= 1:
        out = []
        for i, task in enumerate(tasks):
            out.append(func(task))
            if progress is not None:
                progress(i + 1, total)
        return out
    from joblib import Parallel, delayed

    # results as they finish (progress does not wait behind a slow task), put back in order
    parallel = Parallel(n_jobs=-1 if n_jobs is None else n_jobs, return_as="generator_unordered")
    out: list[Any] = [None] * total
    jobs = (delayed(_indexed)(func, i, task) for i, task in enumerate(tasks))
    for done, (i, res) in enumerate(parallel(jobs), start=1):
        out[i] = res
        if progress is not None:
            progress(done, total)
    return out


def _indexed(func: Callable[[Any], Any], i: int, task: Any) -> tuple[int, Any]:
    return i, func(task)


def _run_dask(
    func: Callable[[Any], Any],
    tasks: Sequence[Any],
    address: str,
    timeout: float,
    progress: Progress | None,
) -> list[Any]:
    try:
        from distributed import Client, as_completed
    except ImportError:  # pragma: no cover - dask[distributed] is a dependency
        raise SchedulerError(
            "Running on a Dask scheduler needs the dask[distributed] package."
        ) from None
    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise SchedulerError(
            f"Cannot reach the Dask scheduler at {address} within {timeout:g} s "
            f"({type(exc).__name__}); check the address and that the scheduler is running."
        ) from None
    try:
        futures = client.map(func, list(tasks), pure=False)
        position = {f.key: i for i, f in enumerate(futures)}
        out: list[Any] = [None] * len(futures)
        for done, fut in enumerate(as_completed(futures, loop=client.loop), start=1):
            out[position[fut.key]] = fut.result()
            if progress is not None:
                progress(done, len(futures))
        return out
    finally:
        client.close()
