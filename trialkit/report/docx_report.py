"""Word (DOCX) renderer of the report document (python-docx).

Real Word tables (not images): a bold title above each table, the header row repeated on
every page, numbers right-aligned, sub-rows indented, footnotes below in a smaller font.
Each section starts on a new page; figures are embedded PNGs (300 dpi by default, drawn by
:func:`trialkit.report.figures.png_figures`). Landscape A4-width pages so the widest tables
fit. ``sections`` chooses a subset of the report by section key.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Mapping
from pathlib import Path

from docx import Document as new_docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Pt, RGBColor, Twips

from trialkit.report.document import (
    Block,
    Cell,
    Document,
    Figure,
    Note,
    Paragraph,
    Table,
    Tree,
    cell_text,
    marks_text,
    placed,
)

FLAG = RGBColor(0xB0, 0x00, 0x20)
OK = RGBColor(0x1B, 0x7F, 0x3B)
DIM = RGBColor(0x55, 0x55, 0x55)
INDENT = Inches(0.18)


def _style_run(run, emphasis: str | None) -> None:  # type: ignore[no-untyped-def]
    if emphasis in ("bold", "heading"):
        run.bold = True
    elif emphasis == "flag":
        run.font.color.rgb = FLAG
        run.bold = True
    elif emphasis == "ok":
        run.font.color.rgb = OK
    elif emphasis == "dim":
        run.font.color.rgb = DIM


def _repeat_header(row) -> None:  # type: ignore[no-untyped-def]
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _fill_cell(cell, text: str, align: str, emphasis=None, indent: int = 0, size=9):  # type: ignore[no-untyped-def]
    p = cell.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if align == "right" else WD_ALIGN_PARAGRAPH.LEFT
    p.paragraph_format.space_after = Pt(0)
    if indent:
        p.paragraph_format.left_indent = INDENT * indent
    for k, line in enumerate(text.split("\n")):
        run = p.add_run(line)
        run.font.size = Pt(size)
        _style_run(run, emphasis)
        if k < len(text.split("\n")) - 1:
            run.add_break()


class DocxRenderer:
    """Write a :class:`Document` as a Word file."""

    def __init__(self, figures: Mapping[str, bytes] | None = None, figure_width_in: float = 8.0):
        self.figures = dict(figures or {})
        self.figure_width_in = figure_width_in

    def render(self, document: Document, sections: Collection[str] | None = None) -> bytes:
        """The DOCX file's bytes (only the sections with keys in ``sections`` when given)."""
        doc = new_docx()
        sec = doc.sections[0]
        sec.orientation = WD_ORIENT.LANDSCAPE
        sec.page_width, sec.page_height = Inches(11.69), Inches(8.27)
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(sec, side, Inches(0.7))
        doc.styles["Normal"].font.name = "Calibri"
        doc.styles["Normal"].font.size = Pt(10)
        doc.core_properties.title = document.title
        doc.add_heading(document.title, level=0)
        first = True
        for s in document.sections:
            if sections is not None and s.key not in sections:
                continue
            if s.key != "header":
                if not first:
                    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
                doc.add_heading(s.title, level=1)
            first = False
            for b in s.blocks:
                self._block(doc, b)
        if document.footer:
            foot = sec.footer.paragraphs[0]
            foot.text = document.footer
        buf = io.BytesIO()
        doc.save(buf)
        return buf.getvalue()

    def _block(self, doc, block: Block) -> None:  # type: ignore[no-untyped-def]
        if isinstance(block, Table):
            self._table(doc, block)
        elif isinstance(block, Tree):
            for depth, node in block.root.walk():
                p = doc.add_paragraph()
                p.paragraph_format.left_indent = INDENT * depth
                p.paragraph_format.space_after = Pt(0)
                run = p.add_run(("- " if depth else "") + node.label.text)
                _style_run(run, node.label.emphasis)
        elif isinstance(block, Paragraph):
            _style_run(doc.add_paragraph().add_run(block.text), block.emphasis)
        elif isinstance(block, Note):
            p = doc.add_paragraph(block.text)
            p.paragraph_format.left_indent = INDENT * block.indent
            p.paragraph_format.space_after = Pt(2)
        elif isinstance(block, Figure):
            png = placed(block, self.figures)
            if png is None:
                return
            doc.add_picture(io.BytesIO(png), width=Inches(self.figure_width_in))
            cap = doc.add_paragraph(block.caption)
            cap.runs[0].italic = True

    def _table(self, doc, t: Table) -> None:  # type: ignore[no-untyped-def]
        if t.title:
            title = doc.add_paragraph()
            title.paragraph_format.keep_with_next = True
            title.paragraph_format.space_before = Pt(8)
            title.add_run(t.title).bold = True
        n_head = 1 if t.show_header else 0
        table = doc.add_table(rows=len(t.rows) + n_head, cols=len(t.columns))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        table.autofit = False
        widths = t.layout_widths(int(10.2 * 1440), 100)
        for col, w in zip(table.columns, widths, strict=True):
            for cell in col.cells:
                cell.width = Twips(w)
        if t.show_header:
            row = table.rows[0]
            _repeat_header(row)
            for cell, col in zip(row.cells, t.columns, strict=True):
                _fill_cell(cell, col.header, col.align, "bold")
        for i, cells in enumerate(t.rows):
            row = table.rows[i + n_head]
            for cell, value, col in zip(row.cells, cells, t.columns, strict=True):
                self._cell(cell, value, col.align)
        for note in t.footnotes:
            p = doc.add_paragraph()
            p.add_run(note).font.size = Pt(8)

    @staticmethod
    def _cell(cell, value: Cell, align: str) -> None:  # type: ignore[no-untyped-def]
        indent = getattr(value, "indent", 0)
        _fill_cell(cell, cell_text(value) + marks_text(value), align, value.emphasis, indent)


def write_docx(
    document: Document,
    path: str | Path,
    figures: Mapping[str, bytes] | None = None,
    sections: Collection[str] | None = None,
) -> Path:
    """Write the document as DOCX to ``path``."""
    path = Path(path)
    path.write_bytes(DocxRenderer(figures).render(document, sections))
    return path
