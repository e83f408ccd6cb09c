"""Run independent tasks: in this process, with joblib on this machine, or on a Dask cluster.

One small interface serves every repeated computation (imputation draws, jackknife refits,
power simulations): ``executor.map(fn, shared, items)`` returns
``[fn(shared, item) for item in items]`` in item order. ``shared`` (a fitted model, a grid)
is sent to each worker once where the backend allows it (Dask scatters it; joblib
memory-maps its large arrays). Randomness never depends on the backend: every task carries
its own ``numpy.random.SeedSequence`` child, made by :func:`seed_children` before the tasks
are split, so results are identical whatever the number of workers or the backend.

Progress is reported through a callback ``progress(done, total)`` after each task (the
caller draws it; this module never prints).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from trialkit.core.errors import TrialkitError

Progress = Callable[[int, int], None]


class SchedulerError(TrialkitError):
    """The Dask scheduler could not be reached (exit code 2)."""


@dataclass(frozen=True)
class Execution:
    """Where repeated computations run.

    Attributes
    ----------
    n_jobs
        joblib workers (``1``: this process; ``-1``: all cores; ``None``: the caller's default).
    scheduler
        A Dask scheduler address (``tcp://host:8786``), ``Client`` or ``LocalCluster``;
        overrides ``n_jobs``.
    timeout
        Seconds to wait for the scheduler before giving up.
    progress
        ``progress(done, total)`` after each task.
    """

    n_jobs: int | None = None
    scheduler: Any = None
    timeout: float = 10.0
    progress: Progress | None = None


@functools.cache
def _controller() -> Any:
    """One ``ThreadpoolController`` per process (made once NumPy's and SciPy's BLAS are
    loaded): finding the loaded BLAS libraries costs about 2 ms, setting a limit through a
    found controller 0.03 ms."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl comes with joblib / scipy
        return None
    import scipy.linalg  # noqa: F401 - load SciPy's BLAS too, so that the controller sees it

    return ThreadpoolController()


def single_threaded_blas() -> contextlib.AbstractContextManager:
    """Limit BLAS to one thread: many small matrix products run several times faster without
    thread hand-offs, and parallelism comes from the workers instead."""
    controller = _controller()
    if controller is None:  # pragma: no cover
        return contextlib.nullcontext()
    return controller.limit(limits=1, user_api="blas")


def seed_children(seed: int | np.random.SeedSequence | None, n: int) -> list:
    """``n`` independent child seeds of ``seed`` (one per task)."""
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return ss.spawn(n)


def chunks(n: int, size: int) -> list[range]:
    """Fixed task boundaries (independent of the number of workers)."""
    return [range(s, min(n, s + size)) for s in range(0, n, size)]


class Executor:
    """Run tasks in this process (``n_jobs=1``)."""

    name = "serial"
    workers = 1

    def __init__(self, progress: Progress | None = None) -> None:
        self._progress = progress

    def _tick(self, done: int, total: int) -> None:
        if self._progress is not None:
            self._progress(done, total)

    def map(self, fn: Callable[[Any, Any], Any], shared: Any, items: Sequence[Any]) -> list:
        out = []
        for i, item in enumerate(items, start=1):
            out.append(fn(shared, item))
            self._tick(i, len(items))
        return out

    def close(self) -> None:
        return None

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class JoblibExecutor(Executor):
    """joblib (loky processes) on this machine."""

    name = "joblib"

    def __init__(self, n_jobs: int, progress: Progress | None = None) -> None:
        import joblib

        super().__init__(progress)
        self.workers = int(joblib.cpu_count()) if n_jobs < 0 else int(n_jobs)
        self._n_jobs = n_jobs

    def map(self, fn, shared, items):  # type: ignore[no-untyped-def]
        import joblib

        # results as they finish (progress does not wait behind a slow task), put back in order
        parallel = joblib.Parallel(n_jobs=self._n_jobs, return_as="generator_unordered")
        out: list[Any] = [None] * len(items)
        jobs = (joblib.delayed(_indexed)(fn, i, shared, it) for i, it in enumerate(items))
        for done, (i, res) in enumerate(parallel(jobs), start=1):
            out[i] = res
            self._tick(done, len(items))
        return out


def _indexed(fn: Callable[[Any, Any], Any], i: int, shared: Any, item: Any) -> tuple[int, Any]:
    return i, fn(shared, item)


class DaskExecutor(Executor):
    """A Dask distributed cluster: a scheduler address, a ``Client`` or a ``LocalCluster``."""

    name = "dask"

    def __init__(
        self, scheduler: Any, timeout: float = 10.0, progress: Progress | None = None
    ) -> None:
        super().__init__(progress)
        self._client, self._own = connect(scheduler, timeout)
        self.workers = max(1, len(self._client.scheduler_info().get("workers", {})))

    def map(self, fn, shared, items):  # type: ignore[no-untyped-def]
        from distributed import as_completed

        fut_shared = self._client.scatter(shared, broadcast=True)
        futures = [self._client.submit(fn, fut_shared, it, pure=False) for it in items]
        position = {f.key: i for i, f in enumerate(futures)}
        out: list[Any] = [None] * len(futures)
        for done, fut in enumerate(as_completed(futures, loop=self._client.loop), start=1):
            out[position[fut.key]] = fut.result()
            self._tick(done, len(futures))
        return out

    def close(self) -> None:
        if self._own:
            self._client.close()


def connect(scheduler: Any, timeout: float = 10.0) -> tuple[Any, bool]:
    """A Dask ``Client`` for ``scheduler`` and whether we own it (and must close it).

    Raises
    ------
    SchedulerError
        If the scheduler at an address does not answer within ``timeout`` seconds.
    """
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - dask[distributed] is a dependency
        raise SchedulerError(
            "Running on a Dask scheduler needs the dask[distributed] package."
        ) from None
    if isinstance(scheduler, Client):
        return scheduler, False
    try:
        return Client(scheduler, timeout=timeout, set_as_default=False), True
    except (OSError, TimeoutError, ValueError) as exc:
        raise SchedulerError(
            f"Cannot reach the Dask scheduler at {scheduler} within {timeout:g} s "
            f"({type(exc).__name__}); check the address and that the scheduler is running."
        ) from None


def get_executor(
    n_jobs: int | None,
    scheduler: Any = None,
    *,
    timeout: float = 10.0,
    progress: Progress | None = None,
) -> Executor:
    """Dask when ``scheduler`` is given, else joblib for ``n_jobs`` other than 1 (``None``
    and ``-1``: all cores), else this process."""
    if scheduler is not None:
        return DaskExecutor(scheduler, timeout, progress)
    if n_jobs == 1:
        return Executor(progress)
    return JoblibExecutor(-1 if n_jobs is None else n_jobs, progress)
