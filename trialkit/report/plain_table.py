"""Terminal tables that stay fast at thousands of rows.

rich lays a :class:`rich.table.Table` out cell by cell (measuring, wrapping, padding every
cell as a renderable): about 0.7 s of CPU for a 1,000 x 5 table. A table with more rows than
:data:`RICH_ROW_LIMIT` is therefore drawn here as one block of text with the same box
characters, column alignment and bold rows, every cell in full (nothing is wrapped or cut;
a table wider than the console runs past its edge instead of wrapping). Smaller tables stay
rich tables.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.console import Console, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

__all__ = ["RICH_ROW_LIMIT", "boxed_table", "print_table"]

RICH_ROW_LIMIT = 200


def boxed_table(
    title: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[str]],
    bold_rows: frozenset[int] = frozenset(),
) -> RenderableType:
    """A table of plain-text cells: a rich table up to :data:`RICH_ROW_LIMIT` rows, else text.

    Parameters
    ----------
    title
        Plain text printed above the table.
    columns
        ``(header, justify)`` per column, ``justify`` ``"left"`` or ``"right"``.
    rows
        Plain-text cells (never interpreted as markup).
    bold_rows
        Indices of rows printed bold (such as a total row).
    """
    if len(rows) <= RICH_ROW_LIMIT:
        t = Table(title=escape(title), title_justify="left")
        for header, justify in columns:
            t.add_column(escape(header), justify=justify)  # type: ignore[arg-type]
        for i, row in enumerate(rows):
            t.add_row(*(Text(c) for c in row), style="bold" if i in bold_rows else None)
        return t
    return _text_table(title, columns, rows, bold_rows)


def _text_table(
    title: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[str]],
    bold_rows: frozenset[int],
) -> Text:
    """The table drawn with rich's default box (``HEAVY_HEAD``) as one :class:`Text`."""
    widths = [cell_len(h) for h, _ in columns]
    for row in rows:
        for j, cell in enumerate(row):
            n = cell_len(cell)
            if n > widths[j]:
                widths[j] = n

    def line(cells: Sequence[str], edge: str, sep: str) -> str:
        parts = []
        for cell, w, (_, justify) in zip(cells, widths, columns, strict=True):
            pad = " " * (w - cell_len(cell))
            parts.append(f" {pad}{cell} " if justify == "right" else f" {cell}{pad} ")
        return edge + sep.join(parts) + edge

    def rule(left: str, fill: str, mid: str, right: str) -> str:
        return left + mid.join(fill * (w + 2) for w in widths) + right

    out = Text(title + "\n", style="italic")
    out.append(rule("┏", "━", "┳", "┓") + "\n")
    out.append(line([h for h, _ in columns], "┃", "┃") + "\n", style="bold")
    out.append(rule("┡", "━", "╇", "┩") + "\n")
    for i, row in enumerate(rows):
        out.append(line(row, "│", "│") + "\n", style="bold" if i in bold_rows else "")
    out.append(rule("└", "─", "┴", "┘"))
    return out


def print_table(console: Console, table: RenderableType) -> None:
    """Print a :func:`boxed_table`; a text table is never wrapped at the console's width."""
    console.print(table, soft_wrap=isinstance(table, Text))
