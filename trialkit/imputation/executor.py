"""One small interface for running independent tasks: in-process, joblib, or Dask.

``executor.map(fn, shared, items)`` returns ``[fn(shared, item) for item in items]`` in
order. ``shared`` (the fitted model, the grid) is sent to each worker once where the backend
allows it (Dask scatters it; joblib memory-maps its large arrays). Randomness never depends on
the backend: every task carries its own ``numpy.random.SeedSequence`` child, created by
:func:`seed_children` before the tasks are split, so results are identical whatever the
number of workers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


def single_threaded_blas() -> contextlib.AbstractContextManager:
    """Limit BLAS to one thread: the many small matrix products of refits run several times
    faster without thread hand-offs, and parallelism comes from the workers instead."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn / joblib
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def seed_children(seed: int | np.random.SeedSequence | None, n: int) -> list:
    """``n`` independent child seeds of ``seed`` (one per task)."""
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return ss.spawn(n)


class Executor:
    """Run tasks in this process (``n_jobs=1``)."""

    name = "serial"
    workers = 1

    def map(self, fn: Callable[[Any, Any], Any], shared: Any, items: Sequence[Any]) -> list:
        return [fn(shared, item) for item in items]

    def close(self) -> None:
        return None


class JoblibExecutor(Executor):
    """joblib (loky processes) on this machine."""

    name = "joblib"

    def __init__(self, n_jobs: int) -> None:
        import joblib

        self.workers = int(joblib.cpu_count()) if n_jobs < 0 else int(n_jobs)
        self._n_jobs = n_jobs

    def map(self, fn, shared, items):
        import joblib

        return joblib.Parallel(n_jobs=self._n_jobs)(
            joblib.delayed(fn)(shared, item) for item in items
        )


class DaskExecutor(Executor):
    """A Dask distributed cluster: a scheduler address, a ``Client`` or a ``LocalCluster``."""

    name = "dask"

    def __init__(self, scheduler: Any) -> None:
        from distributed import Client

        if isinstance(scheduler, Client):
            self._client, self._own = scheduler, False
        else:
            self._client, self._own = Client(scheduler), True
        self.workers = max(1, len(self._client.scheduler_info().get("workers", {})))

    def map(self, fn, shared, items):
        fut_shared = self._client.scatter(shared, broadcast=True)
        futures = [self._client.submit(fn, fut_shared, item, pure=False) for item in items]
        return self._client.gather(futures)

    def close(self) -> None:
        if self._own:
            self._client.close()


def get_executor(n_jobs: int | None, scheduler: Any, work: int) -> Executor:
    """Pick a backend: Dask when ``scheduler`` is given; joblib when ``n_jobs`` asks for more
    than one worker (``None``: all cores when ``work`` is large enough to repay starting
    workers, else this process)."""
    if scheduler is not None:
        return DaskExecutor(scheduler)
    if n_jobs is None:
        n_jobs = -1 if work >= 200_000 else 1
    if n_jobs == 1:
        return Executor()
    return JoblibExecutor(n_jobs)


def chunks(n: int, size: int) -> list[range]:
    """Fixed task boundaries (independent of the number of workers)."""
    return [range(s, min(n, s + size)) for s in range(0, n, size)]
