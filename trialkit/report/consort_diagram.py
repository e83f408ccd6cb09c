"""CONSORT 2025 flow diagram (box and arrow) as SVG and PNG, drawn with matplotlib.

Boxes and wording follow the CONSORT 2025 flow diagram (Hopewell S, Chan A-W, Collins GS,
et al. CONSORT 2025 statement. BMJ 2025;389:e081123, Figure 1; items 22a-b,
https://www.consort-spirit.org/item-22a-randomized): enrolment, allocation, follow-up and
analysis; loss to follow-up and the number analysed are stated for the primary outcome (at
the last visit, with reasons), each box with its reasons.

Layout, top to bottom: the Enrolment banner; "Assessed for eligibility" with the
"Excluded" box to its side; "Randomised"; the Allocation banner and one allocation box per
arm (control left, then the other arms in model order; one column per arm); Follow-up;
Analysis, each a box per arm. Box heights follow their text,
so nothing is clipped; text is wrapped to the box width. SVG keeps text as text
(``svg.fonttype = "none"``), so the counts can be searched in the file.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import FancyBboxPatch  # noqa: E402

from trialkit.summaries.consort import ArmFlow, ConsortFlow  # noqa: E402

FONT_PT = 8.5
LINE_IN = FONT_PT * 1.32 / 72.0
CHAR_IN = FONT_PT * 0.56 / 72.0  # generous average glyph width for DejaVu Sans
PAD_IN = 0.09
MARGIN_IN = 0.3
COL_W_IN = 3.5
NARROW_COL_W_IN = 2.8  # per arm when there are more than three arms
GAP_IN = 0.5
BANNER_H_IN = 0.28
ROW_GAP_IN = 0.3
BANNER_COLOR = "#cfe2f3"
NBSP_COUNT = "(n\u00a0=\u00a0"
# text.parse_math off: data strings are drawn as typed ("$" does not start mathtext)
RC = {"svg.fonttype": "none", "font.family": "DejaVu Sans", "text.parse_math": False}


@dataclass(frozen=True)
class ConsortDiagram:
    """The diagram's box texts (by box key) and the files written."""

    boxes: dict[str, str]
    width_in: float
    height_in: float
    svg: Path | None = None
    png: Path | None = None


def _reason_lines(reasons: tuple[tuple[str, int], ...], indent: str = "   - ") -> list[str]:
    return [f"{indent}{r} (n = {n})" for r, n in reasons]


def _allocation_text(a: ArmFlow) -> str:
    lines = [f"Allocated to {a.label} (n = {a.allocated})"]
    if a.received is not None:
        lines.append(f"- Received allocated intervention (n = {a.received})")
        lines.append(f"- Did not receive allocated intervention (n = {a.not_received})")
        lines += _reason_lines(a.not_received_reasons)
    return "\n".join(lines)


def _followup_text(a: ArmFlow) -> str:
    lines = []
    if a.followup:
        last = a.followup[-1]
        lines.append(f"Lost to follow-up (n = {last.not_assessed})")
        lines.append(f"   primary outcome at {last.label}:")
        lines += _reason_lines(last.reasons)
    for v in a.followup:
        lines.append(f"{v.label}: assessed (n = {v.assessed}); not assessed (n = {v.not_assessed})")
        lines += _reason_lines(v.reasons)
    if a.discontinued is not None:
        lines.append(f"Discontinued intervention (n = {a.discontinued})")
        lines += _reason_lines(a.discontinued_reasons)
    return "\n".join(lines)


def _analysis_text(a: ArmFlow) -> str:
    if not a.analysis:
        return "Analysed: no fitted model given"
    lines = []
    for i, m in enumerate(a.analysis):
        if i == 0:
            lines.append(f"Analysed (n = {m.analysed})")
            lines.append(f"   primary outcome, {m.model}")
        else:
            lines.append(f"{m.model}: analysed (n = {m.analysed})")
        lines.append(f"- Excluded from analysis (n = {m.excluded})")
        lines += _reason_lines(m.reasons)
    return "\n".join(lines)


