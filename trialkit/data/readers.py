"""Read a trial data file of any common format into a :class:`RawTable`.

Supported formats (chosen by file extension):

========================  ===========================================================
extension                 reader
========================  ===========================================================
``.csv``, ``.csv.gz``     :func:`pandas.read_csv` (comma-separated; UTF-8 with or without
                          BOM, else Windows-1252)
``.tsv``, ``.tsv.gz``,    :func:`pandas.read_csv` (tab-separated)
``.tab``, ``.txt``
``.xlsx``                 :func:`pandas.read_excel` with openpyxl (the only sheet, or
                          the plan's ``trial.sheet``)
``.parquet``, ``.pq``     :func:`pandas.read_parquet` with pyarrow
``.sav``, ``.zsav``       :func:`pyreadstat.read_sav` (SPSS)
``.dta``                  :func:`pyreadstat.read_dta` (Stata)
``.sas7bdat``             :func:`pyreadstat.read_sas7bdat` (SAS)
``.xpt``                  :func:`pyreadstat.read_xport` (SAS transport)
========================  ===========================================================

Statistical-package files keep their metadata:

* **User-defined missing values** (SPSS ``MISSING VALUES``, Stata/SAS special missing values
  such as ``.a``) are read as missing (NaN): pyreadstat's ``user_missing=False`` converts
  every value that the file declares missing, including declared ranges.
* **Value labels** replace codes when *every* non-missing value of a column has a label
  (e.g. ``arm`` 1/2 becomes ``"Treatment as usual"``/``"DBT"``). A column with labels on
  only some values (typically anchor labels on a rating scale, ``0 = "no pain"``) keeps its
  numbers. All labels stay available in :attr:`RawTable.value_labels`.
* **Variable labels** are kept in :attr:`RawTable.variable_labels` for display.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trialkit.core.errors import DataError

#: Formats whose first data row is row 2 of the file (the header is row 1).
HEADER_FORMATS = frozenset({"csv", "tsv", "xlsx"})

_SUFFIXES: dict[str, str] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "tsv",
    ".xlsx": "xlsx",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".sav": "spss",
    ".zsav": "spss",
    ".dta": "stata",
    ".sas7bdat": "sas7bdat",
    ".xpt": "xport",
    ".json": "dataset-json",
    ".ndjson": "dataset-json",
}


@dataclass(frozen=True)
class RawTable:
    """A data file as read, before any reshaping or validation.

    Attributes
    ----------
    df
        The data, one column per variable, with value labels applied (see module notes).
    variable_labels
        Column -> display label, for columns that have one in the file.
    value_labels
        Column -> {code: label}, as declared in the file (statistical formats only).
    path
        The file read.
    format
        One of ``csv, tsv, xlsx, parquet, spss, stata, sas7bdat, xport, dataset-json``.
    notes
        Warnings about how the file was read (e.g. a repeated header name), one sentence
        each; validation reports them.
    sheet
        The Excel sheet read, when it was named.
    """

    df: pd.DataFrame
    path: Path
    format: str
    variable_labels: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[Any, str]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    sheet: str | None = None

    @property
    def name(self) -> str:
        """File name, for messages."""
        return self.path.name

    @property
    def first_row(self) -> int:
        """Row number the user sees for the first data row (2 below a header, else 1)."""
        return 2 if self.format in HEADER_FORMATS else 1

    def row_numbers(self, positions: np.ndarray | pd.Index | list[int]) -> list[int]:
        """Convert 0-based positions in :attr:`df` to row numbers as the user sees them."""
        return [int(p) + self.first_row for p in np.asarray(positions, dtype=int)]


def detect_format(path: Path) -> str | None:
    """Format name from the file extension (``.gz`` allowed on CSV/TSV), or None."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        inner = suffixes[-2] if len(suffixes) > 1 else ""
        fmt = _SUFFIXES.get(inner)
        return fmt if fmt in ("csv", "tsv") else None
    return _SUFFIXES.get(suffixes[-1]) if suffixes else None


