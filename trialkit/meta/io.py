"""Reading a study-level file (CSV, TSV or Excel) for meta-analysis.

Column names are matched after trimming spaces and lower-casing. Row numbers in error
messages are the file's line (CSV) or sheet row (Excel), counting the header as row 1.

The file ``trialkit analyze`` exports (``study, outcome, visit, yi, se, n1, n2``: the mean
difference per trial, outcome and visit with its standard error) is read as generic
inverse-variance data (``--measure MD`` or ``generic``); its ``outcome`` and ``visit`` columns
split it into one analysis per outcome and visit unless ``by`` says otherwise.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from trialkit.core.errors import DataError
from trialkit.data.readers import rename_repeated, text_header

__all__ = ["StudyFile", "read_study_file", "analysis_groups", "AUTO_BY", "LABEL_SEP"]

#: Columns that split a file into separate analyses when ``by`` is not given.
AUTO_BY = ("comparison", "outcome", "visit")
#: Joins the ``by`` values of one analysis into its label.
LABEL_SEP = " · "
ROW_OFFSET = 2
# Only empty cells are missing; text such as "NA" or "n/a" is reported as not a number.
_NA = {"keep_default_na": False, "na_values": [""]}


class StudyFile:
    """A study-level table with the name used in messages, the header-row offset and notes
    on how it was read (such as a repeated column name)."""

    def __init__(self, data: pd.DataFrame, source: str, notes: tuple[str, ...] = ()) -> None:
        self.data = data
        self.source = source
        self.row_offset = ROW_OFFSET
        self.notes = notes


def read_study_file(path: str | Path, sheet: str | int | None = None) -> StudyFile:
    """Read ``path`` into a :class:`StudyFile`; one plain-sentence DataError on failure."""
    path = Path(path)
    if not path.is_file():
        if path.is_symlink() and not path.exists():
            raise DataError(
                f"The study file {str(path)!r} is a symbolic link that leads nowhere (a loop, "
                "or a missing target)."
            )
        if path.is_dir():
            raise DataError(f"The study file {str(path)!r} is a folder, not a file.")
        raise DataError(f"The study file {str(path)!r} does not exist.")
    suffix = path.suffix.lower()
    with path.open("rb") as fh:
        empty = not fh.read(65536).strip()
    if empty:
        raise DataError(f"The study file {path.name!r} is empty.")
    try:
        if suffix in (".xlsx", ".xlsm", ".xls"):
            data = pd.read_excel(path, sheet_name=0 if sheet is None else sheet)
        elif suffix in (".tsv", ".tab"):
            data = pd.read_csv(path, sep="\t", **_NA)
        else:
            data = pd.read_csv(path, sep=None, engine="python", **_NA)
    except (ValueError, OSError, pd.errors.ParserError, UnicodeDecodeError, csv.Error) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"Cannot read the study file {path.name!r}: {first}.") from None
    header = [str(c).strip().lower() for c in data.columns]
    if suffix not in (".xlsx", ".xlsm", ".xls"):
        # read_csv renames a repeated header 'yi' to 'yi.1': start from the header as written
        written = text_header(path, "\t" if suffix in (".tsv", ".tab") else None)
        if len(written) == len(header):
            header = [h.lower() for h in written]
    names, notes = rename_repeated(header, f"The study file {path.name!r}")
    data.columns = names
    data = data.dropna(how="all")
    if data.empty:
        raise DataError(f"The study file {path.name!r} holds no studies.")
    return StudyFile(data, f"{path.name!r}", notes)


def analysis_groups(
    data: pd.DataFrame, by: list[str] | None, source: str, subgroup: str | None = None
) -> list[tuple[str, pd.DataFrame]]:
    """Split ``data`` into separate analyses by the columns ``by``.

    ``by=None`` uses the columns of :data:`AUTO_BY` (``comparison, outcome, visit``) that
    the file has, that hold more than one value and that are not the ``subgroup`` column;
    ``by=[]`` keeps one analysis. Groups keep their order of appearance.
    """
    if by is None:
        by = [
            c
            for c in AUTO_BY
            if c in data.columns and c != subgroup and data[c].nunique(dropna=False) > 1
        ]
    for col in by:
        if col not in data.columns:
            raise DataError(f"{source} has no column {col!r} to split analyses by.")
        if data[col].isna().any():
            i = int(data.index[data[col].isna().to_numpy()][0])
            raise DataError(f"Column {col!r} is empty in row {i + ROW_OFFSET} of {source}.")
    if not by:
        return [("", data)]
    keys = data[by].astype("string").agg(LABEL_SEP.join, axis=1)
    return [(str(k), data.loc[keys == k]) for k in pd.unique(keys)]
