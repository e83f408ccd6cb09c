"""RTF renderer of the report document, in the style of clinical study report tables.

Written directly (RTF 1.x is plain text; rtflite is not a dependency): landscape Letter
pages, Courier New 9 pt; each table on its own page with the title lines (trial title,
"Table N. <title>"), a ruled header row (the arm columns carry the N from the document's
column headers), the body, a rule, the footnotes, and a footer naming the program and the
date on every page. Text sections (CONSORT flow, notes) follow as indented lines.
Non-ASCII characters are written as ``\\uN?`` escapes, so the file itself is 7-bit.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

from trialkit.report.document import (
    Block,
    Document,
    Figure,
    Note,
    Paragraph,
    Table,
    Tree,
    display_text,
)

TWIPS_PER_CHAR = 108  # Courier New 9 pt: 5.4 pt per character
TEXT_WIDTH = 12960  # landscape Letter, 1-inch margins (twips)
HEADER = (
    r"{\rtf1\ansi\ansicpg1252\deff0"
    r"{\fonttbl{\f0\fmodern\fcharset0 Courier New;}}"
    r"{\colortbl;\red0\green0\blue0;\red176\green0\blue32;}"
    "\n"
    r"\paperw15840\paperh12240\landscape\margl1440\margr1440\margt1440\margb1440"
    r"\headery720\footery720\fs18"
    "\n"
)


def rtf_escape(text: str) -> str:
    """Escape RTF control characters; non-ASCII as ``\\uN?``; newlines as ``\\line``."""
    out = []
    for ch in text:
        if ch in "\\{}":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\line ")
        elif ord(ch) > 127:
            code = ord(ch)
            out.append(f"\\u{code if code < 32768 else code - 65536}?")
        else:
            out.append(ch)
    return "".join(out)


def _row(cells: list[str], widths: list[int], aligns: list[str], top=False, bottom=False) -> str:
    border = ""
    if top:
        border += r"\clbrdrt\brdrs\brdrw10"
    if bottom:
        border += r"\clbrdrb\brdrs\brdrw10"
    out = [r"\trowd\trgaph60\trleft0"]
    if top and not bottom:
        out.append(r"\trhdr")
    x = 0
    for w in widths:
        x += w
        out.append(f"{border}\\cellx{x}")
    for text, align in zip(cells, aligns, strict=True):
        q = r"\qr" if align == "right" else r"\ql"
        out.append(f"\\pard\\intbl{q} {text}\\cell")
    out.append(r"\row")
    return "".join(out) + "\n"


def _cell_rtf(cell) -> str:  # type: ignore[no-untyped-def]
    text = rtf_escape(display_text(cell, indent="\u00a0\u00a0"))
    if cell.emphasis in ("bold", "heading"):
        return r"{\b " + text + "}"
    if cell.emphasis == "flag":
        return r"{\cf2\b " + text + "}"
    return text


class RtfRenderer:
    """Write a :class:`Document` as RTF."""

    def __init__(self, program: str = "trialkit analyze", date: _dt.date | None = None):
        self.program = program
        self.date = date or _dt.date.today()

    def render(self, document: Document) -> str:
        footer = (
            r"{\footer\pard\ql\fs16 "
            + rtf_escape(
                f"Program: {self.program}; {document.footer} Date: {self.date.isoformat()}"
            )
            + r"\tab Page {\field{\*\fldinst PAGE}{\fldrslt 1}}\par}"
            + "\n"
        )
        out = [HEADER, footer]
        n_table = 0
        first = True
        for s in document.sections:
            if not first:
                out.append(r"\page" + "\n")
            first = False
            out.append(r"\pard\ql\b\fs22 " + rtf_escape(s.title) + r"\b0\fs18\par" + "\n")
            for b in s.blocks:
                if isinstance(b, Table):
                    n_table += 1
                out.append(self._block(b, document.title, n_table))
        out.append("}\n")
        return "".join(out)

    def _block(self, block: Block, trial: str, number: int) -> str:
        if isinstance(block, Table):
            return self._table(block, trial, number)
        if isinstance(block, Tree):
            lines = []
            for depth, node in block.root.walk():
                lines.append(
                    f"\\pard\\ql\\li{depth * 360} " + rtf_escape(node.label.text) + r"\par"
                )
            return "\n".join(lines) + "\n"
        if isinstance(block, Paragraph):
            return r"\pard\ql\sb60 " + rtf_escape(block.text) + r"\par" + "\n"
        if isinstance(block, Note):
            return (
                f"\\pard\\ql\\li{block.indent * 360}\\sb60 "
                + rtf_escape(block.text)
                + r"\par"
                + "\n"
            )
        if isinstance(block, Figure):
            return r"\pard\ql\i " + rtf_escape(f"Figure: {block.caption}") + r"\i0\par" + "\n"
        raise TypeError(f"unknown block {type(block).__name__}")

    def _table(self, t: Table, trial: str, number: int) -> str:
        widths = t.layout_widths(TEXT_WIDTH, TWIPS_PER_CHAR)
        aligns = [c.align for c in t.columns]
        out = [
            r"\pard\qc\keepn " + rtf_escape(trial) + r"\par" + "\n",
            r"\pard\qc\keepn\b "
            + rtf_escape(f"Table {number}. {t.title}".rstrip(". "))
            + r"\b0\par"
            + "\n",
            r"\pard\qc\keepn\par" + "\n",
        ]
        if t.show_header:
            heads = [r"{\b " + rtf_escape(c.header) + "}" for c in t.columns]
            out.append(_row(heads, widths, aligns, top=True, bottom=True))
        for i, cells in enumerate(t.rows):
            last = i == len(t.rows) - 1
            out.append(_row([_cell_rtf(c) for c in cells], widths, aligns, bottom=last))
        for note in t.footnotes:
            out.append(r"\pard\ql\fs16 " + rtf_escape(note) + r"\fs18\par" + "\n")
        out.append(r"\pard\par" + "\n")
        return "".join(out)


def write_rtf(document: Document, path: str | Path, date: _dt.date | None = None) -> Path:
    """Write the document as RTF to ``path``."""
    path = Path(path)
    path.write_text(RtfRenderer(date=date).render(document), encoding="ascii")
    return path
