"""Report polish, each tried as a new user would: figure tick labels that do not collide,
captions inside the canvas, legends outside the data; sub-rows indented in HTML and
Markdown; the HTML print stylesheet and dark-mode palette, checked in headless Chromium with
screenshots (and a printed PDF read back with poppler's pdftotext and pdftoppm)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from external_tools import BROWSER_ENV, require_program  # noqa: E402
from PIL import Image, ImageStat  # noqa: E402
from test_report_html import chromium  # noqa: E402  (the browser policy: skip or fail)

from trialkit.analysis import TrialAnalysis  # noqa: E402
from trialkit.report.build import build_document  # noqa: E402
from trialkit.report.figures import FIGURES, RC, tidy_ticks  # noqa: E402
from trialkit.report.html import HtmlRenderer  # noqa: E402
from trialkit.report.markdown import MarkdownRenderer  # noqa: E402


def test_colliding_tick_labels_are_rotated_or_wrapped() -> None:
    fig, ax = plt.subplots(figsize=(2.5, 2))
    ax.set_xticks([0, 1, 2, 3])
    ax.set_xticklabels(["Baseline visit", "Week 1 visit", "Week 2 visit", "Week 3 visit"])
    r = fig.canvas.get_renderer()
    before = [t.get_window_extent(r) for t in ax.get_xticklabels()]
    assert any(a.overlaps(b) for a, b in zip(before, before[1:], strict=False))
    tidy_ticks(fig)
    after = [t.get_window_extent(r) for t in ax.get_xticklabels()]
    assert not any(a.overlaps(b) for i, a in enumerate(after) for b in after[i + 1 :])
    plt.close(fig)


@pytest.mark.parametrize("name", ["trajectories", "forest"])
def test_figure_text_inside_canvas_and_legend_outside_data(
    sample_analysis: TrialAnalysis, name: str
) -> None:
    with plt.rc_context(RC):
        fig = FIGURES[name](sample_analysis)
        assert fig is not None
        r = fig.canvas.get_renderer()
        canvas = fig.bbox
        texts = list(fig.texts)
        for ax in fig.axes:
            if ax.get_visible():
                lo, hi = sorted(ax.get_xlim())
                shown = [t for t in ax.get_xticklabels() if lo <= t.get_position()[0] <= hi]
                texts += [ax.title, *shown, *ax.get_yticklabels(), ax.xaxis.label]
        for t in texts:
            if t.get_text() and t.get_visible():
                b = t.get_window_extent(r)
                assert canvas.x0 - 1 <= b.x0 and b.x1 <= canvas.x1 + 1, t.get_text()
                assert canvas.y0 - 1 <= b.y0 and b.y1 <= canvas.y1 + 1, t.get_text()
        for ax in fig.axes:
            ticks = [t.get_window_extent(r) for t in ax.get_xticklabels() if t.get_text()]
            assert not any(a.overlaps(b) for i, a in enumerate(ticks) for b in ticks[i + 1 :])
        for legend in fig.legends:
            lb = legend.get_window_extent(r)
            for ax in fig.axes:
                if ax.get_visible():
                    assert not lb.overlaps(ax.get_window_extent(r)), "legend over the data"
        plt.close(fig)


def test_sub_rows_indented_in_html_and_markdown(sample_analysis: TrialAnalysis) -> None:
    doc = build_document(sample_analysis)
    html = HtmlRenderer({}).render(doc)
    assert '<td class="i1">p</td>' in html and '<td class="i1">Cohen&#x27;s d</td>' in html
    assert "td.i1 { padding-left: 1.6em; }" in html
    md = MarkdownRenderer().render(doc)
    assert "| &nbsp;&nbsp;p |  |  | 0.019 |" in md


def _browser(page: Path, tmp: Path, *args: str) -> None:
    cmd = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        f"--user-data-dir={tmp / 'profile'}",
        *args,
        page.resolve().as_uri(),
    ]
    subprocess.run(cmd, capture_output=True, timeout=180, check=True)


@pytest.fixture(scope="module")
def page(sample_analysis: TrialAnalysis, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("polish") / "report.html"
    out.write_text(HtmlRenderer({}).render(build_document(sample_analysis)), "utf-8")
    return out


def _mean_grey(png: Path) -> float:
    with Image.open(png) as im:
        return float(ImageStat.Stat(im.convert("L")).mean[0])


def test_dark_mode_palette_in_chromium(page: Path, tmp_path: Path) -> None:
    """Screenshots: light scheme on a white page, dark scheme on a dark page, text readable
    (a wide spread of grey levels) in both."""
    light, dark = tmp_path / "light.png", tmp_path / "dark.png"
    _browser(page, tmp_path, f"--screenshot={light}", "--window-size=1200,900")
    _browser(
        page,
        tmp_path,
        f"--screenshot={dark}",
        "--window-size=1200,900",
        "--force-dark-mode",
        "--blink-settings=preferredColorScheme=0",
    )
    assert _mean_grey(light) > 200 and _mean_grey(dark) < 80
    for png in (light, dark):
        with Image.open(png) as im:
            lo, hi = im.convert("L").getextrema()
            assert hi - lo > 150, f"{png.name}: too little contrast"


def test_print_stylesheet_in_chromium(page: Path, tmp_path: Path) -> None:
    """Print to PDF: landscape pages, no navigation, each section on its own page (page 1
    holds only the title and the header table); the text read back with pdftotext."""
    pdf = tmp_path / "report.pdf"
    _browser(page, tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    poppler = ("pdftotext", "pdftoppm")
    pdftotext, pdftoppm = (
        require_program((name,), name, "poppler-utils", BROWSER_ENV) for name in poppler
    )
    first = tmp_path / "page1.txt"
    subprocess.run(
        [pdftotext, "-f", "1", "-l", "1", "-layout", str(pdf), str(first)], check=True, timeout=120
    )
    text = first.read_text(errors="replace")
    assert "Online DBT for chronic pain" in text and "Randomised" in text
    assert "Baseline characteristics" not in text  # nav hidden; sections start new pages
    png = tmp_path / "page1.png"
    subprocess.run(
        [
            pdftoppm,
            "-png",
            "-r",
            "40",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(png)[:-4],
        ],
        check=True,
        timeout=120,
    )
    with Image.open(png) as im:
        assert im.width > im.height  # A4 landscape
    assert _mean_grey(png) > 200  # black on white in print
