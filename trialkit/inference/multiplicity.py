r"""Multiplicity: step-wise adjusted p-values, fixed-sequence and graphical testing.

Adjusted p-values :math:`\tilde p_i` (reject :math:`H_i` when :math:`\tilde p_i \le \alpha`)
for :math:`m` hypotheses with ordered p-values :math:`p_{(1)} \le \dots \le p_{(m)}`:

* Bonferroni: :math:`\min(1, m p_i)`.
* Holm (step-down): :math:`\tilde p_{(i)} = \min\{1, \max_{j \le i} (m - j + 1) p_{(j)}\}`.
* Hochberg (step-up): :math:`\tilde p_{(i)} = \min_{j \ge i} \min\{1, (m - j + 1) p_{(j)}\}`.
* Hommel: the closed test of Simes tests, computed as R's ``p.adjust(method = "hommel")``.
* Fixed sequence (hierarchical gatekeeping, hypotheses tested in the given order, testing
  stops at the first non-rejection): :math:`\tilde p_i = \max_{j \le i} p_j`.
* Graphical (Bretz et al. 2009, weighted Bonferroni): initial weights :math:`w` with
  :math:`\sum w \le 1` and a transition matrix :math:`G` (zero diagonal, rows summing to at
  most 1). Repeatedly take the remaining hypothesis with the smallest :math:`p_j / w_j`;
  its adjusted p-value is the running maximum of these ratios (capped at 1); remove it and
  update the graph: :math:`w_l \leftarrow w_l + w_j g_{jl}` and
  :math:`g_{lk} \leftarrow (g_{lk} + g_{lj} g_{jk}) / (1 - g_{lj} g_{jl})` (0 when the
  denominator is 0 or :math:`l = k`). The rejections are the hypotheses removed while the
  adjusted p-value is at most :math:`\alpha`, in that order.

Validated against: R ``p.adjust`` (stats 4.2.2) and statsmodels ``multipletests`` for
Holm/Hochberg/Hommel; graphicalMCP 0.2.5 ``graph_test_shortcut`` for graphs (Bonferroni-
Holm, fixed sequence, the Bretz et al. two primary / two secondary graphs);
tests/reference/multiplicity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from trialkit.core.results import ReadOnlyResult
from trialkit.errors import PlanError
from trialkit.specs.multiplicity import MULTIPLICITY_METHODS, graph_problems

METHODS: tuple[str, ...] = tuple(c for c in MULTIPLICITY_METHODS.codes if c != "graphical")

# graphicalMCP compares round(adjusted_p, 10) with alpha; we do the same so that a p-value
# equal to alpha up to floating-point noise is rejected in both.
_DECIMALS = 10


@dataclass(frozen=True)
class Graph:
    """A graphical multiple test procedure: initial weights and transition matrix."""

    hypotheses: tuple[str, ...]
    weights: np.ndarray = field(repr=False)
    transitions: np.ndarray = field(repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "weights", np.asarray(self.weights, dtype=float).copy())
        object.__setattr__(self, "transitions", np.asarray(self.transitions, dtype=float).copy())
        self.weights.setflags(write=False)
        self.transitions.setflags(write=False)

    def remove(self, j: int) -> Graph:
        """The graph after rejecting hypothesis ``j`` (Bretz et al. 2009, Algorithm 1)."""
        w, g = self.weights, self.transitions
        new_w = w + w[j] * g[j]
        denom_l = 1.0 - g[:, j] * g[j, :]  # 1 - g_lj g_jl for each l
        new_g = g + np.outer(g[:, j], g[j, :])
        with np.errstate(divide="ignore", invalid="ignore"):
            new_g = np.where(denom_l[:, None] > 0, new_g / denom_l[:, None], 0.0)
        np.fill_diagonal(new_g, 0.0)
        new_w[j] = 0.0
        new_g[j, :] = 0.0
        new_g[:, j] = 0.0
        return Graph(self.hypotheses, new_w, new_g)


@dataclass(frozen=True, repr=False)
class MultiplicityResult(ReadOnlyResult):
    """Adjusted p-values and decisions for a family of hypotheses (tables returned as copies).

    Attributes
    ----------
    method
        ``bonferroni``, ``holm``, ``hochberg``, ``hommel``, ``fixed-sequence`` or ``graphical``.
    alpha
        Family-wise error rate.
    rejection_sequence
        Hypotheses rejected, in the order the procedure rejects them.
    table
        ``hypothesis, p_value, adjusted_p, rejected`` in the input order.
    graph
        The initial graph (graphical and fixed-sequence procedures), else ``None``.
    final_graph
        The graph after all rejections (graphical procedures), else ``None``.
    """

    method: str
    alpha: float
    rejection_sequence: tuple[str, ...]
    table: pd.DataFrame
    graph: Graph | None = None
    final_graph: Graph | None = None

    _headline = ("method", "alpha", "rejection_sequence")

    @property
    def rejected(self) -> tuple[str, ...]:
        t = self.table
        return tuple(t.loc[t["rejected"], "hypothesis"])

    def summary_frame(self) -> pd.DataFrame:
        return self.table

    def decision(self) -> str:
        """One line: how many hypotheses were rejected, and which, in order."""
        names = ", ".join(self.rejection_sequence) or "none"
        return (
            f"{self.method} at alpha = {self.alpha:g}: {len(self.rejection_sequence)} of "
            f"{len(self.table)} hypotheses rejected ({names})"
        )


def _names(n: int, hypotheses: Sequence[str] | None) -> tuple[str, ...]:
    if hypotheses is None:
        return tuple(f"H{i + 1}" for i in range(n))
    names = tuple(str(h) for h in hypotheses)
    if len(names) != n:
        raise PlanError(f"{len(names)} hypothesis names were given for {n} p-values")
    if len(set(names)) != n:
        raise PlanError("hypothesis names must be unique")
    return names


def _check_p(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    p = np.asarray(p_values, dtype=float)
    if p.ndim != 1 or p.size == 0:
        raise PlanError("p-values must be a non-empty list of numbers")
    bad = np.flatnonzero(~np.isfinite(p) | (p < 0) | (p > 1))
    if bad.size:
        raise PlanError(
            f"p-value {bad[0] + 1} is {p[bad[0]]:g}; every p-value must be between 0 and 1"
        )
    return p


def _check_alpha(alpha: float) -> None:
    if not 0 < alpha < 1:
        raise PlanError(f"alpha is {alpha!r}; it must be between 0 and 1")


def _holm(p: np.ndarray) -> np.ndarray:
    m = p.size
    o = np.argsort(p, kind="stable")
    adj = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[o]))
    out = np.empty(m)
    out[o] = adj
    return out


def _hochberg(p: np.ndarray) -> np.ndarray:
    m = p.size
    o = np.argsort(-p, kind="stable")  # decreasing
    adj = np.minimum(1.0, np.minimum.accumulate((np.arange(m) + 1) * p[o]))
    out = np.empty(m)
    out[o] = adj
    return out


def _hommel(p: np.ndarray) -> np.ndarray:
    """Port of R's ``p.adjust(method = "hommel")``."""
    n = p.size
    if n == 1:
        return p.copy()
    o = np.argsort(p, kind="stable")
    ps = p[o]
    i = np.arange(1, n + 1)
    q = np.full(n, np.min(n * ps / i))
    pa = q.copy()
    for m in range(n - 1, 1, -1):
        i1 = np.arange(n - m + 1)  # 0-based positions 1..n-m+1
        i2 = np.arange(n - m + 1, n)  # positions n-m+2..n
        q1 = np.min(m * ps[i2] / np.arange(2, m + 1))
        q[i1] = np.minimum(m * ps[i1], q1)
        q[i2] = q[n - m]
        pa = np.maximum(pa, q)
    adj = np.maximum(pa, ps)
    out = np.empty(n)
    out[o] = adj
    return out


