"""Estimand figure: each estimator's difference with its CI, and the tipping-point curve.

One row of panels per estimand. Left: the main and sensitivity estimates (treatment -
control) at each of the estimand's visits, main estimator on top, a dashed line at zero.
Right (when a tipping point was asked for): the difference and its CI against delta, the
tipping point marked. Nothing here computes a statistic.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from trialkit.analysis import TrialAnalysis
from trialkit.analysis.estimands import EstimandResult

COLOURS = ("#222222", "#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3")


def _first(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of the first comparison (the figure shows one; the tables show all)."""
    if "comparison" not in frame.columns or frame.empty:
        return frame
    return frame[frame["comparison"] == frame["comparison"].iloc[0]]


def _forest(ax: Axes, result: EstimandResult, visit_label) -> None:  # type: ignore[no-untyped-def]
    rows = [r for r in result.estimators if r.error is None]
    visits = list(result.spec.visits)
    height = len(visits)
    label = "treatment - control"
    for i, r in enumerate(rows):
        d = _first(r.differences)
        if len(result.arms) > 2 and not d.empty:
            label = str(d["comparison"].iloc[0])
        d = d.set_index("visit")
        for j, v in enumerate(visits):
            if v not in d.index:
                continue
            y = (len(rows) - 1 - i) * (height + 1) + (height - 1 - j)
            est, lo, hi = d.loc[v, ["estimate", "ci_lower", "ci_upper"]].to_numpy(float)
            colour = COLOURS[i % len(COLOURS)]
            ax.errorbar(
                est, y, xerr=[[est - lo], [hi - est]], fmt="o", color=colour, ms=4, capsize=2
            )
            ax.annotate(
                visit_label(v),
                (hi, y),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=7,
                color="#555",
            )
    ticks = [(len(rows) - 1 - i) * (height + 1) + (height - 1) / 2 for i in range(len(rows))]
    ax.set_yticks(ticks, [r.spec.name for r in rows])
    ax.axvline(0, color="#888", lw=0.8, ls="--")
    ax.set_xlabel(f"Difference ({label})")
    ax.set_title(result.spec.name, loc="left", fontsize=9)


def _tipping(ax: Axes, result: EstimandResult, alpha: float) -> None:
    for r in result.estimators:
        if r.tipping is None:
            continue
        t = _first(r.tipping)
        x = t["delta"].to_numpy(float)
        ax.fill_between(
            x,
            t["ci_lower"].to_numpy(float),
            t["ci_upper"].to_numpy(float),
            color="#4c72b0",
            alpha=0.2,
            lw=0,
        )
        ax.plot(x, t["estimate"].to_numpy(float), color="#4c72b0")
        for tp in r.tipping_points:  # the first comparison's
            ax.axvline(tp, color="#c44e52", lw=1)
            ax.annotate(
                f"tipping point {tp:.2f}",
                (tp, ax.get_ylim()[1]),
                xytext=(3, -10),
                textcoords="offset points",
                fontsize=7,
                color="#c44e52",
            )
        ax.axhline(0, color="#888", lw=0.8, ls="--")
        ax.set_xlabel("Delta added to imputed treatment-arm values")
        ax.set_ylabel("Difference")
        ax.set_title(f"{r.spec.name} (CI {100 * (1 - alpha):g}%)", loc="left", fontsize=9)
        return


def estimand_figure(analysis: TrialAnalysis) -> Figure | None:
    """The estimand panels, or None when the plan defines no estimand."""
    results = analysis.estimands
    if not results:
        return None
    plan = analysis.trial.plan
    with_tp = [any(r.tipping is not None for r in e.estimators) for e in results]
    ncol = 2 if any(with_tp) else 1
    n_est = max(len(e.estimators) for e in results)
    n_vis = max(len(e.spec.visits) for e in results)
    fig, axes = plt.subplots(
        len(results),
        ncol,
        figsize=(5.2 * ncol, (1.0 + 0.45 * n_est * n_vis) * len(results)),
        squeeze=False,
        layout="constrained",
    )
    for row, (e, tp) in enumerate(zip(results, with_tp, strict=True)):
        _forest(axes[row, 0], e, plan.visits.label)
        if ncol == 2:
            if tp:
                _tipping(axes[row, 1], e, plan.analysis.alpha)
            else:
                axes[row, 1].set_axis_off()
    return fig