def consort_box_texts(flow: ConsortFlow) -> dict[str, str]:
    """The text of every box, keyed ``enrolment, excluded, randomised`` and
    ``allocation|follow_up|analysis_<role>`` per arm (:func:`arm_roles`: ``control``,
    ``treatment``, then ``arm3``, ``arm4``, ...)."""
    e = flow.enrolment
    boxes: dict[str, str] = {}
    if e.assessed is not None:
        boxes["enrolment"] = f"Assessed for eligibility (n = {e.assessed})"
    if e.excluded is not None:
        boxes["excluded"] = "\n".join(
            [f"Excluded (n = {e.excluded})"] + _reason_lines(e.excluded_reasons, "- ")
        )
    boxes["randomised"] = f"Randomised (n = {e.randomised})"
    for role, a in zip(arm_roles(len(flow.arms)), flow.arms, strict=True):
        boxes[f"allocation_{role}"] = _allocation_text(a)
        boxes[f"follow_up_{role}"] = _followup_text(a)
        boxes[f"analysis_{role}"] = _analysis_text(a)
    return boxes


def arm_roles(n: int) -> tuple[str, ...]:
    """Box-key role of each of ``n`` arms: ``control``, ``treatment``, ``arm3``, ..."""
    return ("control", "treatment", *(f"arm{i + 1}" for i in range(2, n)))


def _wrap(text: str, width_in: float) -> str:
    chars = max(10, int((width_in - 2 * PAD_IN) / CHAR_IN))
    out = []
    for line in text.split("\n"):
        indent = " " * (len(line) - len(line.lstrip(" -")))
        glued = line.replace("(n = ", NBSP_COUNT)  # never break inside "(n = 12)"
        out += textwrap.wrap(glued, chars, subsequent_indent=indent + "  ") or [""]
    return "\n".join(out).replace(NBSP_COUNT, "(n = ")


def _height(text: str) -> float:
    return text.count("\n") * LINE_IN + LINE_IN + 2 * PAD_IN


class _Canvas:
    """Boxes laid out in inches from the top; drawn once the height is known."""

    def __init__(self, width: float) -> None:
        self.width = width
        self.items: list[tuple[str, tuple[float, ...], str]] = []

    def box(self, x: float, y: float, w: float, h: float, text: str) -> None:
        self.items.append(("box", (x, y, w, h), text))

    def banner(self, y: float, text: str) -> None:
        self.items.append(("banner", (MARGIN_IN, y, self.width - 2 * MARGIN_IN, BANNER_H_IN), text))

    def line(self, x0: float, y0: float, x1: float, y1: float, arrow: bool = True) -> None:
        self.items.append(("arrow" if arrow else "line", (x0, y0, x1, y1), ""))

    def draw(self, ax: Axes, height: float) -> None:
        for kind, geom, text in self.items:
            if kind in ("box", "banner"):
                x, y, w, h = geom
                face = BANNER_COLOR if kind == "banner" else "white"
                ax.add_patch(
                    FancyBboxPatch(
                        (x, height - y - h), w, h,
                        boxstyle="round,pad=0,rounding_size=0.05",
                        facecolor=face, edgecolor="#333333", linewidth=0.8,
                    )
                )  # fmt: skip
                if kind == "banner":
                    ax.text(x + w / 2, height - y - h / 2, text, ha="center", va="center",
                            fontsize=FONT_PT + 0.5, fontweight="bold")  # fmt: skip
                else:
                    ax.text(x + PAD_IN, height - y - PAD_IN, text, ha="left", va="top",
                            fontsize=FONT_PT, linespacing=1.32)  # fmt: skip
            else:
                x0, y0, x1, y1 = geom
                style = "-|>" if kind == "arrow" else "-"
                ax.annotate(
                    "", xy=(x1, height - y1), xytext=(x0, height - y0),
                    arrowprops={"arrowstyle": style, "color": "#333333", "lw": 0.9,
                                "shrinkA": 0, "shrinkB": 0, "mutation_scale": 9},
                )  # fmt: skip