def _rejection_order(names: tuple[str, ...], adj: np.ndarray, rejected: np.ndarray) -> tuple:
    order = np.argsort(adj, kind="stable")
    return tuple(names[i] for i in order if rejected[i])


def adjust_multiplicity(
    p_values: Sequence[float] | np.ndarray,
    method: str = "holm",
    *,
    alpha: float = 0.05,
    hypotheses: Sequence[str] | None = None,
) -> MultiplicityResult:
    """Adjusted p-values and rejections by Bonferroni, Holm, Hochberg, Hommel or fixed sequence.

    Parameters
    ----------
    p_values
        Unadjusted p-values, one per hypothesis; for ``"fixed-sequence"`` in testing order.
    method
        One of :data:`METHODS`.
    alpha
        Family-wise error rate.
    hypotheses
        Names (default ``H1, H2, ...``).

    Returns
    -------
    MultiplicityResult

    Raises
    ------
    PlanError
        An unknown method, a p-value outside [0, 1], or names that do not match the p-values.

    Validated against: R ``p.adjust`` and statsmodels ``multipletests``
    (tests/reference/multiplicity); fixed sequence against graphicalMCP's fixed-sequence graph.
    """
    key = MULTIPLICITY_METHODS.canonical(method)
    if key is None or key not in METHODS:
        raise PlanError(
            f"unknown multiplicity method '{method}'; choose one of {', '.join(METHODS)}"
        )
    p = _check_p(p_values)
    _check_alpha(alpha)
    names = _names(p.size, hypotheses)
    if key == "fixed-sequence":
        return graphical_test(
            p, _fixed_sequence_graph(p.size), alpha=alpha, hypotheses=names, method="fixed-sequence"
        )
    adj = {
        "bonferroni": lambda x: np.minimum(1.0, x.size * x),
        "holm": _holm,
        "hochberg": _hochberg,
        "hommel": _hommel,
    }[key](p)
    rejected = np.round(adj, _DECIMALS) <= alpha
    table = pd.DataFrame(
        {"hypothesis": list(names), "p_value": p, "adjusted_p": adj, "rejected": rejected}
    )
    return MultiplicityResult(key, alpha, _rejection_order(names, adj, rejected), table)


