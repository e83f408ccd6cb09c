"""One document model, thin renderers: no renderer imports the plan, the analysis, a report
builder or another renderer (checked in the source, lazy imports included, and in a fresh
interpreter, transitive imports included); the JSON and CSV renderers write the document's
data and datasets and nothing else."""

from __future__ import annotations

import ast
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import trialkit.report
from trialkit.analysis import TrialAnalysis
from trialkit.report.build import build_document
from trialkit.report.csv_report import CsvRenderer, write_effects
from trialkit.report.document import Dataset, Document, Section, given
from trialkit.report.json_report import JsonRenderer, json_value

REPORT = Path(trialkit.report.__file__).parent
# Every renderer of a report document.
RENDERERS = (
    "terminal",
    "html",
    "markdown",
    "json_report",
    "csv_report",
    "docx_report",
    "rtf_report",
)
# What a renderer may import from trialkit: the document, the number formats, the CSV guard
# and the layers below (core, specs: vocabulary, no plan).
ALLOWED = ("trialkit.report.document", "trialkit.report.format", "trialkit.report.spreadsheet")
ALLOWED_LAYERS = ("trialkit.core", "trialkit.specs")


def _allowed(module: str, own: str) -> bool:
    if module in (own, "trialkit", "trialkit.report") or module in ALLOWED:
        return True
    return any(module == p or module.startswith(p + ".") for p in ALLOWED_LAYERS)


def _imports(path: Path) -> list[str]:
    """Every module a source file imports, at the top or inside a function."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.append(node.module)
    return out


@pytest.mark.parametrize("name", RENDERERS)
def test_renderer_source_imports_only_the_document(name: str) -> None:
    own = f"trialkit.report.{name}"
    imported = [m for m in _imports(REPORT / f"{name}.py") if m.startswith("trialkit")]
    assert imported, f"{name} imports nothing from trialkit: the document at least"
    assert "trialkit.report.document" in imported
    assert [m for m in imported if not _allowed(m, own)] == []


def test_renderers_load_no_plan_analysis_or_other_renderer() -> None:
    # A fresh interpreter per renderer: what importing it loads, transitively.
    code = (
        "import importlib, json, sys; importlib.import_module(sys.argv[1]); "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('trialkit'))))"
    )
    for name in RENDERERS:
        own = f"trialkit.report.{name}"
        run = subprocess.run(
            [sys.executable, "-c", code, own], capture_output=True, text=True, check=True
        )
        loaded = json.loads(run.stdout)
        assert own in loaded
        assert [m for m in loaded if not _allowed(m, own)] == [], name


def test_import_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    # The source check is not vacuous: a lazy import of the builder or the plan is caught.
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from trialkit.report.document import Document\n"
        "def render(a):\n    from trialkit.report.build import build_document\n"
        "    import trialkit.plan.schema\n",
        encoding="utf-8",
    )
    imported = _imports(bad)
    own = "trialkit.report.bad"
    assert [m for m in imported if not _allowed(m, own)] == [
        "trialkit.report.build",
        "trialkit.plan.schema",
    ]


def test_json_renders_a_hand_made_document() -> None:
    # No analysis anywhere: the renderer writes the document's data tree, datasets as
    # records, NumPy scalars as numbers, NaN and NA as null, floats at full precision.
    frame = pd.DataFrame(
        {
            "x": [0.1 + 0.2, math.nan],
            "n": pd.array([3, None], dtype="Int64"),
            "k": np.array([1, 2], dtype=np.int64),
        }
    )
    doc = Document(
        "t",
        (Section("s", "S"),),
        machine=given({"v": "1.1", "t": [Dataset("d", frame)], "e": None}),
    )
    out = json.loads(JsonRenderer().render(doc))
    assert out == {
        "v": "1.1",
        "t": [[{"x": 0.30000000000000004, "n": 3, "k": 1}, {"x": None, "n": None, "k": 2}]],
        "e": None,
    }


def test_dataset_frame_is_a_copy() -> None:
    d = Dataset("d", pd.DataFrame({"a": [1.0]}))
    given = d.frame
    given.loc[0, "a"] = 99.0
    assert d.frame["a"].tolist() == [1.0]


@pytest.fixture(scope="module")
def document(sample_analysis: TrialAnalysis) -> Document:
    return build_document(sample_analysis)


def test_json_is_the_document_data(document: Document, sample_analysis: TrialAnalysis) -> None:
    out = json.loads(JsonRenderer().render(document))
    assert out == json_value(document.data)
    # Full precision, from the result objects (validated against R in the model tests).
    m = sample_analysis.outcomes[0].mmrm
    assert m is not None
    got = [r["estimate"] for r in out["outcomes"][0]["mmrm"]["differences"]]
    assert got == m.differences["estimate"].tolist()


def test_csv_files_are_the_document_datasets(document: Document, tmp_path: Path) -> None:
    paths = CsvRenderer().render(document, tmp_path / "csv")
    assert [p.stem for p in paths] == [d.name for d in document.datasets]
    results = pd.read_csv(tmp_path / "csv" / "results.csv")
    frame = document.dataset("results").frame
    assert results["estimate"].tolist() == pytest.approx(frame["estimate"].tolist(), nan_ok=True)
    assert np.array_equal(
        results["estimate"].to_numpy(), frame["estimate"].to_numpy(float), equal_nan=True
    )  # 17 significant digits: the exact float
    effects = write_effects(document, tmp_path / "effects.csv")
    assert effects.read_text() == (tmp_path / "csv" / "effects.csv").read_text()
