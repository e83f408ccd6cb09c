"""Draw a graphical multiple test procedure (Bretz et al. 2009) with matplotlib.

Each hypothesis is a node labelled with its name and initial weight (and, when a test result
is given, its p-value and adjusted p-value); each non-zero transition is an arrow labelled
with its weight. Rejected hypotheses are filled grey with a "rejected" mark. Nothing here
computes a statistic: the numbers come from :class:`~trialkit.inference.multiplicity.Graph`
and :class:`~trialkit.inference.multiplicity.MultiplicityResult`.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Circle, FancyArrowPatch  # noqa: E402

from trialkit.inference.multiplicity import Graph, MultiplicityResult  # noqa: E402
from trialkit.report.consort_diagram import RC  # noqa: E402

RADIUS = 0.16
OPEN, DONE = "#dbe8f6", "#bdbdbd"


def _layout(names: tuple[str, ...]) -> dict[str, tuple[float, float]]:
    """Two rows when there are four or more hypotheses (first half on top), else one row."""
    m = len(names)
    if m < 4:
        return {n: (1.6 * i, 0.0) for i, n in enumerate(names)}
    top = (m + 1) // 2
    pos = {n: (1.6 * i, 1.4) for i, n in enumerate(names[:top])}
    pos.update({n: (1.6 * i, 0.0) for i, n in enumerate(names[top:])})
    return pos


def _number(x: float) -> str:
    return f"{x:.4g}"


def multiplicity_graph_figure(
    source: Graph | MultiplicityResult,
    *,
    positions: Mapping[str, tuple[float, float]] | None = None,
    title: str | None = None,
) -> Figure:
    """Figure of the graph; with a test result, the decisions are marked.

    Parameters
    ----------
    source
        A :class:`Graph`, or a result of :func:`trialkit.graphical_test` (or fixed sequence).
    positions
        Node centres by hypothesis name (default: one or two rows in the hypotheses' order).
    """
    result = source if isinstance(source, MultiplicityResult) else None
    graph = result.graph if result is not None else source
    if not isinstance(graph, Graph):
        raise ValueError("this result has no graph to draw (a p-value adjustment only)")
    names = graph.hypotheses
    pos = dict(positions) if positions is not None else _layout(names)
    table = result.table.set_index("hypothesis") if result is not None else None
    xs = np.array([pos[n][0] for n in names])
    ys = np.array([pos[n][1] for n in names])
    with plt.rc_context(RC):
        width = max(3.0, 1.3 * (np.ptp(xs) + 1.6))
        height = max(2.2, 1.3 * (np.ptp(ys) + 1.4))
        fig, ax = plt.subplots(figsize=(width, height))
        for i, name in enumerate(names):
            done = bool(table is not None and table.loc[name, "rejected"])
            ax.add_patch(
                Circle(
                    pos[name],
                    RADIUS,
                    facecolor=DONE if done else OPEN,
                    edgecolor="black",
                    linewidth=1.0,
                    zorder=2,
                )
            )
            ax.text(
                xs[i],
                ys[i] + RADIUS + 0.05,
                name,
                ha="center",
                va="bottom",
                zorder=3,
                fontweight="bold",
            )
            ax.text(xs[i], ys[i], _number(graph.weights[i]), ha="center", va="center", zorder=3)
            if table is not None:
                row = table.loc[name]
                note = f"p = {row['p_value']:.4g}\nadj. p = {row['adjusted_p']:.4g}"
                if done:
                    note += "\nrejected"
                ax.text(xs[i] + RADIUS + 0.06, ys[i], note, ha="left", va="center", fontsize=7)
        g = graph.transitions
        for i, j in zip(*np.nonzero(g), strict=True):
            a, b = np.array(pos[names[i]]), np.array(pos[names[j]])
            rad = 0.25 if g[j, i] > 0 else 0.12
            arrow = FancyArrowPatch(
                tuple(a),
                tuple(b),
                connectionstyle=f"arc3,rad={rad}",
                arrowstyle="-|>",
                mutation_scale=10,
                shrinkA=22,
                shrinkB=22,
                linewidth=0.9,
                color="#333333",
                zorder=1,
            )
            ax.add_patch(arrow)
            mid = (a + b) / 2
            d = b - a
            normal = np.array([d[1], -d[0]]) / (np.hypot(*d) or 1.0)
            label = mid + normal * rad * np.hypot(*d) * 0.55
            ax.text(
                label[0],
                label[1],
                _number(g[i, j]),
                ha="center",
                va="center",
                fontsize=7,
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"},
                zorder=3,
            )
        ax.set_xlim(xs.min() - 0.7, xs.max() + 0.9)
        ax.set_ylim(ys.min() - 0.5, ys.max() + 0.5)
        ax.set_aspect("equal")
        ax.axis("off")
        heading = title
        if heading is None and result is not None:
            heading = f"{result.method} procedure, alpha = {result.alpha:g}"
        if heading:
            ax.set_title(heading, fontsize=9)
        fig.tight_layout()
    return fig