def _fixed_sequence_graph(m: int) -> tuple[np.ndarray, np.ndarray]:
    w = np.zeros(m)
    w[0] = 1.0
    g = np.zeros((m, m))
    g[np.arange(m - 1), np.arange(1, m)] = 1.0
    return w, g


def check_graph(weights: np.ndarray, transitions: np.ndarray) -> None:
    """Raise :class:`PlanError` with the first broken graph rule (one sentence)."""
    problems = graph_problems(weights, transitions)
    if problems:
        raise PlanError(problems[0])


def graphical_test(
    p_values: Sequence[float] | np.ndarray,
    graph: tuple[Sequence[float], Sequence[Sequence[float]]] | Graph,
    *,
    alpha: float = 0.05,
    hypotheses: Sequence[str] | None = None,
    method: str = "graphical",
) -> MultiplicityResult:
    """Sequentially rejective weighted-Bonferroni graphical test (Bretz et al. 2009).

    Parameters
    ----------
    p_values
        Unadjusted p-values, one per hypothesis.
    graph
        ``(weights, transitions)`` or a :class:`Graph`: initial weights (non-negative,
        summing to at most 1) and the transition matrix (entries in [0, 1], zero diagonal,
        rows summing to at most 1).
    alpha
        Family-wise error rate.
    hypotheses
        Names (default: the graph's names, else ``H1, H2, ...``).

    Returns
    -------
    MultiplicityResult
        With ``graph`` (initial) and ``final_graph`` (after the rejections).

    Validated against: graphicalMCP 0.2.5 ``graph_test_shortcut`` (tests/reference/multiplicity).
    """
    p = _check_p(p_values)
    _check_alpha(alpha)
    if isinstance(graph, Graph):
        w, g = graph.weights, graph.transitions
        if hypotheses is None:
            hypotheses = graph.hypotheses
    else:
        w, g = (np.asarray(x, dtype=float) for x in graph)
    check_graph(w, g)
    if w.size != p.size:
        raise PlanError(f"the graph has {w.size} hypotheses but {p.size} p-values were given")
    names = _names(p.size, hypotheses)
    initial = Graph(names, w, g)
    state = initial
    remaining = np.ones(p.size, dtype=bool)
    adj = np.zeros(p.size)
    running = 0.0
    order: list[int] = []
    for _ in range(p.size):
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(state.weights > 0, p / state.weights, np.inf)
        ratio[~remaining] = np.inf
        j = int(np.argmin(ratio))  # first in a tie, as graphicalMCP
        running = max(running, float(ratio[j]))
        adj[j] = min(running, 1.0)
        order.append(j)
        remaining[j] = False
        state = state.remove(j)
    rejected = np.round(adj, _DECIMALS) <= alpha
    sequence = tuple(names[j] for j in order if rejected[j])
    final = initial
    for j in order:
        if rejected[j]:
            final = final.remove(j)
    table = pd.DataFrame(
        {"hypothesis": list(names), "p_value": p, "adjusted_p": adj, "rejected": rejected}
    )
    return MultiplicityResult(method, alpha, sequence, table, initial, final)
