"""Values the report builders derive once per result object.

Results are frozen (:class:`~trialkit.core.results.ReadOnlyResult`, frozen dataclasses), so
what a builder derives from one depends on nothing but that object. :func:`once_per` keeps a
function's value for each argument object while the object lives (by identity: results hold
DataFrames and are not hashable); the entry goes when the object is garbage-collected.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


def once_per(fn: Callable[[K], V]) -> Callable[[K], V]:
    """``fn`` computed once per argument object (the value must not be changed by callers:
    return immutable values, or copy a mutable one in a wrapper)."""
    cache: dict[int, tuple[weakref.ref[K], V]] = {}  # type: ignore[type-var]

    @functools.wraps(fn)
    def cached(obj: K) -> V:
        key = id(obj)
        hit = cache.get(key)
        if hit is not None and hit[0]() is obj:
            return hit[1]
        value = fn(obj)
        cache[key] = (weakref.ref(obj, lambda _ref: cache.pop(key, None)), value)  # type: ignore[type-var]
        return value

    return cached
