"""Read-only results: what every fitted model or summary returns.

A result is a frozen dataclass. Its tables are pandas DataFrames, which are mutable, so
:class:`ReadOnlyResult` hands out a copy of every DataFrame, Series and NumPy array attribute
on each access (and a shallow copy of a dict): changing what a result returned never changes
the result. Results also get a one-line ``repr`` and a :meth:`~ReadOnlyResult.summary`
(the numbers as a short text block, in the manner of linearmodels' results), and never
print.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

#: The statistics columns of every tidy result frame, in order.
STAT_COLUMNS: tuple[str, ...] = ("estimate", "std_error", "df", "ci_lower", "ci_upper", "p_value")

_COPIED = (pd.DataFrame, pd.Series, np.ndarray, dict)


class ReadOnlyResult:
    """Mixin for frozen result dataclasses (declare them with ``repr=False``).

    Subclasses set :attr:`_headline` to the names of the scalar fields shown by ``repr``
    and override :meth:`summary_frame` to choose the table :meth:`summary` shows.
    """

    _headline: tuple[str, ...] = ()

    def __getattribute__(self, name: str) -> Any:
        value = object.__getattribute__(self, name)
        if not name.startswith("_") and isinstance(value, _COPIED):
            return value.copy()
        return value

    def __repr__(self) -> str:
        parts = []
        for name in object.__getattribute__(self, "_headline"):
            value = object.__getattribute__(self, name)
            shown = f"{value:.6g}" if isinstance(value, float) else repr(value)
            parts.append(f"{name}={shown}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def summary_frame(self) -> pd.DataFrame:
        """The main table of this result (a copy)."""
        raise NotImplementedError

    def summary(self) -> str:
        """The headline fields and the main table as plain text (for a console or a log)."""
        table = self.summary_frame()
        with pd.option_context("display.width", 120, "display.max_columns", 20):
            return f"{self!r}\n{table.to_string(index=False)}"
