"""Responder status: a binary outcome coded 0/1, yes/no or true/false, or a threshold rule.

A rule is written ``"<value|change> <op> <number>"``, e.g. ``"change <= -10"`` (a subject
responds when the outcome minus the baseline is at most -10) or ``"value >= 50"``; ``op`` is
one of ``<=, <, >=, >``. The text is parsed, never evaluated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from trialkit.data.responders import binary_codes
from trialkit.errors import DataError, PlanError

_OPS = {"<=": np.less_equal, "<": np.less, ">=": np.greater_equal, ">": np.greater}
_RULE = re.compile(
    r"^\s*(value|change)\s*(<=|>=|<|>)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$"
)


@dataclass(frozen=True)
class ResponderRule:
    """Respond when ``on`` (``"value"``, or ``"change"`` from baseline) ``operator``
    ``threshold``."""

    on: str
    operator: str
    threshold: float

    @classmethod
    def parse(cls, text: str) -> ResponderRule:
        """Parse ``"change <= -10"``; raise :class:`PlanError` with one sentence otherwise."""
        m = _RULE.match(str(text))
        if m is None:
            raise PlanError(
                f"responder rule '{text}' is not of the form '<value|change> <op> <number>' "
                "with op one of <=, <, >=, > (e.g. 'change <= -10')"
            )
        return cls(m.group(1), m.group(2), float(m.group(3)))

    def __str__(self) -> str:
        return f"{self.on} {self.operator} {self.threshold:g}"

    def apply(self, value: pd.Series, baseline: pd.Series | None) -> pd.Series:
        """1.0 / 0.0 per row, NaN where the value (or the baseline for a change) is missing."""
        x = pd.to_numeric(value, errors="coerce").astype(float)
        if self.on == "change":
            assert baseline is not None
            x = x - pd.to_numeric(baseline, errors="coerce").astype(float)
        out = _OPS[self.operator](x.to_numpy(), self.threshold).astype(float)
        out[np.isnan(x.to_numpy())] = np.nan
        return pd.Series(out, index=value.index)


def binary_values(series: pd.Series, column: str, context: pd.DataFrame) -> pd.Series:
    """0/1, yes/no, true/false (any case, booleans too) as 1.0/0.0; missing stays NaN.

    Raises
    ------
    DataError
        Naming the column, the first offending row (1-based position in the data) and the
        subject and visit given in ``context`` (its first two columns).
    """
    values, bad = binary_codes(series)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        where = ", ".join(f"{c} {context.iloc[pos][c]}" for c in context.columns)
        raise DataError(
            f"column '{column}' has value '{series.iloc[pos]}' at row {pos + 1} ({where}); "
            f"a binary outcome must be 0/1, yes/no or true/false ({int(bad.sum())} such row(s))"
        )
    return pd.Series(values, index=series.index)
