"""The trial report as Markdown: the Markdown renderer of the document (GitHub pipe tables).

Tables become pipe tables with their title in bold above and footnotes below, sub-rows
indented with ``&nbsp;&nbsp;`` per level (leading spaces would be dropped), the CONSORT tree
a nested list, notes paragraphs. Figures are linked when ``figures`` maps a figure key to a
relative path (``trialkit analyze --figures-dir``).
"""

from __future__ import annotations

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

_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>|#"})
INDENT = "&nbsp;&nbsp;"


def md_escape(text: str) -> str:
    """Escape Markdown syntax characters and pipes; newlines become ``<br>``."""
    return text.translate(_SPECIAL).replace("\n", "<br>")


def cell_markdown(cell: Cell) -> str:
    lead = INDENT * cell.indent if isinstance(cell, Label) else ""
    return lead + md_escape(cell_text(cell) + marks_text(cell))


def table_markdown(table: Table) -> str:
    """A pipe table, its title as a bold line above and its footnotes below."""
    heads = [c.header.replace("\n", " ") for c in table.columns]
    heads = heads if table.show_header else [""] * len(heads)
    rule = ["---:" if c.align == "right" else "---" for c in table.columns]
    lines = [f"**{md_escape(table.title)}**", ""] if table.title else []
    lines.append("| " + " | ".join(md_escape(h) for h in heads) + " |")
    lines.append("| " + " | ".join(rule) + " |")
    lines += ["| " + " | ".join(cell_markdown(c) for c in row) + " |" for row in table.rows]
    if table.footnotes:
        lines += [""] + [md_escape(n) for n in table.footnotes]
    return "\n".join(lines)


def tree_markdown(node: TreeNode, depth: int = 0) -> str:
    """A tree node and its children as a nested bullet list."""
    lines = ["  " * depth + f"- {md_escape(node.label.text)}"]
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
            return md_escape(block.text.strip())
        if isinstance(block, Note):
            return INDENT * block.indent + md_escape(block.text.strip())
        if isinstance(block, Figure):
            link = placed(block, self.figures)
            return f"![{md_escape(block.title or block.caption)}]({link})" if link else ""
        raise TypeError(f"unknown block {type(block).__name__}")

    def render(self, document: Document) -> str:
        out = []
        for s in document.sections:
            parts = [p for p in (self.block(b) for b in s.blocks) if p]
            if s.key != "header" and not parts:
                continue
            out.append(
                f"# {md_escape(s.title)}" if s.key == "header" else f"## {md_escape(s.title)}"
            )
            out += parts
        return "\n\n".join(out) + "\n"
