"""The trial report as JSON: the JSON renderer of the report document's ``data`` tree.

The tree and its schema (``trialkit/report/schema/trial_report.schema.json``, JSON Schema
2020-12) are described in :mod:`trialkit.report.build_data`; this renderer writes it:
:class:`~trialkit.report.document.Dataset` leaves become arrays of records, missing numbers
(NaN) ``null``, floats are written with ``repr`` precision (17 significant digits), so the
file round-trips every value exactly. It reads nothing but the document.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from trialkit.report.document import Dataset, Document

SCHEMA_RESOURCE = ("trialkit.report", "schema/trial_report.schema.json")


def json_value(node: Any) -> Any:
    """A data-tree node as JSON-ready data: datasets as lists of records."""
    if isinstance(node, Dataset):
        return node.records()
    if isinstance(node, dict):
        return {k: json_value(v) for k, v in node.items()}
    if isinstance(node, list):
        return [json_value(v) for v in node]
    return node


class JsonRenderer:
    """Render a :class:`Document`'s data as indented, strict JSON (no NaN literals)."""

    def render(self, document: Document) -> str:
        data = json_value(document.data)
        return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_json(document: Document, path: str | Path) -> Path:
    """Write the document's JSON to ``path``."""
    path = Path(path)
    path.write_text(JsonRenderer().render(document), encoding="utf-8")
    return path


def load_schema() -> dict[str, Any]:
    """The JSON Schema of the report (shipped as package data)."""
    package, name = SCHEMA_RESOURCE
    return json.loads(resources.files(package).joinpath(name).read_text(encoding="utf-8"))
