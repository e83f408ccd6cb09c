"""The CONSORT diagram: SVG text holds the flow's counts, PNG is valid, nothing overflows."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.text import Annotation

from trialkit.data.read import read_trial
from trialkit.models.accounting import SampleAccounting
from trialkit.plan.schema import Enrolment
from trialkit.report.consort_diagram import RC, consort_figure, draw_consort
from trialkit.summaries import summarize_consort

ROOT = Path(__file__).parent.parent
DBT, SC = "DBT + standard care", "Standard care"


@pytest.fixture(scope="module")
def flow():
    trial = read_trial(None, ROOT / "sample_data" / "dbt_long.toml")
    # A model that used 43 + 44 subjects and excluded one per arm (constructed accounting).
    excluded = pd.DataFrame(
        {"subject": ["P900", "P901"], "arm": [SC, DBT], "reason": ["No post-baseline outcome"] * 2}
    )
    acc = SampleAccounting({SC: 43, DBT: 44}, {SC: 120, DBT: 118}, excluded)
    return summarize_consort(trial, {"MMRM (DERS)": acc})


def _svg_lines(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    return [el.text.strip() for el in root.iter("{http://www.w3.org/2000/svg}text") if el.text]


def test_svg_and_png_hold_the_counts(flow, tmp_path):
    d = draw_consort(flow, svg=tmp_path / "c.svg", png=tmp_path / "c.png", dpi=100)
    lines = _svg_lines(d.svg)
    for expected in (
        "Enrolment",
        "Assessed for eligibility (n = 264)",
        "Excluded (n = 175)",
        "- Did not meet inclusion criteria (n = 121)",
        "Randomised (n = 89)",
        "Allocation",
        "Allocated to Standard care alone (n = 44)",
        "Allocated to Online DBT + standard care (n = 45)",
        "- Received allocated intervention (n = 42)",
        "- Did not receive allocated intervention (n = 3)",
        "Follow-up",
        "Lost to follow-up (n = 7)",
        "primary outcome at Week 21:",
        "Week 9: assessed (n = 40); not assessed (n = 4)",
        "Week 9: assessed (n = 39); not assessed (n = 6)",
        "Week 21: assessed (n = 37); not assessed (n = 7)",
        "Week 21: assessed (n = 35); not assessed (n = 10)",
        "Discontinued intervention (n = 6)",
        "Analysis",
        "Analysed (n = 43)",
        "primary outcome, MMRM (DERS)",
        "Analysed (n = 44)",
    ):
        assert expected in lines, expected
    data = d.png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])  # IHDR
    # the canvas in pixels: size x dpi, to the pixel (matplotlib drops a half pixel)
    assert abs(width - d.width_in * 100) < 1 and abs(height - d.height_in * 100) < 1
    assert d.boxes["randomised"] == "Randomised (n = 89)"


def _assert_fits(flow) -> None:
    """Every text lies inside its own box, and no two boxes overlap (measured by the renderer)."""
    with plt.rc_context(RC):
        fig, _ = consort_figure(flow)
        try:
            fig.canvas.draw()
            renderer = fig.canvas.get_renderer()
            ax = fig.axes[0]
            texts = [t for t in ax.texts if not isinstance(t, Annotation)]  # arrows are annotations
            assert len(ax.patches) == len(texts)
            for patch, text in zip(ax.patches, texts, strict=True):
                box = patch.get_window_extent(renderer)
                ext = text.get_window_extent(renderer)
                assert box.x0 <= ext.x0 and ext.x1 <= box.x1, text.get_text()
                assert box.y0 <= ext.y0 and ext.y1 <= box.y1, text.get_text()
            boxes = [p.get_window_extent(renderer) for p in ax.patches]
            for i, a in enumerate(boxes):
                for b in boxes[i + 1 :]:
                    assert not a.overlaps(b)
        finally:
            plt.close(fig)


def test_every_text_fits_inside_its_box(flow):
    _assert_fits(flow)


def test_long_reasons_wrap_inside_their_box():
    trial = read_trial(None, ROOT / "tests/reference/summaries/handmade.toml")
    reason = "Lived too far from the study centre to attend the weekly group video sessions " * 3
    plan = replace(trial.plan, enrolment=Enrolment(excluded=((reason, 12), ("Declined", 3))))
    flow = summarize_consort(replace(trial, plan=plan))
    _assert_fits(flow)
    fig, boxes = consort_figure(flow)
    plt.close(fig)
    assert boxes["excluded"].startswith("Excluded (n = 15)")


def test_without_enrolment_counts(tmp_path):
    trial = read_trial(None, ROOT / "tests/reference/summaries/handmade.toml")
    trial = replace(trial, plan=replace(trial.plan, enrolment=Enrolment()))
    d = draw_consort(summarize_consort(trial), svg=tmp_path / "h.svg")
    assert "enrolment" not in d.boxes and "excluded" not in d.boxes
    lines = _svg_lines(d.svg)
    assert "Randomised (n = 10)" in lines
    assert "Analysed: no fitted model given" in lines
    assert d.png is None
