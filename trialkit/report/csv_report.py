"""The trial report's tables as CSV files: the CSV renderer of the report document.

Each of the document's :class:`~trialkit.report.document.Dataset` objects becomes
``<name>.csv`` at full precision (17 significant digits), with text cells that a spreadsheet
would run as formulas written as text (:mod:`trialkit.report.spreadsheet`). The ``effects``
dataset is also the ``--effects`` file that ``trialkit meta`` reads. It reads nothing but the
document.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from trialkit.core.outputs import check_not_inputs
from trialkit.report.document import Document
from trialkit.report.spreadsheet import write_csv


class CsvRenderer:
    """Write a :class:`Document`'s datasets to a folder, one CSV file each."""

    def render(self, document: Document, directory: str | Path) -> list[Path]:
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for data in document.datasets:
            path = out / f"{data.name}.csv"
            write_csv(data.frame, path)
            paths.append(path)
        return paths


def write_csv_tables(
    document: Document, directory: str | Path, inputs: Sequence[Path] = ()
) -> list[Path]:
    """Write every dataset to ``directory/<name>.csv``; return the paths.

    No file is written if one of them would be one of ``inputs`` (a DataError says which).
    """
    out = Path(directory)
    check_not_inputs("CSV tables", [out / f"{d.name}.csv" for d in document.datasets], inputs)
    return CsvRenderer().render(document, out)


def write_dataset(
    document: Document, name: str, path: str | Path, float_format: str | None = "%.17g"
) -> Path:
    """Write the dataset ``name`` to the file ``path`` (``float_format=None``: Python's
    shortest round-trip text for each float)."""
    write_csv(document.dataset(name).frame, Path(path), float_format=float_format)
    return Path(path)


def write_effects(document: Document, path: str | Path) -> Path:
    """Write the ``effects`` dataset (the input of ``trialkit meta``) to ``path``."""
    return write_dataset(document, "effects", path)
