"""The trial report as Markdown: the Markdown renderer of the document (GitHub pipe tables).

Tables become pipe tables with their title in bold above and footnotes below, sub-rows
indented with ``&nbsp;&nbsp;`` per level (leading spaces would be dropped), the CONSORT tree
a nested list, notes paragraphs. Figures are linked when ``figures`` maps a figure key to a
relative path (``trialkit analyze --figures-dir``).

Text is escaped only where Markdown (CommonMark with GitHub's tables and strikethrough) would
read it as syntax, so the source stays readable (``p < 0.05``, ``dbt_trial_long.csv``,
``median [IQR]`` as typed) and text from the data never becomes markup or raw HTML
(tests/test_report_markdown_escape.py parses the output back with markdown-it-py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from trialkit.report.document import (
    Block,
    Cell,
    Document,
    Figure,
    Label,
    Note,
    Paragraph,
    Table,
    Tree,
    TreeNode,
    cell_text,
    marks_text,
    placed,
)

INDENT = "&nbsp;&nbsp;"

# What CommonMark / GitHub Markdown would read as syntax is escaped, and only there (data
# never becomes markup; plain text such as "p < 0.05", "dbt_trial_long.csv" or
# "median [IQR]" stays as typed in the Markdown source).
_ALWAYS = "\\`"  # escapes; code spans
_EMPHASIS = "*_~"  # emphasis, strong, strikethrough
_LOOKAHEAD = {
    "<": re.compile(r"<(?=[A-Za-z/!?])"),  # HTML tags, comments, autolinks
    "&": re.compile(r"&(?=#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]*;)"),
    "[": re.compile(r"\[(?=.*\]\()", re.DOTALL),  # a [ that could open an inline link
}
# At the start of a block: a list item, heading, block quote, thematic break or setext
# underline, link reference definition.
_BLOCK_START = re.compile(
    r"[-+*](?=\s|$)|#{1,6}(?=\s|$)|>|([-*_=])(?=(?:\s|\1)*$)|\d{1,9}(?=[.)](?:\s|$))"
    r"|\[(?=[^\]]*\]:)"
)
_HEADING_CLOSE = re.compile(r"(\s)(#+\s*)$")


def _emphasis_delimiter(text: str, i: int, edge: str) -> bool:
    """Whether the ``*``, ``_`` or ``~`` at ``i`` could open or close emphasis: not when
    whitespace is on both sides, nor a ``_`` inside a word (CommonMark's flanking rules; a
    line break, rendered as ``<br>``, counts as text; ``edge`` stands before and after
    ``text``)."""
    before = text[i - 1] if i > 0 else edge
    after = text[i + 1] if i + 1 < len(text) else edge
    if before.isspace() and after.isspace() and "\n" not in (before, after):
        return False
    return not (text[i] == "_" and before.isalnum() and after.isalnum())


def md_escape(
    text: str, pipes: bool = True, brackets: bool = False, tail: str = "", edge: str = " "
) -> str:
    """``text`` with what inline Markdown would read as syntax escaped; newlines become
    ``<br>``. ``pipes``: ``|`` too (it ends a table cell); ``brackets``: every ``[`` and ``]``
    (inside link text); ``tail``: text that follows in the same paragraph (an inline link
    could start here and end there); ``edge``: the character around ``text`` (``*`` inside
    ``**bold**``)."""
    out = []
    ahead = text + tail
    for i, c in enumerate(text):
        special = (
            c in _ALWAYS
            or (pipes and c == "|")
            or (brackets and c in "[]")
            or (c in _EMPHASIS and _emphasis_delimiter(text, i, edge))
            or (c in _LOOKAHEAD and _LOOKAHEAD[c].match(ahead, i) is not None)
        )
        out.append("\\" + c if special else c)
    return "".join(out).replace("\n", "<br>")


def md_block(text: str, pipes: bool = False, tail: str = "") -> str:
    """Text that starts a block (paragraph, note, list item, footnote line): inline escapes
    and, when it starts with one, the block marker escaped (``1.`` becomes ``1\\.``)."""
    escaped = md_escape(text, pipes, tail=tail)
    m = _BLOCK_START.match(escaped)
    if m is None:
        return escaped
    if m.group(0).isdigit():
        return escaped[: m.end()] + "\\" + escaped[m.end() :]
    return "\\" + escaped


def md_heading(text: str) -> str:
    """An ATX heading's text: inline escapes; a trailing run of ``#`` is kept as text."""
    return _HEADING_CLOSE.sub(r"\1\\\2", md_escape(text, pipes=False))


def cell_markdown(cell: Cell) -> str:
    lead = INDENT * cell.indent if isinstance(cell, Label) else ""
    return lead + md_escape(cell_text(cell) + marks_text(cell))


def table_markdown(table: Table) -> str:
    """A pipe table, its title as a bold line above and its footnotes below."""
    heads = [c.header.replace("\n", " ") for c in table.columns]
    heads = heads if table.show_header else [""] * len(heads)
    rule = ["---:" if c.align == "right" else "---" for c in table.columns]
    title = md_escape(table.title, pipes=False, edge="*")
    lines = [f"**{title}**", ""] if table.title else []
    lines.append("| " + " | ".join(md_escape(h) for h in heads) + " |")
    lines.append("| " + " | ".join(rule) + " |")
    lines += ["| " + " | ".join(cell_markdown(c) for c in row) + " |" for row in table.rows]
    if table.footnotes:
        notes = table.footnotes
        lines += [""] + [
            md_block(n, pipes=True, tail="\n".join(notes[i + 1 :])) for i, n in enumerate(notes)
        ]
    return "\n".join(lines)


def tree_markdown(node: TreeNode, depth: int = 0) -> str:
    """A tree node and its children as a nested bullet list."""
    lines = ["  " * depth + f"- {md_block(node.label.text)}"]
    lines += [tree_markdown(c, depth + 1) for c in node.children]
    return "\n".join(lines)


class MarkdownRenderer:
    """Render a :class:`Document` as Markdown; ``figures`` maps figure keys to links."""

    def __init__(self, figures: Mapping[str, str] | None = None):
        self.figures = dict(figures or {})

    def block(self, block: Block) -> str:
        if isinstance(block, Table):
            return table_markdown(block)
        if isinstance(block, Tree):
            return tree_markdown(block.root)
        if isinstance(block, Paragraph):
            return md_block(block.text.strip())
        if isinstance(block, Note):
            text = block.text.strip()
            lead = INDENT * block.indent
            return lead + md_escape(text, pipes=False) if lead else md_block(text)
        if isinstance(block, Figure):
            link = placed(block, self.figures)
            alt = md_escape(block.title or block.caption, pipes=False, brackets=True)
            return f"![{alt}]({link})" if link else ""
        raise TypeError(f"unknown block {type(block).__name__}")

    def render(self, document: Document) -> str:
        out = []
        for s in document.sections:
            parts = [p for p in (self.block(b) for b in s.blocks) if p]
            if s.key != "header" and not parts:
                continue
            out.append(
                f"# {md_heading(s.title)}" if s.key == "header" else f"## {md_heading(s.title)}"
            )
            out += parts
        return "\n\n".join(out) + "\n"
