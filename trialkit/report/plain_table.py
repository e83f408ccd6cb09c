"""Terminal tables that stay fast at thousands of rows.

rich lays a :class:`rich.table.Table` out cell by cell (measuring, wrapping, padding every
cell as a renderable): about 0.7 s of CPU for a 1,000 x 5 table. A table with more rows than
:data:`RICH_ROW_LIMIT` is therefore drawn here as one block of text with the same box
characters, column alignment and bold rows, every cell in full (nothing is wrapped or cut;
a table wider than the console runs past its edge instead of wrapping). Smaller tables stay
rich tables (:func:`trialkit.report.terminal.block_renderables` decides).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text

__all__ = ["RICH_ROW_LIMIT", "BoxedText", "text_table"]

RICH_ROW_LIMIT = 200


class BoxedText(Text):
    """A table drawn as text: printed with ``soft_wrap=True`` so that it is never wrapped."""


def text_table(
    title: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[str]],
    bold_rows: frozenset[int],
) -> BoxedText:
    """The table drawn with rich's default box (``HEAVY_HEAD``) as one text block: every
    cell in full, ``columns`` as ``(header, justify)``, ``bold_rows`` printed bold."""
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

    out = BoxedText(title + "\n", style="italic")
    out.append(rule("┏", "━", "┳", "┓") + "\n")
    out.append(line([h for h, _ in columns], "┃", "┃") + "\n", style="bold")
    out.append(rule("┡", "━", "╇", "┩") + "\n")
    for i, row in enumerate(rows):
        out.append(line(row, "│", "│") + "\n", style="bold" if i in bold_rows else "")
    out.append(rule("└", "─", "┴", "┘"))
    return out
