"""Large terminal tables are drawn as boxed text with every cell in full (report/terminal,
used by the document's terminal renderer for tables of more than RICH_ROW_LIMIT rows).

The cells are made up here (no statistics); the check is that the text table carries exactly
the cells it was given, aligned as asked, with the bold rows bold, and that small tables stay
rich tables.
"""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table as RichTable

from trialkit.report.document import Column, Label, Table
from trialkit.report.terminal import (
    RICH_ROW_LIMIT,
    BoxedText,
    PlainTable,
    block_renderables,
    print_blocks,
)

COLUMNS = [("Study", "left"), ("Estimate [95% CI]", "left"), ("Weight", "right")]


def _rows(n: int) -> list[list[str]]:
    return [[f"Study {i:04d} [x]", f"0.{i:03d} [-0.10, 1.25]", f"{i / 10:.1f}%"] for i in range(n)]


def _document_table(title: str, rows: list[list[str]], bold: int | None = None) -> Table:
    return Table(
        title,
        tuple(Column(h, a) for h, a in COLUMNS),  # type: ignore[arg-type]
        tuple(
            tuple(Label(c, emphasis="bold" if i == bold else None) for c in row)
            for i, row in enumerate(rows)
        ),
    )


def _printed(table: Table, width: int = 60) -> str:
    buf = io.StringIO()
    print_blocks([table], Console(file=buf, width=width, color_system=None))
    return buf.getvalue()


def test_small_tables_stay_rich_tables():
    # a table that fits is drawn as rich draws it: by rich, or as the same characters by
    # PlainTable on a console without styles (tests/test_report_terminal_plain.py)
    (r,) = block_renderables(_document_table("t", _rows(RICH_ROW_LIMIT)), 120)
    assert isinstance(r, PlainTable)
    assert isinstance(r.rich_table(), RichTable)


def test_large_table_is_text_with_every_cell_in_full():
    rows = _rows(RICH_ROW_LIMIT + 1)
    doc_table = _document_table("All studies", rows, bold=3)
    (table,) = block_renderables(doc_table, 30)
    assert isinstance(table, BoxedText)
    lines = _printed(doc_table, width=30).splitlines()  # narrower than the table: never wrapped
    assert lines[0] == "All studies"
    assert [c.strip() for c in lines[2].split("┃")[1:-1]] == [h for h, _ in COLUMNS]
    assert len({len(line) for line in lines[1:]}) == 1  # every line of the box as wide
    body = lines[4:-1]
    assert len(body) == len(rows)
    for line, row in zip(body, rows, strict=True):
        cells = line.split("│")
        assert cells[0] == cells[-1] == ""
        assert [c.strip() for c in cells[1:-1]] == row  # "[x]" printed, not read as markup
        assert cells[3].endswith(f"{row[2]} ")  # right-aligned
        assert cells[1].startswith(f" {row[0]}")  # left-aligned
    assert lines[-1].startswith("└") and lines[-1].endswith("┘")
    bold = [s for s in table.spans if "bold" in str(s.style)]
    bold_text = {table.plain[s.start : s.end].strip() for s in bold}
    assert any(rows[3][0] in t for t in bold_text)
    assert not any(rows[4][0] in t for t in bold_text)
