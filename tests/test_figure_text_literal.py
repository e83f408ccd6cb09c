"""Data strings with '$' are drawn as typed in every figure (no matplotlib mathtext)."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from trialkit.meta.workflow import run_meta
from trialkit.report.meta_figures import write_figures


def test_meta_figures_draw_dollar_study_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # text as <text> elements, so the drawn string can be read back (mathtext would split it)
    monkeypatch.setitem(matplotlib.rcParams, "svg.fonttype", "none")
    studies = pd.DataFrame(
        {
            "study": ["Cost $5 to $9 trial", "Cost $9 trial", "Plain"],
            "n1": [20, 25, 30],
            "m1": [1.0, 1.5, 0.8],
            "sd1": [1.0, 1.2, 0.9],
            "n2": [20, 24, 31],
            "m2": [0.5, 1.1, 0.7],
            "sd2": [1.1, 1.0, 1.0],
        }
    )
    path = tmp_path / "s.csv"
    studies.to_csv(path, index=False)
    paths = write_figures(run_meta(path, measure="MD"), tmp_path / "fig")
    svg = next(p for p in paths if p.name.startswith("forest") and p.suffix == ".svg")
    text = svg.read_text()
    assert ">Cost $5 to $9 trial<" in text
