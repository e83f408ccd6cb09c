"""Write a report document to a file in one format, for the commands whose outputs are
single report documents (``trialkit meta``, ``trialkit multiplicity``).

The format's renderer is imported only when that format is asked for. This module chooses a
renderer; it renders nothing itself.
"""

from __future__ import annotations

from pathlib import Path

from trialkit.report.document import Document

FORMATS = ("json", "markdown", "html", "csv")


def write_document(document: Document, fmt: str, path: Path, dataset: str | None = None) -> Path:
    """Write ``document`` as ``fmt`` (``json``, ``markdown``, ``html``, or ``csv``: the
    dataset named ``dataset``, floats as Python's shortest round-trip text) to ``path``."""
    if fmt == "json":
        from trialkit.report.json_report import write_json

        return write_json(document, path)
    if fmt == "csv":
        from trialkit.report.csv_report import write_dataset

        return write_dataset(document, dataset or document.datasets[0].name, path, None)
    if fmt == "markdown":
        from trialkit.report.markdown import MarkdownRenderer

        path.write_text(MarkdownRenderer().render(document), "utf-8")
    elif fmt == "html":
        from trialkit.report.html import HtmlRenderer

        path.write_text(HtmlRenderer().render(document), "utf-8")
    else:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    return path
