"""The trial report on the terminal: the rich renderer of the report document.

Tables become rich tables, the CONSORT flow a rich tree, paragraphs and notes text lines.
Every data string is wrapped in :class:`rich.text.Text`, so ``"[red]"`` in a label prints
literally. Numbers are never truncated: numeric columns do not wrap, and a table wider than
the console is split into column blocks that each repeat the row labels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.box import HEAVY_HEAD
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.segment import Segment
from rich.table import Table as RichTable
from rich.text import Text
from rich.tree import Tree as RichTree

from trialkit.report.document import (
    Block,
    Cell,
    Document,
    Figure,
    Note,
    Paragraph,
    Table,
    Tree,
    TreeNode,
    display_text,
)

STYLES = {
    "bold": "bold",
    "dim": "dim",
    "flag": "red",
    "warn": "yellow",
    "ok": "green",
    "heading": "bold cyan",
    None: "",
}
WRAP_WIDTH = 20  # text columns may wrap down to this width; numbers never wrap
CELL_PAD = 3  # rich's default: one space either side plus the border


# Tables that stay fast at thousands of rows. rich lays a table out cell by cell (measuring,
# wrapping, padding every cell as a renderable): about 0.7 s of CPU for a 1,000 x 5 table. A
# table with more rows than RICH_ROW_LIMIT is therefore drawn as one block of text with the
# same box characters, column alignment and bold rows, every cell in full (nothing is wrapped
# or cut; a table wider than the console runs past its edge). Smaller tables stay rich tables.
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


def _style(emphasis: str | None) -> str:
    return STYLES.get(emphasis, "")


def cell_renderable(cell: Cell) -> Text:
    """A cell as rich text, indented two spaces per level, with its style."""
    return Text(display_text(cell), style=_style(cell.emphasis))


def column_blocks(table: Table, width: int) -> list[list[int]]:
    """Column indices per printed block: all columns when they fit in ``width`` (or when
    every column is text, which wraps), else blocks that each start with the first (label)
    column."""
    need = [
        (w if c.align == "right" else min(w, WRAP_WIDTH)) + CELL_PAD
        for w, c in zip(table.char_widths(), table.columns, strict=True)
    ]
    all_text = all(c.align != "right" for c in table.columns)  # no number to protect: wrap
    if sum(need) + 1 <= width or len(need) <= 2 or all_text:
        return [list(range(len(need)))]
    blocks: list[list[int]] = []
    current = [0]
    used = need[0] + 1
    for i in range(1, len(need)):
        if used + need[i] > width and len(current) > 1:
            blocks.append(current)
            current, used = [0], need[0] + 1
        current.append(i)
        used += need[i]
    blocks.append(current)
    return blocks


def _longest_words(table: Table) -> list[int]:
    """Per column, the longest word of its header and cells (the narrowest width at which
    rich wraps the column without breaking a word)."""
    rows = table.text_rows()
    return [
        max((len(w) for text in (c.header, *(r[i] for r in rows)) for w in text.split()), default=1)
        for i, c in enumerate(table.columns)
    ]


def fitted_widths(table: Table, columns: list[int], width: int) -> dict[int, int] | None:
    """Content widths that fit ``columns`` of ``table`` into ``width`` characters, or None
    when they fit as they are.

    Numeric (right-aligned) columns keep their full width. Text columns share the rest
    evenly (water-filling: a column narrower than its share keeps its width and leaves the
    rest to the others), none narrower than its longest word while the longest words fit
    (else words break). Rich's own shrinking may narrow numeric columns below their
    content and then widen them back, pushing the right border off the screen.
    """
    chars = table.char_widths()
    if sum(chars[i] + CELL_PAD for i in columns) + 1 <= width:
        return None
    text = sorted((i for i in columns if table.columns[i].align != "right"), key=chars.__getitem__)
    fixed = {i: chars[i] for i in columns if table.columns[i].align == "right"}
    budget = width - 1 - sum(w + CELL_PAD for w in fixed.values()) - CELL_PAD * len(text)
    words = _longest_words(table)
    sum_fits = sum(min(chars[i], words[i]) for i in text) <= budget
    floor = {i: min(chars[i], words[i]) if sum_fits else 1 for i in text}
    for k, i in enumerate(text):
        rest = sum(floor[j] for j in text[k + 1 :])
        share = budget // (len(text) - k)
        fixed[i] = max(1, min(chars[i], max(floor[i], share), budget - rest))
        budget -= fixed[i]
    return fixed


class PlainTable:
    """A table that fits the console as plain lines, drawn as rich draws it.

    Rich lays a table out cell by cell (measuring, wrapping and padding each cell as a
    renderable), which is most of the terminal report's time. When every text is plain
    (printable, one cell per character, no tabs) and the columns fit the console, each as
    wide as its longest line or as :func:`fitted_widths` makes a text column, rich's layout
    is simple: one space either side of each column, cells justified in it (a line longer
    than its column word-wrapped by rich), headers bottom-aligned, body cells top-aligned,
    the box lines of ``HEAVY_HEAD``. On a console that shows no styles (no colour system, not
    recording: a pipe or a file) this draws exactly those characters; on any other console,
    or one narrower than the table, it prints the rich table.
    ``tests/test_report_terminal_plain.py`` checks that the two agree on every table of the
    sample and three-arm reports.
    """

    def __init__(
        self,
        rich_table: Callable[[], RichTable],
        title: str,
        cells: list[list[list[str]]],
        justify: list[str],
        widths: list[int],
        rules: bool,
    ):
        self.rich_table, self.title, self.cells = rich_table, title, cells
        self.justify, self.widths, self.rules = justify, widths, rules

    @property
    def width(self) -> int:
        """The table's width in characters (columns, padding and box lines)."""
        return sum(self.widths) + 3 * len(self.widths) + 1

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if console.color_system is not None or console.record or self.width > options.max_width:
            yield self.rich_table()
            return
        for line in self.lines(console, options):
            yield Segment(line)
            yield Segment.line()

    def lines(self, console: Console, options: ConsoleOptions) -> list[str]:
        """The table as rich prints it without styles: title, box, rows."""
        padded = [w + 2 for w in self.widths]
        out = []
        if self.title:  # wrapped to the table's width, as rich wraps a table title
            title = options.update(width=self.width, justify="left", height=None, highlight=False)
            out += [
                "".join(seg.text for seg in line)
                for line in console.render_lines(Text(self.title), title)
            ]
        box = HEAVY_HEAD.substitute(options, safe=console.safe_box)
        out.append(box.get_top(padded))
        last = len(self.cells) - 1
        for i, row in enumerate(self.cells):
            left, mid, right = (
                (box.head_left, box.head_vertical, box.head_right)
                if i == 0
                else (box.foot_left, box.foot_vertical, box.foot_right)
                if i == last
                else (box.mid_left, box.mid_vertical, box.mid_right)
            )
            wrapped = [
                [t for line in c for t in _wrapped(line, w, j, console)]
                for c, w, j in zip(row, self.widths, self.justify, strict=True)
            ]
            height = max(len(c) for c in wrapped)
            columns = []
            for lines, w, j in zip(wrapped, self.widths, self.justify, strict=True):
                shown = [f" {t.rstrip().rjust(w) if j == 'right' else t.ljust(w)} " for t in lines]
                fill = [" " * (w + 2)] * (height - len(shown))
                columns.append(fill + shown if i == 0 else shown + fill)  # header: bottom
            out += [left + mid.join(parts) + right for parts in zip(*columns, strict=True)]
            if i == 0:
                out.append(box.get_row(padded, "head"))
            elif self.rules and i < last:
                out.append(box.get_row(padded, "row"))
        out.append(box.get_bottom(padded))
        return out