def read_table(path: str | Path, sheet: str | int | None = None) -> RawTable:
    """Read a data file into a :class:`RawTable`.

    Parameters
    ----------
    path
        The data file; its format is chosen by extension (see the module table).
    sheet
        Excel only: the sheet's name (or 0-based position). Default: the only sheet; a
        workbook with several sheets then raises DataError naming them.

    Returns
    -------
    RawTable

    Raises
    ------
    DataError
        If the file does not exist, its extension is unknown, or it cannot be parsed
        (corrupt, truncated or not really of its declared format). The message is one
        sentence that names the file.
    """
    path = Path(path)
    if not path.exists():
        if path.is_symlink():
            raise DataError(
                f"Data file {path} is a symbolic link that leads nowhere (a loop, or a "
                "missing target)."
            )
        raise DataError(f"Data file {path} does not exist.")
    if path.is_dir():
        raise DataError(f"Data file {path} is a directory, not a file.")
    fmt = detect_format(path)
    if fmt is None:
        known = ", ".join(sorted({*_SUFFIXES, ".csv.gz", ".tsv.gz"}))
        raise DataError(
            f"Data file {path} has an unknown format '{''.join(path.suffixes) or '(none)'}'; "
            f"use one of {known}."
        )
    if sheet is not None and fmt != "xlsx":
        raise DataError(
            f"Data file {path} is {fmt.upper()}, not Excel; the plan key 'trial.sheet' is for "
            ".xlsx workbooks only."
        )
    notes: tuple[str, ...] = ()
    try:
        if fmt == "xlsx":
            df, var_labels, val_labels = _read_xlsx(path, sheet)
        elif fmt == "dataset-json":
            from trialkit.data.dataset_json import read_dataset_json

            df, var_labels, notes = read_dataset_json(path)
            df, val_labels = _strip_text(df), {}
        else:
            df, var_labels, val_labels = _READERS[fmt](path)
    except DataError:
        raise
    except Exception as exc:  # every parser raises its own types; report them as one sentence
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"Data file {path} could not be read as {fmt.upper()} ({detail}).") from exc
    if df.columns.duplicated().any():
        dup = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        raise DataError(f"Data file {path} has duplicate column names: {', '.join(dup)}.")
    df.columns = [str(c) for c in df.columns]
    if fmt in ("csv", "tsv"):
        notes = _repeated_header_notes(path, fmt, df)
    return RawTable(
        df=df,
        path=path,
        format=fmt,
        variable_labels=var_labels,
        value_labels=val_labels,
        notes=notes,
        sheet=sheet if isinstance(sheet, str) else None,
    )


def text_header(path: Path, sep: str | None = ",") -> list[str]:
    """The header row of a CSV/TSV file as written (``read_csv`` renames a repeated name
    ``x`` to ``x.1``); ``sep=None`` sniffs the separator."""
    options: dict[str, Any] = {"sep": sep, "header": None, "nrows": 1}
    if sep is None:
        options["engine"] = "python"
    try:
        first = pd.read_csv(path, encoding="utf-8-sig", **options)
    except UnicodeDecodeError:
        first = pd.read_csv(path, encoding="cp1252", **options)
    except pd.errors.EmptyDataError:
        return []
    return [str(h).strip() for h in first.iloc[0].tolist()] if len(first) else []


def rename_repeated(header: list[str], source: str) -> tuple[list[str], tuple[str, ...]]:
    """Unique column names for a header row that repeats names, and a note per repeated name.

    The first copy of a name keeps it; later copies become ``name.1``, ``name.2``, ... (as
    ``pandas.read_csv`` names them, skipping names the header already has). Each note says
    so: ``"<source> has 2 columns named 'age'; the first is read as 'age' and the others as
    'age.1'."``
    """
    taken = set(header)
    names: list[str] = []
    copies: dict[str, list[str]] = {}
    for h in header:
        if h not in copies:
            copies[h] = []
            names.append(h)
            continue
        i = len(copies[h]) + 1
        while f"{h}.{i}" in taken:
            i += 1
        new = f"{h}.{i}"
        taken.add(new)
        copies[h].append(new)
        names.append(new)
    notes = tuple(
        f"{source} has {len(c) + 1} columns named '{h}'; the first is read as '{h}' and the "
        f"others as {', '.join(map(repr, c))}."
        for h, c in copies.items()
        if c
    )
    return names, notes


def _repeated_header_notes(path: Path, fmt: str, df: pd.DataFrame) -> tuple[str, ...]:
    """A note per header name a text file repeats; the copies are renamed 'x.1', 'x.2'."""
    header = text_header(path, sep="\t" if fmt == "tsv" else ",")
    if len(header) != len(df.columns) or len(set(header)) == len(header):
        return ()
    names, notes = rename_repeated(header, f"Data file {path.name}")
    df.columns = names
    return notes


_Read = tuple[pd.DataFrame, dict[str, str], dict[str, dict[Any, str]]]


