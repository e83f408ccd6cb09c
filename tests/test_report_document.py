"""The report document model and its builder: typed cells, formatting rules, CONSORT 2025
wording, labels instead of internal codes, indentation, notes naming every covariate, and
the terminal renderer at 80 columns (wide tables split, numbers never truncated).

Numbers in the document are copies of the result frames' numbers (validated against R in
test_mmrm_*.py / test_ancova*.py); these tests check that the document carries them
unchanged and formats them by the rules of trialkit.report.format.
"""

from __future__ import annotations

import dataclasses
import io
import math

import pytest
from rich.console import Console

from trialkit.analysis import TrialAnalysis
from trialkit.report.build import build_document
from trialkit.report.csv_tables import results_frame
from trialkit.report.document import (
    Column,
    Count,
    Estimate,
    Label,
    MeanSpread,
    Number,
    PValue,
    Table,
    Tree,
    cell_text,
    display_text,
)
from trialkit.report.notes import footnotes
from trialkit.report.terminal import TerminalRenderer, column_blocks


def test_cells_format_by_the_report_rules() -> None:
    assert cell_text(Number(1.23456, 2)) == "1.23"
    assert cell_text(Number(float("nan"))) == "-"
    assert cell_text(Estimate(-5.0234, -9.2111, -0.8333, 2)) == "-5.02 (-9.21 to -0.83)"
    assert cell_text(Estimate(1.0, None, None, 1)) == "1.0"
    assert cell_text(MeanSpread(52.71, 12.66, 1)) == "52.7 (12.7)"
    assert cell_text(PValue(0.0004)) == "<0.001"
    assert cell_text(PValue(0.0194)) == "0.019"
    assert cell_text(Count(None)) == "-"
    assert display_text(Label("p", indent=2, marks=("a",))) == "    p a"


def test_cells_are_frozen_and_rows_must_fit_columns() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Number(1.0).value = 2.0  # type: ignore[misc]
    with pytest.raises(ValueError, match="2 cells for 1 columns"):
        Table("t", (Column("a"),), ((Label("x"), Label("y")),))


def test_visit_table_carries_the_result_frame_numbers(sample_analysis: TrialAnalysis) -> None:
    doc = build_document(sample_analysis)
    r = results_frame(sample_analysis)
    row = r[(r["outcome"] == "ders") & (r["visit"] == "9")].iloc[0]
    table = next(t for s, t in doc.tables() if t.title.endswith("DERS-18, 18-90): Week 9"))
    mmrm = next(x for x in table.rows if x[0] == Label("MMRM LS mean (SE)"))
    est = mmrm[3]
    assert isinstance(est, Estimate)
    assert (est.value, est.lower, est.upper) == (row["estimate"], row["ci_lower"], row["ci_upper"])
    assert cell_text(est) == "-5.02 (-9.21 to -0.83)"
    # the arm headers carry the randomised N
    assert table.columns[1].header == "Standard care alone\n(N = 44)"


def test_sub_rows_are_indented_labels(sample_analysis: TrialAnalysis) -> None:
    doc = build_document(sample_analysis)
    table = next(t for s, t in doc.tables() if t.title.endswith("DERS-18, 18-90): Week 9"))
    labels = [row[0] for row in table.rows]
    assert Label("p", indent=1) in labels and Label("Cohen's d", indent=1) in labels
    base = doc.section("baseline").blocks[0]
    assert Label("median [IQR]", indent=1) in [row[0] for row in base.rows]


def test_labels_replace_internal_codes(sample_analysis: TrialAnalysis) -> None:
    doc = build_document(sample_analysis)
    attrition = doc.section("attrition")
    texts = {
        display_text(c)
        for b in attrition.blocks
        if isinstance(b, Table)
        for row in b.rows
        for c in row
    }
    assert {"Not assessed", "Withdrew", "Week 9", "Week 21", "Monotone"} <= texts
    assert not {"not_assessed", "withdrawal", "9", "21", "monotone"} & texts


def test_consort_2025_wording(sample_analysis: TrialAnalysis) -> None:
    tree = next(
        b for b in build_document(sample_analysis).section("consort").blocks if isinstance(b, Tree)
    )
    lines = [n.label.text for _, n in tree.root.walk()]
    flow = sample_analysis.consort
    control = flow.arms[0]
    last = control.followup[-1]
    assert (
        f"Lost to follow-up for the primary outcome at Week 21 (n = {last.not_assessed})" in lines
    )
    primary = control.analysis[0]
    assert any(
        x.startswith(f"Analysed for the primary outcome (n = {primary.analysed})") for x in lines
    )
    assert f"Excluded from analysis (n = {primary.excluded})" in lines
    assert "Assessed for eligibility (n = 264)" in lines


def test_notes_name_every_ancova_covariate(sample_analysis: TrialAnalysis) -> None:
    notes = footnotes(sample_analysis)
    assert any("ANCOVA at each visit of the visit's value on arm and baseline" in n for n in notes)
    settings = {**sample_analysis.settings, "covariates": ["baseline", "age", "gender"]}
    more = dataclasses.replace(sample_analysis, settings=settings)
    notes = footnotes(more)
    assert any("on arm, baseline, age and gender (complete cases" in n for n in notes)


def _terminal(doc, width: int) -> str:  # type: ignore[no-untyped-def]
    console = Console(record=True, width=width, file=io.StringIO())
    TerminalRenderer().render(doc, console)
    return console.export_text()


def test_terminal_at_80_columns_never_truncates_numbers(sample_analysis: TrialAnalysis) -> None:
    doc = build_document(sample_analysis)
    text = _terminal(doc, 80)
    assert "…" not in text
    assert max(len(line.rstrip()) for line in text.splitlines()) <= 80
    for _, table in doc.tables():
        for row in table.rows:
            for cell in row:
                if not isinstance(cell, Label):
                    for part in cell_text(cell).split("\n"):
                        assert part in text, f"{part!r} of '{table.title}' missing at 80 columns"
    assert "(part 1 of 2)" in text  # the wide tables were split, not squeezed


def test_column_blocks_repeat_the_label_column() -> None:
    cols = (
        Column("Outcome"),
        *[Column(f"Visit {i} difference (95% CI)", "right") for i in range(4)],
    )
    row = (Label("x"), *[Estimate(-10.123, -20.456, -1.789, 3)] * 4)
    blocks = column_blocks(Table("wide", cols, (row,)), 80)
    assert len(blocks) > 1 and all(b[0] == 0 for b in blocks)
    assert sorted({i for b in blocks for i in b}) == list(range(5))


def test_document_numbers_are_finite_or_dash(sample_analysis: TrialAnalysis) -> None:
    doc = build_document(sample_analysis)
    for _, table in doc.tables():
        for row in table.rows:
            for cell in row:
                if (
                    isinstance(cell, Number)
                    and cell.value is not None
                    and not math.isnan(cell.value)
                ):
                    assert cell_text(cell) != "-"