def _wrapped(line: str, width: int, justify: str, console: Console) -> list[str]:
    """A cell's line in a column ``width`` characters wide: as it is when it fits, else
    word-wrapped by rich (folding words longer than the width), as rich wraps table cells."""
    if len(line) <= width:
        return [line]
    lines = Text(line).wrap(console, width, justify=justify, overflow="fold")  # type: ignore[arg-type]
    return [t.plain for t in lines]


def _plain(text: str) -> bool:
    """Text rich shows as it is: printable, one cell per character, no trailing newline."""
    return not text.endswith("\n") and all(
        line.isprintable() and cell_len(line) == len(line) for line in text.split("\n")
    )


def plain_table(
    table: Table, cols: list[int], title: str, width: int, rich_table: Callable[[], RichTable]
) -> PlainTable | None:
    """``cols`` of ``table`` as a :class:`PlainTable` when every text is plain and the
    columns fit ``width`` (text columns narrowed by :func:`fitted_widths`); else None."""
    texts = table.text_rows()
    rows = [[table.columns[i].header for i in cols], *[[r[i] for i in cols] for r in texts]]
    if not all(_plain(t) for row in rows for t in (title, *row)):
        return None
    cells = [[t.split("\n") for t in row] for row in rows]
    fitted = fitted_widths(table, cols, width)  # text columns narrowed to fit, as for rich
    widths = (
        [max(len(line) for row in cells for line in row[k]) for k in range(len(cols))]
        if fitted is None
        else [fitted[i] for i in cols]
    )
    justify = [table.columns[i].align for i in cols]
    plain = PlainTable(rich_table, title, cells, justify, widths, table.rules)
    return plain if plain.width <= width else None


