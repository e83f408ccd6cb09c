"""``trialkit analyze --html --docx --figures-dir`` draws each figure once: the drawn
figures are kept for the run (:class:`trialkit.report.figures.DrawnFigures`) and rendered to
SVG (HTML), PNG at 300 dpi (Word) and PNG + SVG files, byte for byte what drawing each figure
afresh for every output gives."""

from __future__ import annotations

import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
from conftest import CliResult

from trialkit.analysis import TrialAnalysis
from trialkit.report import figures
from trialkit.report.build import build_document
from trialkit.report.html import HtmlRenderer

DRAWN = list(figures.FIGURES)  # every figure function is called (multiplicity: no graph)


@pytest.fixture
def draws(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often each figure is drawn (the drawing functions wrapped to count)."""
    counts: Counter[str] = Counter()
    for name, make in list(figures.FIGURES.items()):

        def counted(analysis: TrialAnalysis, name: str = name, make=make):  # type: ignore[no-untyped-def]
            counts[name] += 1
            return make(analysis)

        monkeypatch.setitem(figures.FIGURES, name, counted)
    return counts


def test_analyze_draws_each_figure_once_for_every_output(
    cli: Callable[..., CliResult],
    draws: Counter[str],
    sample_analysis: TrialAnalysis,
    tmp_path: Path,
) -> None:
    open_before = set(plt.get_fignums())
    html, docx, folder = tmp_path / "r.html", tmp_path / "r.docx", tmp_path / "figs"
    result = cli("analyze", "--html", html, "--docx", docx, "--figures-dir", folder)
    assert result.exit_code == 0, result.output
    assert dict(draws) == {name: 1 for name in DRAWN}
    assert set(plt.get_fignums()) == open_before  # the kept figures are closed afterwards

    # The same bytes as each figure drawn afresh for each output (the earlier behaviour).
    draws.clear()
    fresh_svg = figures.svg_figures(sample_analysis)
    expected = HtmlRenderer(fresh_svg).render(build_document(sample_analysis))
    assert html.read_text("utf-8") == expected
    with zipfile.ZipFile(docx) as z:
        media = sorted(z.read(n) for n in z.namelist() if n.startswith("word/media/"))
    assert media == sorted(figures.png_figures(sample_analysis).values())
    fresh = figures.write_figures(sample_analysis, tmp_path / "fresh")
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in fresh)
    for path in fresh:
        assert (folder / path.name).read_bytes() == path.read_bytes(), path.name
    assert dict(draws) == {name: 3 for name in DRAWN}  # the three helpers draw afresh


def test_terminal_report_draws_no_figure(
    cli: Callable[..., CliResult], draws: Counter[str], tmp_path: Path
) -> None:
    result = cli("analyze", "--json", tmp_path / "r.json")
    assert result.exit_code == 0, result.output
    assert not draws


def test_kept_figures_are_drawn_again_after_close(sample_analysis: TrialAnalysis) -> None:
    drawn = figures.DrawnFigures(sample_analysis)
    first = drawn.figures()
    assert drawn.figures() is first
    drawn.close()
    assert not any(plt.fignum_exists(f.number) for f in first.values())
    again = drawn.figures()
    assert again is not first and set(again) == set(first)
    drawn.close()
