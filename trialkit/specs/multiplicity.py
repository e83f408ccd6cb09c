"""The multiplicity specification: procedure names and the rules a graph must obey.

:data:`MULTIPLICITY_METHODS` is the one place the procedure names are written;
:func:`graph_problems` the one place the graph rules (Bretz et al. 2009) are, each broken
rule as one sentence.
"""

from __future__ import annotations

import numpy as np

from trialkit.specs.vocabulary import Choice, vocabulary

MULTIPLICITY_METHODS = vocabulary(
    (
        Choice("bonferroni", "Bonferroni", "m times each p-value."),
        Choice("holm", "Holm", "Step-down Bonferroni (Holm 1979)."),
        Choice("hochberg", "Hochberg", "Step-up (Hochberg 1988).", ("simes-hochberg",)),
        Choice("hommel", "Hommel", "Closed Simes tests (Hommel 1988)."),
        Choice(
            "fixed-sequence",
            "fixed sequence",
            "Hierarchical testing in the given order; stops at the first non-rejection.",
            ("hierarchical", "fixed_sequence"),
        ),
        Choice(
            "graphical",
            "graphical (weighted Bonferroni)",
            "Bretz et al. (2009): initial weights and a transition matrix.",
        ),
    )
)

_TOL = 1e-10


def graph_problems(weights: np.ndarray, transitions: np.ndarray) -> list[str]:
    """One sentence per broken rule: dimensions, finite numbers, weights >= 0 summing to at
    most 1, transitions in [0, 1] with zero diagonal and rows summing to at most 1."""
    w = np.asarray(weights, dtype=float)
    g = np.asarray(transitions, dtype=float)
    m = w.size
    if w.ndim != 1 or m == 0:
        return ["the graph weights must be a non-empty list of numbers"]
    if g.shape != (m, m):
        shape = "x".join(map(str, g.shape))
        return [
            f"the transition matrix is {shape} but there are {m} hypotheses; it must be {m}x{m}"
        ]
    if not (np.all(np.isfinite(w)) and np.all(np.isfinite(g))):
        return ["the graph weights and transitions must be finite numbers"]
    out = []
    if np.any(w < 0):
        j = int(np.flatnonzero(w < 0)[0])
        out.append(f"the weight of hypothesis {j + 1} is {w[j]:g}; weights must be >= 0")
    if w.sum() > 1 + _TOL:
        out.append(f"the graph weights sum to {w.sum():g}; they must sum to at most 1")
    if np.any(g < 0) or np.any(g > 1 + _TOL):
        r, c = np.argwhere((g < 0) | (g > 1 + _TOL))[0]
        out.append(
            f"the transition weight from hypothesis {r + 1} to {c + 1} is {g[r, c]:g}; "
            "transition weights must be between 0 and 1"
        )
    if np.any(np.diag(g) != 0):
        j = int(np.flatnonzero(np.diag(g) != 0)[0])
        out.append(
            f"the transition matrix has {g[j, j]:g} on its diagonal at hypothesis {j + 1}; "
            "the diagonal must be 0"
        )
    rows = g.sum(axis=1)
    if np.any(rows > 1 + _TOL):
        j = int(np.flatnonzero(rows > 1 + _TOL)[0])
        out.append(
            f"the transition weights leaving hypothesis {j + 1} sum to {rows[j]:g}; each row "
            "must sum to at most 1"
        )
    return out