def _read_text(path: Path, sep: str) -> _Read:
    try:
        df = pd.read_csv(path, sep=sep, skipinitialspace=True, encoding="utf-8-sig")
    except UnicodeDecodeError:
        # Not UTF-8: spreadsheet programs on Windows save CSV as Windows-1252.
        df = pd.read_csv(path, sep=sep, skipinitialspace=True, encoding="cp1252")
    if df.shape[1] == 1 and sep == ",":
        header = str(df.columns[0])
        if "\t" in header:
            raise DataError(f"Data file {path} looks tab-separated; name it .tsv instead of .csv.")
        if ";" in header:
            raise DataError(
                f"Data file {path} looks semicolon-separated; save it with commas as separators "
                "and points as decimal marks."
            )
    return _strip_text(df), {}, {}


def _read_csv(path: Path) -> _Read:
    return _read_text(path, ",")


def _read_tsv(path: Path) -> _Read:
    return _read_text(path, "\t")


def excel_sheets(path: Path) -> list[str]:
    """The sheet names of an ``.xlsx`` workbook, in order."""
    with pd.ExcelFile(path, engine="openpyxl") as book:
        return [str(s) for s in book.sheet_names]


def _read_xlsx(path: Path, sheet: str | int | None = None) -> _Read:
    sheets = excel_sheets(path)
    if sheet is None and len(sheets) > 1:
        raise DataError(
            f"Data file {path} has {len(sheets)} sheets ({', '.join(map(repr, sheets))}); "
            "name the one holding the data with the plan key 'trial.sheet'."
        )
    if isinstance(sheet, str) and sheet not in sheets:
        raise DataError(
            f"Data file {path} has no sheet {sheet!r} (plan key 'trial.sheet'); its sheets are "
            f"{', '.join(map(repr, sheets))}."
        )
    df = pd.read_excel(path, engine="openpyxl", sheet_name=0 if sheet is None else sheet)
    df = df.loc[:, [not str(c).startswith("Unnamed: ") or df[c].notna().any() for c in df.columns]]
    return _strip_text(df), {}, {}


def _read_parquet(path: Path) -> _Read:
    return pd.read_parquet(path, engine="pyarrow"), {}, {}


def _read_pyreadstat(name: str, **options: Any) -> Callable[[Path], _Read]:
    """A reader through ``pyreadstat.<name>`` (pyreadstat is imported on first use: it costs
    start-up time that CSV users need not pay)."""

    def read(path: Path) -> _Read:
        import pyreadstat

        df, meta = getattr(pyreadstat, name)(str(path), **options)
        var_labels = {str(k): str(v) for k, v in (meta.column_names_to_labels or {}).items() if v}
        val_labels = {str(k): dict(v) for k, v in (meta.variable_value_labels or {}).items()}
        # SPSS/Stata store an empty string for a blank text cell: make it missing, as in CSV
        return _strip_text(_apply_value_labels(df, val_labels)), var_labels, val_labels

    return read


def _apply_value_labels(df: pd.DataFrame, labels: dict[str, dict[Any, str]]) -> pd.DataFrame:
    """Replace codes by labels in columns where every non-missing value has a label."""
    out = df.copy()
    for col, mapping in labels.items():
        if col not in out.columns or not mapping:
            continue
        values = out[col]
        present = values.dropna()
        if present.empty or not present.isin(list(mapping)).all():
            continue
        out[col] = values.map(mapping).astype("str").where(values.notna(), None)
    return out


def _strip_text(df: pd.DataFrame) -> pd.DataFrame:
    """Strip surrounding blanks from text cells; cells that become empty are missing."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object:  # mixed cells: strip only the text ones
            stripped = s.map(lambda v: v.strip() if isinstance(v, str) else v)
        elif pd.api.types.is_string_dtype(s):
            stripped = s.str.strip()
        else:
            continue
        out[col] = stripped.where(stripped != "", None)
    return out


# user_missing=False turns every value the file declares missing into NaN (SPSS missing values
# and ranges; Stata/SAS special missing values .a-.z). XPORT has no such values.
_READERS: dict[str, Callable[[Path], _Read]] = {
    "csv": _read_csv,
    "tsv": _read_tsv,
    "xlsx": _read_xlsx,
    "parquet": _read_parquet,
    "spss": _read_pyreadstat("read_sav", user_missing=False),
    "stata": _read_pyreadstat("read_dta", user_missing=False),
    "sas7bdat": _read_pyreadstat("read_sas7bdat", user_missing=False),
    "xport": _read_pyreadstat("read_xport"),
}
