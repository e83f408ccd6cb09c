"""Read a multiplicity problem from files: p-values from a table, a graph from TOML.

The p-value file (any format :func:`trialkit.data.readers.read_table` reads) has columns
``hypothesis`` and ``p_value``, one row per hypothesis, in testing order. The graph file is
TOML::

    weights = [0.5, 0.5, 0, 0]
    transitions = [[0, 0, 1, 0], [0, 0, 0, 1], [0, 1, 0, 0], [1, 0, 0, 0]]

in the same hypothesis order (an optional ``hypotheses = [...]`` must then match the table).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

from trialkit.data.readers import read_table
from trialkit.errors import DataError, PlanError
from trialkit.inference.multiplicity import (
    Graph,
    MultiplicityResult,
    adjust_multiplicity,
    graphical_test,
)


def read_p_values(path: str | Path) -> tuple[tuple[str, ...], np.ndarray]:
    """Hypothesis names and p-values; one sentence naming file, column and row on error."""
    table = read_table(path)
    df = table.df
    missing = [c for c in ("hypothesis", "p_value") if c not in df.columns]
    if missing:
        raise DataError(
            f"{path}: column(s) {', '.join(missing)} not found; the file needs columns "
            "hypothesis and p_value"
        )
    p = pd.to_numeric(df["p_value"], errors="coerce")
    bad = np.flatnonzero((p.isna() | (p < 0) | (p > 1)).to_numpy())
    if bad.size:
        row = table.row_numbers([bad[0]])[0]
        raise DataError(
            f"{path}: column p_value has '{df['p_value'].iloc[bad[0]]}' at row {row}; "
            "every p-value must be a number between 0 and 1"
        )
    names = df["hypothesis"].astype(str)
    dup = np.flatnonzero(names.duplicated().to_numpy())
    if dup.size:
        row = table.row_numbers([dup[0]])[0]
        raise DataError(f"{path}: hypothesis '{names.iloc[dup[0]]}' is repeated at row {row}")
    return tuple(names), p.to_numpy(dtype=float)


def read_graph(path: str | Path, hypotheses: tuple[str, ...]) -> Graph:
    """The graph in ``path`` (TOML) for ``hypotheses``; :class:`PlanError` on bad content."""
    path = Path(path)
    try:
        spec = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlanError(f"graph file {path} does not exist") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PlanError(f"graph file {path} is not valid TOML ({exc})") from None
    for key in ("weights", "transitions"):
        if key not in spec:
            raise PlanError(f"graph file {path} has no '{key}' key")
    names = tuple(str(h) for h in spec.get("hypotheses", hypotheses))
    if names != hypotheses:
        raise PlanError(
            f"graph file {path} lists hypotheses {', '.join(names)} but the p-value file has "
            f"{', '.join(hypotheses)} (same names, same order)"
        )
    try:
        w = np.asarray(spec["weights"], dtype=float)
        g = np.asarray(spec["transitions"], dtype=float)
    except (TypeError, ValueError):
        raise PlanError(
            f"graph file {path}: weights must be a list of numbers and transitions a list of "
            "equally long lists of numbers"
        ) from None
    return Graph(hypotheses, w, g) if g.ndim == 2 else Graph(hypotheses, w, g.reshape(1, -1))


def multiplicity_from_files(
    p_values: str | Path,
    *,
    method: str = "holm",
    alpha: float = 0.05,
    graph: str | Path | None = None,
) -> MultiplicityResult:
    """Adjust the p-values in a file by ``method``, or test them with the graph in ``graph``."""
    names, p = read_p_values(p_values)
    if graph is not None:
        return graphical_test(p, read_graph(graph, names), alpha=alpha)
    return adjust_multiplicity(p, method, alpha=alpha, hypotheses=names)
