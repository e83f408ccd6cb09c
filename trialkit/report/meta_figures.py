"""RevMan-style forest plot and funnel plot (matplotlib, PNG and SVG)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy.stats import norm  # noqa: E402

from trialkit.core.outputs import check_not_inputs  # noqa: E402
from trialkit.meta.analysis import MetaAnalysisResult  # noqa: E402
from trialkit.meta.workflow import MetaItem, MetaRun  # noqa: E402
from trialkit.report.meta_files import (  # noqa: E402
    fmt,
    fmt_ci,
    fmt_p,
    heterogeneity_text,
    measure_label,
    model_label,
    overall_text,
)

__all__ = ["forest_plot", "funnel_plot", "write_figures"]


def _diamond(ax, y: float, res: MetaAnalysisResult) -> None:
    xs = [res.ci_lower, res.estimate, res.ci_upper, res.estimate]
    ax.fill(xs, [y, y + 0.3, y, y - 0.3], color="black")


def _pooled_block(ax, text, y: float, label: str, weight: float, r: MetaAnalysisResult) -> float:
    """Diamond, its label, weight and CI, the heterogeneity line and (random effects) the
    prediction interval; returns the next free row."""
    _diamond(ax, y, r)
    text(0.01, y, f"{label} ({round(r.level * 100)}% CI)", weight="bold")
    text(0.40, y, f"{weight:.1f}%", weight="bold")
    text(0.82, y, fmt_ci(r.estimate, r.ci_lower, r.ci_upper), weight="bold")
    y -= 1
    if r.method != "FE" and r.k > 1:
        ax.plot([r.pi_lower, r.pi_upper], [y, y], color="#b22222", lw=1.5)
        text(0.02, y, "Prediction interval", size=7)
        text(0.82, y, f"[{fmt(r.pi_lower)}, {fmt(r.pi_upper)}]", size=7)
        y -= 1
    text(0.01, y, heterogeneity_text(r) + "; " + overall_text(r), size=7)
    return y - 1.2


def forest_plot(item: MetaItem, measure: str) -> plt.Figure:
    """Rows per study (weight, estimate and CI as text; square sized by weight), pooled
    diamond(s) per subgroup and overall with the prediction interval, RevMan's heterogeneity
    and overall-effect lines, and the test for subgroup differences."""
    res = item.result
    blocks: list[tuple[str, MetaAnalysisResult]] = (
        list(item.subgroups.groups) if item.subgroups is not None else [("", res)]
    )
    n_rows = sum(r.k + (5 if name else 4) for name, r in blocks) + (5 if item.subgroups else 0)
    fig = plt.figure(figsize=(11, 1.2 + 0.28 * n_rows))
    ax = fig.add_axes([0.52, 0.06, 0.28, 0.86])
    y = n_rows
    texts: list[tuple[float, float, str, dict]] = []
    pooled = [r for _, r in blocks] + [res]
    lo_all = min(
        float(np.min(res.studies["ci_lower"])), *(min(r.ci_lower, r.pi_lower) for r in pooled)
    )
    hi_all = max(
        float(np.max(res.studies["ci_upper"])), *(max(r.ci_upper, r.pi_upper) for r in pooled)
    )

    def text(x, yy, s, **kw):
        texts.append((x, yy, s, kw))

    weights = res.studies.set_index("study")["weight"]
    text(0.01, y + 0.8, "Study or subgroup", weight="bold")
    text(0.40, y + 0.8, "Weight", weight="bold")
    text(0.82, y + 0.8, f"{measure_label(measure)} {model_label(res)}", weight="bold")
    for name, r in blocks:
        if name:
            text(0.01, y, name, weight="bold")
            y -= 1
        for _, row in r.studies.iterrows():
            w = float(weights.get(row["study"], row["weight"]))
            ax.plot([row["ci_lower"], row["ci_upper"]], [y, y], color="black", lw=0.8)
            ax.plot(row["yi"], y, marker="s", color="#2b5fa8", ms=3 + 9 * np.sqrt(w / 100))
            text(0.02, y, str(row["study"]))
            text(0.40, y, f"{w:.1f}%")
            text(0.82, y, fmt_ci(row["yi"], row["ci_lower"], row["ci_upper"]))
            y -= 1
        sub_w = float(weights[weights.index.isin(r.studies["study"])].sum())
        y = _pooled_block(ax, text, y, f"Subtotal ({name})" if name else "Total", sub_w, r)
    if item.subgroups is not None:
        y = _pooled_block(ax, text, y, "Total", 100.0, res) + 0.2
        sg = item.subgroups
        text(
            0.01,
            y,
            f"Test for subgroup differences: Chi² = {sg.q_between:.2f}, df = {sg.df} "
            f"(P = {fmt_p(sg.p_value)})",
            size=7,
        )
    ax.axvline(0, color="grey", lw=0.8)
    pad = 0.1 * (hi_all - lo_all or 1)
    ax.set_xlim(min(lo_all, 0) - pad, max(hi_all, 0) + pad)
    ax.set_ylim(y - 0.5, n_rows + 1.2)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel(f"Favours treatment  ←  {measure_label(measure)}  →  Favours control", size=8)
    ylim = ax.get_ylim()
    for x, yy, s, kw in texts:
        yf = 0.06 + 0.86 * (yy - ylim[0]) / (ylim[1] - ylim[0])
        fig.text(x, yf, s, va="center", size=kw.pop("size", 8), **kw)
    return fig


def funnel_plot(res: MetaAnalysisResult, measure: str) -> plt.Figure:
    """Effect against standard error (inverted axis) with pseudo 95% limits around the
    pooled estimate, as RevMan draws it."""
    s = res.studies
    se_max = float(s["se"].max()) * 1.1
    fig, ax = plt.subplots(figsize=(6, 5))
    grid = np.linspace(0, se_max, 50)
    z = norm.ppf(0.5 + res.level / 2)
    ax.plot(res.estimate - z * grid, grid, ls="--", color="grey", lw=0.8)
    ax.plot(res.estimate + z * grid, grid, ls="--", color="grey", lw=0.8)
    ax.axvline(res.estimate, color="black", lw=0.8)
    ax.scatter(s["yi"], s["se"], facecolors="none", edgecolors="#2b5fa8")
    ax.set_ylim(se_max, 0)
    ax.set_xlabel(measure_label(measure))
    ax.set_ylabel(f"SE({measure_label(measure)})")
    ax.set_title(f"Funnel plot{' — ' + res.label if res.label else ''}", size=10)
    fig.tight_layout()
    return fig


def _slug(label: str, i: int) -> str:
    base = re.sub(r"[^A-Za-z0-9]+", "_", label).strip("_").lower()
    return base or f"analysis{i + 1}"


EXTS = ("png", "svg")


def write_figures(run: MetaRun, directory: str | Path, inputs: Sequence[Path] = ()) -> list[Path]:
    """Write ``forest_<analysis>.png/.svg`` and ``funnel_<analysis>.png/.svg``; nothing if one
    of them would be one of ``inputs``."""
    directory = Path(directory)
    slugs = [_slug(it.label, i) if len(run.items) > 1 else "meta" for i, it in enumerate(run.items)]
    check_not_inputs(
        "figures",
        [directory / f"{k}_{s}.{e}" for s in slugs for k in ("forest", "funnel") for e in EXTS],
        inputs,
    )
    directory.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for it, slug in zip(run.items, slugs, strict=True):
        # study names are data: draw them as typed ("$" must not start mathtext)
        with plt.rc_context({"text.parse_math": False}):
            figs = (
                ("forest", forest_plot(it, run.measure)),
                ("funnel", funnel_plot(it.result, run.measure)),
            )
        for kind, fig in figs:
            for ext in EXTS:
                p = directory / f"{kind}_{slug}.{ext}"
                fig.savefig(p, dpi=150 if ext == "png" else None, bbox_inches="tight")
                paths.append(p)
            plt.close(fig)
    return paths
