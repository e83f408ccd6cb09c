"""Trial-report figures (matplotlib): LS-mean trajectories, a forest plot of standardised
differences, and the CONSORT diagram; written as PNG and SVG, or returned as inline SVG text.

* Trajectories: one panel per outcome; per arm (one line each, distinguishable colours and
  markers) the observed baseline mean (open marker) and the
  MMRM LS means with their confidence intervals at each post-baseline visit, on the plan's
  week scale (visits equally spaced when the plan gives no weeks).
* Forest plot: one panel per post-baseline visit; per outcome (and comparison, with more
  than two arms) Cohen's d with its confidence interval, primary outcome on top; filled
  markers where the MMRM p-value is below alpha.

Figures only draw numbers from the models' tidy frames and the observed summaries; nothing
here computes a statistic. SVG keeps text as text and is deterministic (fixed hash salt, no date).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from trialkit.analysis import TrialAnalysis  # noqa: E402
from trialkit.core.outputs import check_not_inputs  # noqa: E402
from trialkit.report.arms import comparison_names, report_arms  # noqa: E402
from trialkit.report.build_multiplicity import has_graph  # noqa: E402
from trialkit.report.consort_diagram import RC as CONSORT_RC  # noqa: E402
from trialkit.report.consort_diagram import consort_figure  # noqa: E402
from trialkit.report.estimand_figures import estimand_figure  # noqa: E402
from trialkit.report.multiplicity_figure import multiplicity_graph_figure  # noqa: E402

# CONSORT_RC turns mathtext off, so labels from the data are drawn as typed.
RC = {**CONSORT_RC, "svg.hashsalt": "trialkit", "font.size": 9}
#: (colour, marker) per arm in model order: the two-arm colours first, then further
#: colour-blind-safe colours (seaborn "deep") with distinct markers.
ARM_PALETTE = (
    ("#4c72b0", "o"),
    ("#dd8452", "s"),
    ("#55a868", "^"),
    ("#c44e52", "D"),
    ("#8172b3", "v"),
    ("#937860", "P"),
    ("#da8bc3", "X"),
    ("#8c8c8c", "h"),
)
PANEL_COLUMNS = 3


def _overlap(boxes: list) -> bool:  # type: ignore[type-arg]
    return any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def _x_label_boxes(ax: Axes, renderer) -> list:  # type: ignore[no-untyped-def, type-arg]
    return [t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_text()]


def _laid_out(fig: Figure):  # type: ignore[no-untyped-def]
    """Lay ``fig`` out without rasterising it (text positions and sizes as when drawn)."""
    fig.draw_without_rendering()
    return fig.canvas.get_renderer()


def tidy_ticks(fig: Figure) -> Figure:
    """x tick labels that would collide are wrapped (a word per line), else turned vertical;
    figure-level text is wrapped to the canvas; the layout is redone afterwards.

    The figure is laid out (not rendered) once to find the colliding axes, and once more only
    when some axis's labels were wrapped, to check them.
    """
    rect = getattr(fig, "_trialkit_rect", None)
    renderer = _laid_out(fig)
    wrapped = []
    for ax in fig.axes:
        if not ax.get_visible() or not _overlap(_x_label_boxes(ax, renderer)):
            continue
        ticks = ax.get_xticks()
        texts = [t.get_text() for t in ax.get_xticklabels()]
        ax.set_xticks(ticks, [t.replace(" ", "\n") for t in texts])
        wrapped.append((ax, ticks, texts))
    if wrapped:
        renderer = _laid_out(fig)
        for ax, ticks, texts in wrapped:
            if _overlap(_x_label_boxes(ax, renderer)):
                ax.set_xticks(ticks, texts)
                ax.tick_params(axis="x", labelrotation=90)
    for t in fig.texts:
        t.set_wrap(True)
    fig.tight_layout(rect=rect)
    return fig


def _weeks(analysis: TrialAnalysis) -> dict[str, float]:
    v = analysis.trial.plan.visits
    weeks = v.weeks if v.weeks else tuple(float(i) for i in range(len(v.order)))
    return dict(zip(v.order, weeks, strict=False))


def arm_styles(n: int) -> list[tuple[str, str]]:
    """(colour, marker) of each of ``n`` arms: the control and the first other arm keep the
    two-arm colours; more arms take further colour-blind-safe colours and markers."""
    return [ARM_PALETTE[i % len(ARM_PALETTE)] for i in range(n)]


def trajectory_figure(analysis: TrialAnalysis) -> Figure:
    """LS means by arm with CIs for every outcome, starting from the observed baseline mean
    (one line per arm)."""
    plan = analysis.trial.plan
    weeks = _weeks(analysis)
    arms = report_arms(analysis.trial)
    styles = arm_styles(len(arms))
    n = len(analysis.outcomes)
    ncol = min(PANEL_COLUMNS, n)
    nrow = int(np.ceil(n / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.6 * ncol, 2.7 * nrow + 0.5), squeeze=False)
    span = max(weeks.values()) - min(weeks.values()) or 1.0
    visits = list(plan.visits.order)
    x = np.array([weeks[v] for v in visits], float)
    base = np.array([v == plan.visits.baseline for v in visits])
    for ax, oa in zip(axes.flat, analysis.outcomes, strict=False):
        obs = oa.observed.assign(arm=oa.observed["arm"].astype(str)).set_index(["arm", "visit"])
        lsm = _arm_visit(oa.mmrm.lsmeans if oa.mmrm is not None else None)
        for k, (arm, (color, marker)) in enumerate(zip(arms, styles, strict=True)):
            xs = x + (k - (len(arms) - 1) / 2) * 0.012 * span
            y = np.array(
                [
                    obs["mean"].get((arm.value, v), np.nan)
                    if b
                    else lsm["estimate"].get((arm.value, v), np.nan)
                    for v, b in zip(visits, base, strict=True)
                ],
                float,
            )
            lo = np.array([lsm["ci_lower"].get((arm.value, v), np.nan) for v in visits], float)
            hi = np.array([lsm["ci_upper"].get((arm.value, v), np.nan) for v in visits], float)
            ax.plot(xs, y, color=color, lw=1.2, label=arm.label)
            ax.errorbar(
                xs[~base],
                y[~base],
                yerr=[y[~base] - lo[~base], hi[~base] - y[~base]],
                fmt=marker,
                color=color,
                ms=4,
                capsize=2.5,
                lw=1,
            )
            ax.plot(xs[base], y[base], marker, mfc="white", color=color, ms=4)
        ax.set_title(oa.outcome.label, fontsize=8.5, loc="left", wrap=True)
        ax.set_xticks(sorted(weeks.values()))
        ax.set_xticklabels([plan.visits.label(v) for v in plan.visits.order], fontsize=7.5)
        ax.tick_params(axis="y", labelsize=7.5)
        ax.grid(axis="y", color="#e5e5e5", lw=0.6)
        ax.spines[["top", "right"]].set_visible(False)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    handles, names = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="upper center", ncol=min(len(arms), 4), frameon=False)
    fig.text(
        0.01,
        0.005,
        "Open markers: observed baseline mean. Filled: MMRM LS mean with "
        f"{100 * (1 - plan.analysis.alpha):g}% CI.",
        fontsize=7.5,
        color="#444444",
    )
    top = 0.95 if len(arms) <= 4 else 0.91
    fig._trialkit_rect = (0, 0.03, 1, top)  # type: ignore[attr-defined]
    fig.tight_layout(rect=fig._trialkit_rect)  # type: ignore[attr-defined]
    return fig


def _arm_visit(frame: pd.DataFrame | None) -> pd.DataFrame:
    """A model frame indexed by (arm, visit) as text (empty without a model)."""
    if frame is None:
        return pd.DataFrame(columns=["estimate", "ci_lower", "ci_upper"])
    keyed = frame.assign(arm=frame["arm"].astype(str), visit=frame["visit"].astype(str))
    return keyed.set_index(["arm", "visit"])


def _forest_rows(analysis: TrialAnalysis) -> list[tuple[str, str, str]]:
    """(outcome, comparison key, row label) top to bottom: outcomes in order, and within an
    outcome its comparisons (the label names the comparison when there are several)."""
    arms = report_arms(analysis.trial)
    out = []
    for oa in analysis.outcomes:
        name = oa.outcome.label + ("" if oa.outcome.lower_is_better else " (higher = better)")
        names = comparison_names(oa.mmrm, arms)
        for key, shown in names.items():
            out.append((oa.name, key, f"{name}: {shown}" if len(names) > 1 else name))
    return out


def forest_figure(analysis: TrialAnalysis) -> Figure:
    """Cohen's d with CI, one panel per post-baseline visit and one row per outcome x
    comparison (per outcome in a two-arm trial)."""
    plan = analysis.trial.plan
    arms = report_arms(analysis.trial)
    visits = list(plan.visits.post_baseline)
    rows_spec = _forest_rows(analysis)
    frames = []
    for oa in analysis.outcomes:
        m = oa.mmrm
        if m is None or m.effect_sizes is None:
            continue
        es = m.effect_sizes
        diffs = m.differences[["comparison", "visit", "p_value"]]
        es = es.drop(columns="p_value").merge(diffs, on=["comparison", "visit"])
        frames.append(es.assign(outcome=oa.name))
    cols = ["outcome", "comparison", "visit", "estimate", "ci_lower", "ci_upper", "p_value"]
    effects = pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)
    effects["visit"] = effects["visit"].astype(str)
    effects = effects.set_index(["outcome", "comparison", "visit"])
    n = len(rows_spec)
    several = len(arms) > 2
    fig, axes = plt.subplots(
        1,
        len(visits),
        figsize=(4.2 + 1.6 * several + 2.6 * len(visits), 0.42 * n + 1.4),
        sharey=True,
        squeeze=False,
    )
    ypos = np.arange(n)[::-1]
    lim = np.nanmax(np.abs(effects[["ci_lower", "ci_upper"]].to_numpy(float)), initial=0.5)
    for ax, v, vlabel in zip(axes[0], visits, _visit_labels(analysis, visits), strict=True):
        rows = effects.reindex([(o, c, v) for o, c, _ in rows_spec])
        d = rows["estimate"].to_numpy(float)
        sig = rows["p_value"].to_numpy(float) < plan.analysis.alpha
        ax.axvline(0, color="#777777", lw=0.8)
        ax.hlines(ypos, rows["ci_lower"], rows["ci_upper"], color="#333333", lw=1.2)
        ax.plot(d[sig], ypos[sig], "D", color="#333333", ms=5)
        ax.plot(d[~sig], ypos[~sig], "D", mfc="white", color="#333333", ms=5)
        ax.set_xlim(-1.1 * lim, 1.1 * lim)
        ax.set_title(str(vlabel), fontsize=9)
        ax.tick_params(axis="y", length=0)
        what = "first arm - second arm" if several else "treatment - control"
        ax.set_xlabel(f"Cohen's d ({what})", fontsize=8)
        ax.grid(axis="x", color="#eeeeee", lw=0.6)
        ax.spines[["top", "right", "left"]].set_visible(False)
    axes[0][0].set_yticks(ypos)
    axes[0][0].set_yticklabels([label for *_, label in rows_spec], fontsize=8)
    fig.text(
        0.01,
        0.01,
        f"Filled: p < {plan.analysis.alpha:g}. Lines: {100 * (1 - plan.analysis.alpha):g}% CI.",
        fontsize=7.5,
        color="#444444",
    )
    fig._trialkit_rect = (0, 0.04, 1, 1)  # type: ignore[attr-defined]
    fig.tight_layout(rect=fig._trialkit_rect)  # type: ignore[attr-defined]
    return fig


def _visit_labels(analysis: TrialAnalysis, visits: list[str]) -> list[str]:
    return [analysis.trial.plan.visits.label(x) for x in visits]


def _consort(analysis: TrialAnalysis) -> Figure:
    return consort_figure(analysis.consort)[0]


def _multiplicity(analysis: TrialAnalysis) -> Figure | None:
    if not has_graph(analysis):
        return None
    return multiplicity_graph_figure(analysis.multiplicity.result)  # type: ignore[union-attr]


def _tidy(
    make: Callable[[TrialAnalysis], Figure | None],
) -> Callable[[TrialAnalysis], Figure | None]:
    def tidy(analysis: TrialAnalysis) -> Figure | None:
        fig = make(analysis)
        return None if fig is None else tidy_ticks(fig)

    return tidy


# The figures by key (their titles and captions are the document's, report/build.py).
FIGURES: dict[str, Callable[[TrialAnalysis], Figure | None]] = {
    "trajectories": _tidy(trajectory_figure),
    "forest": _tidy(forest_figure),
    "consort": _consort,
    "estimands": _tidy(estimand_figure),
    "multiplicity": _multiplicity,
}


class DrawnFigures:
    """The report's figures of one analysis, each drawn once (under the report's rc settings)
    on first use and kept open until :meth:`close`, so one run renders them to SVG for the
    HTML report, PNG for the Word report and PNG + SVG files without drawing them again.

    Rendering a kept figure gives the same bytes as rendering a freshly drawn one
    (tests/test_report_figures_once.py).
    """

    def __init__(self, analysis: TrialAnalysis) -> None:
        self.analysis = analysis
        self._figures: dict[str, Figure] | None = None

    def __enter__(self) -> DrawnFigures:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def figures(self) -> dict[str, Figure]:
        """Each figure by name (drawn on the first call)."""
        if self._figures is None:
            self._figures = {}
            with plt.rc_context(RC):
                try:
                    for name, make in FIGURES.items():
                        fig = make(self.analysis)
                        if fig is not None:
                            self._figures[name] = fig
                except BaseException:
                    self.close()
                    raise
        return self._figures

    def close(self) -> None:
        """Close the drawn figures (they are drawn again if asked for afterwards)."""
        for fig in (self._figures or {}).values():
            plt.close(fig)
        self._figures = None

    def _rendered(self, ext: str, dpi: float | None = None, **kw: object) -> dict[str, bytes]:
        out = {}
        meta = {"Date": None} if ext == "svg" else {"Software": None}
        with plt.rc_context(RC):
            for name, fig in self.figures().items():
                buf = io.BytesIO()
                fig.savefig(buf, format=ext, dpi=dpi, metadata=meta, **kw)  # type: ignore[arg-type]
                out[name] = buf.getvalue()
        return out

    def svg(self) -> dict[str, str]:
        """Every figure as inline SVG markup (``<svg ...>...</svg>``), by name."""
        out = {}
        for name, data in self._rendered("svg").items():
            text = data.decode("utf-8")
            out[name] = text[text.index("<svg") :]
        return out

    def png(self, dpi: int = 300) -> dict[str, bytes]:
        """Every figure as PNG bytes at ``dpi`` (the DOCX report embeds these), by name."""
        return self._rendered("png", dpi, facecolor="white")

    def write(
        self, directory: str | Path, dpi: int = 150, inputs: Sequence[Path] = ()
    ) -> list[Path]:
        """Write every figure to ``directory/<name>.png`` and ``.svg``; return the paths.

        Nothing is written if one of those files would be one of ``inputs``.
        """
        folder = Path(directory)
        names = [folder / f"{name}.{ext}" for name in FIGURES for ext in ("png", "svg")]
        check_not_inputs("figures", names, inputs)
        rendered = {ext: self._rendered(ext, dpi, facecolor="white") for ext in ("png", "svg")}
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for name in self.figures():
            for ext in ("png", "svg"):
                path = folder / f"{name}.{ext}"
                path.write_bytes(rendered[ext][name])
                paths.append(path)
        return paths


def svg_figures(analysis: TrialAnalysis) -> dict[str, str]:
    """Every figure as inline SVG markup (``<svg ...>...</svg>``), by name."""
    with DrawnFigures(analysis) as drawn:
        return drawn.svg()


def write_figures(
    analysis: TrialAnalysis, directory: str | Path, dpi: int = 150, inputs: Sequence[Path] = ()
) -> list[Path]:
    """Write every figure to ``directory/<name>.png`` and ``.svg``; return the paths.

    Nothing is written if one of those files would be one of ``inputs``.
    """
    with DrawnFigures(analysis) as drawn:
        return drawn.write(directory, dpi, inputs)


def png_figures(analysis: TrialAnalysis, dpi: int = 300) -> dict[str, bytes]:
    """Every figure as PNG bytes at ``dpi`` (the DOCX report embeds these), by name."""
    with DrawnFigures(analysis) as drawn:
        return drawn.png(dpi)