def _layout(flow: ConsortFlow) -> tuple[_Canvas, float, dict[str, str]]:
    boxes = consort_box_texts(flow)
    roles = arm_roles(len(flow.arms))
    col_w = COL_W_IN if len(roles) <= 3 else NARROW_COL_W_IN
    width = 2 * MARGIN_IN + len(roles) * col_w + (len(roles) - 1) * GAP_IN
    mid = width / 2
    cv = _Canvas(width)
    y = MARGIN_IN
    cv.banner(y, "Enrolment")
    y += BANNER_H_IN + ROW_GAP_IN
    center_w = 2.6
    top_line = y - ROW_GAP_IN
    if "enrolment" in boxes:
        t = _wrap(boxes["enrolment"], center_w)
        h = _height(t)
        cv.box(mid - center_w / 2, y, center_w, h, t)
        top_line = y + h
        y += h + ROW_GAP_IN
    if "excluded" in boxes:
        side_x = mid + 0.35
        side_w = width - MARGIN_IN - side_x
        t = _wrap(boxes["excluded"], side_w)
        h = _height(t)
        cv.box(side_x, y, side_w, h, t)
        cv.line(mid, y + h / 2, side_x, y + h / 2)
        y += h + ROW_GAP_IN
    if "enrolment" in boxes or "excluded" in boxes:
        cv.line(mid, top_line, mid, y)
    t = _wrap(boxes["randomised"], center_w)
    h = _height(t)
    cv.box(mid - center_w / 2, y, center_w, h, t)
    y += h
    xs = tuple(MARGIN_IN + i * (col_w + GAP_IN) for i in range(len(roles)))
    centers = tuple(x + col_w / 2 for x in xs)
    fork = y + ROW_GAP_IN / 2
    cv.line(mid, y, mid, fork, arrow=False)
    cv.line(centers[0], fork, centers[-1], fork, arrow=False)
    y += ROW_GAP_IN
    previous_bottom = tuple(fork for _ in roles)
    for stage, title in (
        ("allocation", "Allocation"),
        ("follow_up", "Follow-up"),
        ("analysis", "Analysis"),
    ):
        for c, yb in zip(centers, previous_bottom, strict=True):
            cv.line(c, yb, c, y + BANNER_H_IN + ROW_GAP_IN)
        cv.banner(y, title)
        y += BANNER_H_IN + ROW_GAP_IN
        texts = [_wrap(boxes[f"{stage}_{role}"], col_w) for role in roles]
        h = max(_height(t) for t in texts)
        for x, t in zip(xs, texts, strict=True):
            cv.box(x, y, col_w, h, t)
        y += h
        previous_bottom = tuple(y for _ in roles)
        y += ROW_GAP_IN
    return cv, y - ROW_GAP_IN + MARGIN_IN, boxes


def consort_figure(flow: ConsortFlow) -> tuple[Figure, dict[str, str]]:
    """The diagram as a matplotlib Figure (caller closes it) and the box texts.

    Each box or banner adds one patch and then one text to the axes, in that order.
    """
    canvas, height, boxes = _layout(flow)
    fig = plt.figure(figsize=(canvas.width, height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, canvas.width)
    ax.set_ylim(0, height)
    ax.axis("off")
    canvas.draw(ax, height)
    return fig, boxes


def draw_consort(
    flow: ConsortFlow, svg: str | Path | None = None, png: str | Path | None = None, dpi: int = 200
) -> ConsortDiagram:
    """Draw the CONSORT diagram and write it to ``svg`` and/or ``png``.

    Returns
    -------
    ConsortDiagram
        Box texts (unwrapped) and the size in inches, with the paths written.
    """
    svg_path = Path(svg) if svg is not None else None
    png_path = Path(png) if png is not None else None
    with plt.rc_context(RC):
        fig, boxes = consort_figure(flow)
        width, height = (float(v) for v in fig.get_size_inches())
        try:
            if svg_path is not None:
                fig.savefig(svg_path, format="svg")
            if png_path is not None:
                fig.savefig(png_path, format="png", dpi=dpi, facecolor="white")
        finally:
            plt.close(fig)
    return ConsortDiagram(boxes, width, height, svg_path, png_path)
