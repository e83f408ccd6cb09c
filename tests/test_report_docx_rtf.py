"""Word and RTF reports, checked in the real applications' formats: the DOCX opened with
python-docx (table cells), both converted by LibreOffice headless to text and PDF, one PDF
page rendered to PNG (poppler's pdftoppm) and checked not to be blank; the CLI writes both;
the RTF text is snapshot-tested.

Without LibreOffice or pdftoppm those tests are skipped with the reason, unless
``TRIALKIT_REQUIRE_LIBREOFFICE=1``: then they fail. ``.ci/run`` installs both
(``libreoffice-writer-nogui``, ``poppler-utils``) and sets it, so CI always runs them.

The numbers are the document's (see test_report_document.py); these tests check that every
table reaches the file intact.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from external_tools import LIBREOFFICE_ENV, require_program
from typer.testing import CliRunner

from trialkit.analysis import TrialAnalysis
from trialkit.cli.app import _register, app
from trialkit.report.build import build_document
from trialkit.report.document import Document, cell_text, display_text
from trialkit.report.docx_report import DocxRenderer
from trialkit.report.rtf_report import RtfRenderer, rtf_escape

SNAPSHOTS = Path(__file__).parent / "snapshots"


def soffice() -> str:
    """LibreOffice; skip without it (fail under TRIALKIT_REQUIRE_LIBREOFFICE=1)."""
    return require_program(
        ("soffice", "libreoffice"), "LibreOffice", "libreoffice-writer-nogui", LIBREOFFICE_ENV
    )


@pytest.fixture(scope="module")
def document(sample_analysis: TrialAnalysis) -> Document:
    return build_document(sample_analysis)


@pytest.fixture(scope="module")
def files(tmp_path_factory, document: Document) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("docx_rtf")
    png = _tiny_png()
    paths = {"docx": out / "report.docx", "rtf": out / "report.rtf"}
    paths["docx"].write_bytes(DocxRenderer({"consort": png, "forest": png}).render(document))
    paths["rtf"].write_text(RtfRenderer(date=dt.date(2026, 1, 1)).render(document), "ascii")
    return paths


def _tiny_png() -> bytes:
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([0, 1], [0, 1])
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=300)
    plt.close(fig)
    return buf.getvalue()


def test_docx_has_every_table_with_its_cells(files: dict[str, Path], document: Document) -> None:
    d = docx.Document(str(files["docx"]))
    tables = [t for _, t in document.tables()]
    assert len(d.tables) == len(tables)
    for word, t in zip(d.tables, tables, strict=True):
        start = 1 if t.show_header else 0
        if t.show_header:
            assert [c.text for c in word.rows[0].cells] == [c.header for c in t.columns]
        for i, row in enumerate(t.rows):
            assert [c.text for c in word.rows[start + i].cells] == [cell_text(c) for c in row]
    titles = {p.text for p in d.paragraphs}
    assert {t.title for t in tables if t.title} <= titles
    assert len(d.inline_shapes) == 2  # the two figures given, embedded


def test_docx_indents_sub_rows(files: dict[str, Path]) -> None:
    d = docx.Document(str(files["docx"]))
    word = next(t for t in d.tables if t.rows[0].cells[0].text == "" and len(t.rows) == 9)
    p_row = next(r for r in word.rows if r.cells[0].text == "p")
    assert p_row.cells[0].paragraphs[0].paragraph_format.left_indent > 0
    n_row = next(r for r in word.rows if r.cells[0].text == "n observed")
    assert n_row.cells[0].paragraphs[0].paragraph_format.left_indent is None


def test_rtf_escapes_and_stays_ascii() -> None:
    assert rtf_escape("a{b}\\c") == "a\\{b\\}\\\\c"
    assert rtf_escape("≥ é") == "\\u8805? \\u233?"
    assert rtf_escape("x\ny") == "x\\line y"


def test_rtf_snapshot(files: dict[str, Path]) -> None:
    """The whole RTF (fixed date) against tests/snapshots/report.rtf (reviewed by hand and
    converted by LibreOffice; regenerate with TRIALKIT_UPDATE_SNAPSHOTS=1)."""
    import os

    text = files["rtf"].read_text("ascii")
    path = SNAPSHOTS / "report.rtf"
    if os.environ.get("TRIALKIT_UPDATE_SNAPSHOTS") == "1":
        path.write_text(text, "ascii")
    assert text.splitlines() == path.read_text("ascii").splitlines()


def _convert(path: Path, target: str) -> Path:
    out = path.parent / "lo"
    subprocess.run(
        [soffice(), "--headless", "--convert-to", target, "--outdir", str(out), str(path)],
        check=True,
        capture_output=True,
        timeout=240,
    )
    return out / f"{path.stem}.{target.split(':')[0]}"


@pytest.mark.parametrize("kind", ["docx", "rtf"])
def test_libreoffice_reads_every_table(
    files: dict[str, Path], document: Document, kind: str
) -> None:
    src = files[kind].with_name(f"lo_{kind}.{kind}")
    shutil.copy(files[kind], src)
    text = _convert(src, "txt:Text").read_text("utf-8-sig")
    for _, t in document.tables():
        if t.title:
            assert t.title in text, f"{kind}: table '{t.title}' missing"
        for row in t.rows:
            for cell in row:
                for line in display_text(cell).strip().split("\n"):
                    assert line.strip() in text, f"{kind}: '{line}' of '{t.title}' missing"
    assert "Lost to follow-up for the primary outcome at Week 21 (n = 7)" in text
    assert "CONSORT 2025 checklist" in text


@pytest.mark.parametrize("kind", ["docx", "rtf"])
def test_libreoffice_pdf_renders_a_page(files: dict[str, Path], kind: str) -> None:
    src = files[kind].with_name(f"pdf_{kind}.{kind}")
    shutil.copy(files[kind], src)
    pdf = _convert(src, "pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    pdftoppm = require_program(("pdftoppm",), "pdftoppm", "poppler-utils", LIBREOFFICE_ENV)
    stem = pdf.with_name(f"page_{kind}")
    subprocess.run(
        [pdftoppm, "-png", "-r", "50", "-f", "2", "-l", "2", "-singlefile", str(pdf), str(stem)],
        check=True,
        timeout=120,
    )
    from PIL import Image

    with Image.open(stem.with_suffix(".png")) as im:
        assert im.width > im.height  # landscape
        grey = im.convert("L")
        dark = sum(grey.histogram()[:128]) / (grey.width * grey.height)
        lightest = grey.getextrema()[1]
    # Not blank: a white page with text and rules on it (1-30% dark pixels at 50 dpi).
    assert lightest > 240
    assert 0.01 < dark < 0.30, f"{kind}: {dark:.1%} of page 2's pixels are dark"


@pytest.mark.parametrize("required", [False, True])
def test_missing_libreoffice_skips_or_fails(
    monkeypatch: pytest.MonkeyPatch, required: bool
) -> None:
    # Without LibreOffice: a skip with the reason, or under TRIALKIT_REQUIRE_LIBREOFFICE=1 a
    # failure (as the browser tests under TRIALKIT_REQUIRE_BROWSER=1).
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv(LIBREOFFICE_ENV, "1" if required else "0")
    expected = pytest.fail.Exception if required else pytest.skip.Exception
    with pytest.raises(expected, match="LibreOffice is not installed"):
        soffice()


def test_cli_writes_docx_and_rtf(tmp_path: Path) -> None:
    _register()
    out_docx, out_rtf = tmp_path / "r.docx", tmp_path / "r.rtf"
    result = CliRunner().invoke(app, ["analyze", "--docx", str(out_docx), "--rtf", str(out_rtf)])
    assert result.exit_code == 0, result.output
    assert "Wrote the Word report" in result.output and "Wrote the RTF tables" in result.output
    d = docx.Document(str(out_docx))
    assert len(d.inline_shapes) >= 3  # consort, trajectories, forest at 300 dpi
    assert out_rtf.read_text("ascii").startswith("{\\rtf1")


def test_unwritable_docx_fails_cleanly(tmp_path: Path) -> None:
    _register()
    bad = tmp_path / "missing" / "r.docx"
    result = CliRunner().invoke(app, ["analyze", "--docx", str(bad)])
    assert result.exit_code == 2
    assert "Cannot write the Word report" in result.output
    assert "Traceback" not in result.output
