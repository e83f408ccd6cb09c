"""The trial report as one self-contained HTML file: the HTML renderer of the document.

Inline CSS, inline SVG figures, no scripts and no external resources: the file renders the
same offline, in any browser, with JavaScript disabled. Sub-rows keep their indentation
(``padding-left`` per level); the palette follows the reader's light or dark preference
(``prefers-color-scheme``) with contrast kept in both; a print stylesheet gives black on
white, no navigation, tables that do not split across pages and section page breaks, so the
report prints to PDF cleanly from the browser.

Every string from the data or the plan is escaped with :func:`html.escape`.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from trialkit.report.document import (
    Block,
    Cell,
    Document,
    Figure,
    Label,
    Note,
    Paragraph,
    Section,
    Table,
    Tree,
    TreeNode,
    cell_text,
    placed,
)

CSS = """
:root { color-scheme: light dark; --fg: #222; --bg: #fff; --muted: #555; --rule: #ccc;
        --head: #f0f3f7; --flag: #b00020; --warn: #8a5a00; --ok: #1b7f3b;
        --link: #0b57d0; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6e6e6; --bg: #16181c; --muted: #a8acb3; --rule: #454a52;
          --head: #252a31; --flag: #ff8a80; --warn: #ffd27a; --ok: #7bd88f;
          --link: #8ab4f8; }
  figure svg { background: #fff; border-radius: 4px; }
}
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--fg);
       background: var(--bg); max-width: 1180px; margin: 2em auto; padding: 0 1em;
       line-height: 1.4; }
