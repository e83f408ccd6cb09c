"""Run independent simulation tasks in parallel (joblib here, Dask on a cluster) through the
one executor of :mod:`trialkit.core.parallel`.

Results come back in task order whatever the number of workers, so a task that draws its
random numbers from its own ``numpy.random.SeedSequence`` child gives identical results on
one core, many cores or a cluster. Progress is reported through a callback
``progress(done, total)`` (the caller draws it; this module never prints).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from trialkit.core.parallel import Progress, SchedulerError, get_executor

__all__ = ["Progress", "SchedulerError", "run_tasks"]


def _call(func: Callable[[Any], Any], task: Any) -> Any:
    return func(task)


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
    jobs = 1 if len(tasks) <= 1 and scheduler is None else n_jobs
    with get_executor(jobs, scheduler, timeout=timeout, progress=progress) as ex:
        return ex.map(_call, func, list(tasks))