def table_renderable(
    table: Table, columns: list[int] | None = None, part: str = "", width: int | None = None
) -> RichTable:
    """One rich table (optionally only ``columns``); numeric columns never wrap. Given the
    console ``width``, text columns are narrowed so that the table fits it."""
    cols = columns if columns is not None else list(range(len(table.columns)))
    if not table.show_header:
        t = RichTable(show_header=False, box=None, pad_edge=False)
    else:
        t = RichTable(title=Text(table.title + part), title_justify="left", show_lines=table.rules)
    cells = table.cell_widths()
    # Key-value tables (no header, no box) need no fitting: rich wraps their values.
    fitted = fitted_widths(table, cols, width) if width and table.show_header else None
    for i in cols:
        c = table.columns[i]
        # numbers keep their full width; text may wrap, down to WRAP_WIDTH characters
        floor = cells[i] if c.align == "right" else min(cells[i], WRAP_WIDTH)
        t.add_column(
            Text(c.header),
            justify=c.align,
            min_width=floor or None,
            width=None if fitted is None else fitted[i],
            overflow="fold",
        )
    for row, texts in zip(table.rows, table.text_rows(), strict=True):
        t.add_row(*[Text(texts[i], style=_style(row[i].emphasis)) for i in cols])
    return t


def large_table(table: Table) -> BoxedText:
    """A table of more than :data:`RICH_ROW_LIMIT` rows as one boxed text block (rich's
    layout costs ~0.7 s of CPU per 1,000 rows): every cell in full, rows whose first cell is
    bold printed bold; it is printed without wrapping (it may run past the console's edge)."""
    bold = frozenset(i for i, row in enumerate(table.rows) if row and row[0].emphasis == "bold")
    columns = [(c.header, c.align) for c in table.columns]
    return text_table(table.title, columns, table.text_rows(), bold)


def tree_renderable(tree: Tree) -> RichTree:
    """The CONSORT flow as a rich tree."""

    def add(parent: RichTree, node: TreeNode) -> None:
        child = parent.add(cell_renderable(node.label))
        for c in node.children:
            add(child, c)

    root = RichTree(cell_renderable(tree.root.label))
    for c in tree.root.children:
        add(root, c)
    return root


def _table(table: Table, cols: list[int], part: str, width: int) -> RenderableType:
    """``cols`` of ``table`` as a :class:`PlainTable` where it can be one, else a rich table."""

    def rich() -> RichTable:
        return table_renderable(table, cols, part, width)

    if not table.show_header:
        return rich()
    return plain_table(table, cols, table.title + part, width, rich) or rich()


def block_renderables(block: Block, width: int) -> list[RenderableType]:
    """A block as rich renderables (a wide table as several column blocks), a table's
    footnotes (the meaning of its marks) printed below it."""
    if isinstance(block, Table):
        notes = [Text(n, style="dim") for n in block.footnotes]
        if block.show_header and len(block.rows) > RICH_ROW_LIMIT:
            return [large_table(block), *notes]
        blocks = column_blocks(block, width)
        if len(blocks) == 1:
            return [_table(block, blocks[0], "", width), *notes]
        n = len(blocks)
        parts: list[RenderableType] = [
            _table(block, cols, f" (part {k + 1} of {n})", width) for k, cols in enumerate(blocks)
        ]
        return [*parts, *notes]
    if isinstance(block, Tree):
        return [tree_renderable(block)]
    if isinstance(block, Paragraph):
        return [Text(block.text, style=_style(block.emphasis))]
    if isinstance(block, Note):
        return [Text("  " * block.indent + block.text)]
    if isinstance(block, Figure):
        return []
    raise TypeError(f"unknown block {type(block).__name__}")


def print_blocks(blocks: list[Block], console: Console) -> None:
    """Print document blocks (the summary commands print single tables and trees)."""
    for b in blocks:
        for r in block_renderables(b, console.width):
            console.print(r, soft_wrap=isinstance(r, BoxedText))


class TerminalRenderer:
    """Print a :class:`Document` to a rich console."""

    def render(self, document: Document, console: Console) -> None:
        for s in document.sections:
            renderables = [r for b in s.blocks for r in block_renderables(b, console.width)]
            if s.key == "header":
                console.print(Text(s.title, style="bold underline"))
            elif not renderables:
                continue
            else:
                console.rule(Text(s.title), align="left")
            for r in renderables:
                console.print(r, soft_wrap=isinstance(r, BoxedText))
