"""Rendering of meta-analysis results: RevMan number formats, Table 2 layout, files, figures.

Formats follow RevMan 5 as printed in Table 2 of Abbass et al. (2022) (P = 0.006, 0.0002,
0.03); numbers inside the files come from trialkit.meta, which test_meta_metafor.py checks
against R metafor.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trialkit.meta.workflow import run_meta
from trialkit.report.build_meta import meta_document
from trialkit.report.document_files import write_document
from trialkit.report.meta_figures import write_figures
from trialkit.report.meta_files import (
    SCHEMA_VERSION,
    fmt_p,
    run_to_dict,
    table2_rows,
)

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "sample_data" / "meta_example" / "stroke_units_normand1999.csv"


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (0.006, "0.006"),
        (0.0002, "0.0002"),
        (0.03, "0.03"),
        (0.0009, "0.0009"),
        (0.08, "0.08"),
        (0.00004, "< 0.0001"),
        (1e-9, "< 0.00001"),
        (float("nan"), "NA"),
    ],
)
def test_revman_p_value_format(p, text):
    assert fmt_p(p) == text


def test_table2_layout_with_subgroups_and_sensitivity():
    run = run_meta(EXAMPLE, preset="revman5", subgroup="setting", flag_outliers=True)
    rows = table2_rows(run)
    assert rows[0] == {"comparison": "All studies", "level": 0, "header": True}
    names = [r["comparison"] for r in rows]
    assert names[1:4] == ["Other trials", "Orpington trial (severity strata)", "Total"]
    assert names[4].startswith("Test for subgroup differences: Chi² = ")
    assert names[5].startswith("without ")
    item = run.items[0]
    assert rows[3]["estimate"] == item.result.estimate
    assert rows[5]["k"] == item.sensitivity.k < 9


def test_small_files_and_text_escaping(tmp_path):
    data = pd.read_csv(EXAMPLE).iloc[:2].assign(study=["A | first", "B"])
    path = tmp_path / "two.csv"
    data.to_csv(path, index=False)
    run = run_meta(path, measure="MD", method="DL")
    item = run.items[0]
    assert item.influence is None and item.egger == ()
    md = write_document(meta_document(run), "markdown", tmp_path / "two.md").read_text()
    assert "A \\| first" in md
    one = tmp_path / "one.csv"
    data.iloc[:1].to_csv(one, index=False)
    run1 = run_meta(one, measure="MD", method="DL")
    payload = json.loads(
        write_document(meta_document(run1), "json", tmp_path / "one.json").read_text()
    )
    assert payload["schema_version"] == SCHEMA_VERSION
    assert payload["analyses"][0]["result"]["i2"] is None  # NaN becomes null
    paths = write_figures(run1, tmp_path / "figs")
    assert len(paths) == 4 and all(p.stat().st_size > 0 for p in paths)


def test_csv_rows_and_json_round_trip(tmp_path):
    run = run_meta(EXAMPLE, measure="SMD", method="REML", hksj=True, subgroup="setting")
    table = pd.read_csv(write_document(meta_document(run), "csv", tmp_path / "m.csv"))
    for col in ("estimate", "std_error", "df", "ci_lower", "ci_upper", "p_value", "weight"):
        assert col in table.columns
    pooled = table[table["row_type"] == "pooled"].iloc[0]
    res = run.items[0].result
    np.testing.assert_allclose(
        pooled[["estimate", "ci_lower", "ci_upper"]].astype(float),
        [res.estimate, res.ci_lower, res.ci_upper],
        rtol=1e-12,
    )
    assert pooled["df"] == 8
    studies = table[table["row_type"] == "study"]
    np.testing.assert_allclose(studies["weight"].sum(), 100.0, rtol=1e-12)
    d = run_to_dict(run)
    assert json.loads(json.dumps(d))["analyses"][0]["result"]["k"] == 9
    assert d["options"] == {
        "measure": "SMD",
        "method": "REML",
        "hksj": True,
        "smd_variance": "metafor",
        "preset": None,
        "preset_description": "",
        "prepost_r": 0.5,
    }


def test_table2_nests_outcomes_under_comparisons(tmp_path):
    """A file shaped like the ISTDP paper's Table 2: comparison x outcome."""
    gen = pd.read_csv(ROOT / "tests" / "reference" / "metafor" / "data" / "bangertdrowns2004.csv")
    parts = []
    for i, (comparison, outcome) in enumerate(
        [
            ("Pre to < 3 months", "Pain"),
            ("Pre to < 3 months", "Depression"),
            ("ISTDP versus CBT", "Pain"),
        ]
    ):
        parts.append(gen.iloc[5 * i : 5 * i + 5].assign(comparison=comparison, outcome=outcome))
    path = tmp_path / "table2.csv"
    pd.concat(parts).to_csv(path, index=False)
    run = run_meta(path, measure="generic", preset="revman5")
    rows = table2_rows(run)
    assert [(r["comparison"], r["level"]) for r in rows] == [
        ("Pre to < 3 months", 0),
        ("Pain", 1),
        ("Depression", 1),
        ("ISTDP versus CBT", 0),
        ("Pain", 1),
    ]
    assert all(r["k"] == 5 for r in rows if not r.get("header"))