a { color: var(--link); }
h1 { font-size: 1.6em; border-bottom: 2px solid var(--muted); padding-bottom: .2em; }
h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid var(--rule); }
nav ol { columns: 3; font-size: .9em; }
table { border-collapse: collapse; margin: .8em 0 1.2em; font-size: .88em; }
caption { text-align: left; font-weight: 600; padding: .3em 0; }
th, td { border: 1px solid var(--rule); padding: .25em .55em; vertical-align: top; }
th { background: var(--head); }
td.r, th.r { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.i1 { padding-left: 1.6em; } td.i2 { padding-left: 2.7em; } td.i3 { padding-left: 3.8em; }
.b { font-weight: 600; }
.dim { color: var(--muted); }
ul.tree { font-size: .9em; }
p.note.i1 { margin-left: 1.6em; }
.flag { color: var(--flag); font-weight: 600; }
.warn { color: var(--warn); }
.ok { color: var(--ok); }
figure { margin: 1em 0; }
figure svg { max-width: 100%; height: auto; }
figcaption { font-size: .85em; color: var(--muted); }
tfoot td { border: none; font-size: .85em; color: var(--muted); }
footer { margin-top: 3em; font-size: .8em; color: var(--muted); }
@media print {
  :root { --fg: #000; --bg: #fff; --muted: #333; --rule: #888; --head: #eee;
          --flag: #000; --warn: #000; --ok: #000; }
  @page { size: A4 landscape; margin: 12mm; }
  body { max-width: none; margin: 0; padding: 0; font-size: 9.5pt; }
  nav { display: none; }
  section { break-before: page; }
  section#header { break-before: auto; }
  table, figure, ul.tree { break-inside: avoid; }
  h2 { break-after: avoid; }
  caption { break-after: avoid; }
  a { color: inherit; text-decoration: none; }
  figure svg { max-height: 16cm; }
}
"""

CLASSES = {"bold": "b", "heading": "b", "dim": "dim", "flag": "flag", "warn": "warn", "ok": "ok"}


def _text_html(text: str) -> str:
    return escape(text).replace("\n", "<br>")


def _classes(*names: str | None) -> str:
    names_ = [n for n in names if n]
    return f' class="{" ".join(names_)}"' if names_ else ""


def cell_html(cell: Cell, align: str) -> str:
    """One ``<td>``: right-aligned numbers, indentation class, emphasis, footnote marks."""
    indent = f"i{min(cell.indent, 3)}" if isinstance(cell, Label) and cell.indent else None
    marks = f"<sup>{escape(','.join(cell.marks))}</sup>" if cell.marks else ""
    cls = _classes("r" if align == "right" else None, indent, CLASSES.get(cell.emphasis or ""))
    return f"<td{cls}>{_text_html(cell_text(cell))}{marks}</td>"


def table_html(table: Table) -> str:
    """A table with its caption, header, body and footnotes."""
    out = ["<table>"]
    if table.title:
        out.append(f"<caption>{escape(table.title)}</caption>")
    if table.show_header:
        heads = "".join(
            f"<th{_classes('r' if c.align == 'right' else None)}>{_text_html(c.header)}</th>"
            for c in table.columns
        )
        out.append(f"<thead><tr>{heads}</tr></thead>")
    out.append("<tbody>")
    for row in table.rows:
        cells = "".join(cell_html(c, col.align) for c, col in zip(row, table.columns, strict=True))
        out.append(f"<tr>{cells}</tr>")
    out.append("</tbody>")
    if table.footnotes:
        span = len(table.columns)
        notes = "".join(f'<tr><td colspan="{span}">{escape(n)}</td></tr>' for n in table.footnotes)
        out.append(f"<tfoot>{notes}</tfoot>")
    out.append("</table>")
    return "\n".join(out)


def tree_html(tree: Tree) -> str:
    """The CONSORT flow as nested lists."""

    def node(t: TreeNode) -> str:
        kids = "".join(node(c) for c in t.children)
        cls = _classes(CLASSES.get(t.label.emphasis or ""))
        label = f"<span{cls}>{_text_html(t.label.text)}</span>"
        return f"<li>{label}{f'<ul>{kids}</ul>' if kids else ''}</li>"

    return f'<ul class="tree">{node(tree.root)}</ul>'


class HtmlRenderer:
    """Render a :class:`Document` as one HTML page; ``figures`` maps figure keys to SVG."""

    def __init__(self, figures: Mapping[str, str] | None = None):
        self.figures = dict(figures or {})

    def block(self, block: Block) -> str:
        if isinstance(block, Table):
            return table_html(block)
        if isinstance(block, Tree):
            return tree_html(block)
        if isinstance(block, Paragraph):
            return f"<p{_classes(CLASSES.get(block.emphasis or ''))}>{_text_html(block.text)}</p>"
        if isinstance(block, Note):
            cls = _classes("note", f"i{block.indent}" if block.indent else None)
            return f"<p{cls}>{_text_html(block.text)}</p>"
        if isinstance(block, Figure):
            svg = placed(block, self.figures)
            if svg is None:
                return ""
            return (
                f'<figure id="figure-{escape(block.key)}">{svg}'
                f"<figcaption>{escape(block.caption)}</figcaption></figure>"
            )
        raise TypeError(f"unknown block {type(block).__name__}")

    def section(self, s: Section) -> str:
        body = [self.block(b) for b in s.blocks]
        heading = "" if s.key == "header" else f"<h2>{escape(s.title)}</h2>"
        return f'<section id="{escape(s.key)}">{heading}\n' + "\n".join(body) + "</section>"

    def render(self, document: Document) -> str:
        links = [(s.key, s.title) for s in document.sections if s.key != "header"]
        nav = "".join(f'<li><a href="#{escape(k)}">{escape(t)}</a></li>' for k, t in links)
        title = document.title
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{escape(f'{title}: {document.kind}' if document.kind else title)}</title>\n"
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<meta name="color-scheme" content="light dark">\n'
            f"<style>{CSS}</style>\n</head>\n<body>\n"
            f"<h1>{escape(title)}</h1>\n<nav><ol>{nav}</ol></nav>\n"
            + "\n".join(self.section(s) for s in document.sections)
            + f"\n<footer>{escape(document.footer)}</footer>\n"
            "</body>\n</html>\n"
        )
