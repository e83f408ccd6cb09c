"""The report document's machine-readable part (JSON tree, CSV datasets) is built only when
an output asks for it, once; what the builders share is computed once; the row helpers give
the values pandas gives. Byte-identical outputs are checked by the snapshot tests
(tests/test_report_snapshots.py, tests/test_report_docx_rtf.py); speed by
benchmarks/bench_report.py, not here."""

from __future__ import annotations

import dataclasses
import gc
import io
import json
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

import trialkit.report.build as build_module
import trialkit.report.build_data as build_data_module
import trialkit.report.consort_checklist as checklist_module
from trialkit.analysis import TrialAnalysis
from trialkit.cli.app import _register, app
from trialkit.report.build import build_document
from trialkit.report.csv_report import CsvRenderer
from trialkit.report.document import (
    Column,
    Dataset,
    Document,
    Label,
    Number,
    Section,
    Table,
    given,
)
from trialkit.report.html import HtmlRenderer
from trialkit.report.json_report import JsonRenderer
from trialkit.report.markdown import MarkdownRenderer
from trialkit.report.memo import once_per
from trialkit.report.rows import columns, keyed, lookup, records, value
from trialkit.report.terminal import TerminalRenderer


def _counting(fn: Callable[..., Any], calls: list[str]) -> Callable[..., Any]:
    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(fn.__name__)
        return fn(*args, **kwargs)

    return counted


def _hand_made(calls: list[str]) -> Document:
    table = Table("T", (Column("a"), Column("x", "right")), ((Label("r"), Number(1.25, 2)),))

    def machine() -> tuple[dict[str, Any], tuple[Dataset, ...]]:
        calls.append("machine")
        frame = pd.DataFrame({"x": [1.25]})
        return {"kind": "test", "t": Dataset("t", frame)}, (Dataset("t", frame),)

    return Document("Doc", (Section("s", "S", (table,)),), machine=machine)


def test_text_renderers_never_build_the_machine_part() -> None:
    calls: list[str] = []
    doc = _hand_made(calls)
    out = io.StringIO()
    TerminalRenderer().render(doc, Console(file=out, width=80))
    MarkdownRenderer().render(doc)
    HtmlRenderer().render(doc)
    assert "1.25" in out.getvalue()
    assert calls == []


def test_machine_part_is_built_once_and_kept(tmp_path: Path) -> None:
    calls: list[str] = []
    doc = _hand_made(calls)
    assert json.loads(JsonRenderer().render(doc)) == {"kind": "test", "t": [{"x": 1.25}]}
    paths = CsvRenderer().render(doc, tmp_path)
    assert [p.name for p in paths] == ["t.csv"]
    assert doc.data is doc.data and doc.datasets is doc.datasets
    assert doc.dataset("t").frame["x"].tolist() == [1.25]
    assert calls == ["machine"]


def test_given_and_default_machine_parts() -> None:
    frame = pd.DataFrame({"a": [1]})
    doc = Document("t", (), machine=given({"v": 1}, (Dataset("d", frame),)))
    assert doc.data == {"v": 1}
    assert [d.name for d in doc.datasets] == ["d"]
    empty = Document("t", ())
    assert empty.data == {} and empty.datasets == ()


def test_build_document_defers_and_computes_the_checklist_once(
    sample_analysis: TrialAnalysis, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    machine = _counting(build_data_module.report_machine, calls)
    results = _counting(checklist_module.outcome_results, calls)
    items = _counting(checklist_module.consort_checklist, calls)
    monkeypatch.setattr(build_module, "report_machine", machine)
    for module in (build_module, build_data_module):
        monkeypatch.setattr(module, "outcome_results", results)
        monkeypatch.setattr(module, "consort_checklist", items)
    # a fresh analysis object: nothing cached for another one is reused
    doc = build_document(dataclasses.replace(sample_analysis))
    TerminalRenderer().render(doc, Console(file=io.StringIO(), width=120))
    assert sorted(calls) == ["consort_checklist", "outcome_results"]
    tree = doc.data
    assert sorted(calls) == ["consort_checklist", "outcome_results", "report_machine"]
    assert doc.datasets[0].name == "results"
    assert len(calls) == 3
    # the appendix table and the JSON's item 26 are the same numbers
    item26 = tree["consort_checklist"]["outcome_results"]
    (_, appendix), *_ = [(s, t) for s, t in doc.tables() if t.title.startswith("Item 26")]
    assert len(appendix.rows) == len(item26.frame)


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    _register()
    return CliRunner()


def test_cli_terminal_report_builds_no_json_or_csv(
    runner: CliRunner,
    sample_analysis: TrialAnalysis,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # The real entry point, with the (session) sample analysis in place of a re-analysis.
    import trialkit.cli.analyze as analyze_module

    calls: list[str] = []
    monkeypatch.setattr(analyze_module, "analyze_trial", lambda *a, **k: sample_analysis)
    monkeypatch.setattr(
        build_module, "report_machine", _counting(build_data_module.report_machine, calls)
    )
    result = runner.invoke(app, ["analyze"])
    assert result.exit_code == 0, result.output
    assert "Summary of all outcomes" in result.stdout
    assert calls == []
    effects = tmp_path / "effects.csv"
    result = runner.invoke(
        app, ["analyze", "--effects", str(effects), "--json", str(tmp_path / "r.json")]
    )
    assert result.exit_code == 0, result.output
    assert calls == ["report_machine"]
    assert pd.read_csv(effects).shape[0] > 0
    assert json.loads((tmp_path / "r.json").read_text())["kind"] == "trialkit.trial_report"


def test_table_text_is_kept_but_handed_out_as_new_lists() -> None:
    t = Table(
        "T", (Column("Row"), Column("Value", "right")), ((Label("x", indent=1), Number(2.5)),)
    )
    rows = t.text_rows()
    assert rows == [["  x", "2.5"]]
    rows[0][0] = "changed"
    assert t.text_rows() == [["  x", "2.5"]]
    assert t.cell_widths() == [3, 3]
    assert t.char_widths() == [3, 5]


MIXED = pd.DataFrame(
    {
        "s": pd.array(["a", None, "c"], dtype="string"),
        "o": ["x", "y", None],
        "f": [1.5, np.nan, -0.0],
        "i": np.array([1, 2, 3], dtype=np.int64),
        "n": pd.array([4, None, 6], dtype="Int64"),
        "b": [True, False, True],
        "c": pd.Categorical(["u", "v", "u"]),
    }
)


def test_columns_give_the_values_and_types_series_tolist_gives() -> None:
    got = columns(MIXED)
    assert list(got) == list(MIXED.columns)
    for name, values in got.items():
        want = MIXED[name].tolist()
        assert [type(v) for v in values] == [type(v) for v in want], name
        for a, b in zip(values, want, strict=True):
            assert a is b or a == b or (a != a and b != b), name
    assert columns(MIXED, ["i", "s"]) == {"i": [1, 2, 3], "s": ["a", MIXED["s"][1], "c"]}
    assert columns(MIXED.iloc[:0]) == {c: [] for c in MIXED.columns}


def test_rows_by_key_text() -> None:
    assert records(MIXED)[2]["i"] == 3
    frame = pd.DataFrame({"arm": ["A", "B", "A"], "visit": [1, 1, 1], "y": [1.0, 2.0, 3.0]})
    index = keyed(frame, ("arm", "visit"))
    assert set(index) == {("A", "1"), ("B", "1")}
    assert index[("A", "1")]["y"] == 3.0  # a later row replaces an earlier one
    get = lookup(frame, ("arm", "visit"))
    assert value(get("B", 1), "y") == 2.0
    assert get("C", 1) is None and value(None, "y") is None
    assert value(get("B", "1"), "missing") is None
    assert lookup(None, ("arm",))("A") is None
    assert lookup(frame.iloc[:0], ("arm",))("A") is None


class _Key:
    """A stand-in for a frozen result object (compared by identity)."""


def test_once_per_object_while_it_lives() -> None:
    calls: list[int] = []

    class Value:
        pass

    @once_per
    def derive(obj: _Key) -> Value:
        calls.append(id(obj))
        return Value()

    a, b = _Key(), _Key()
    first = derive(a)
    assert derive(a) is first and calls == [id(a)]
    assert derive(b) is not first and len(calls) == 2
    kept = weakref.ref(first)
    del a, first
    gc.collect()
    assert kept() is None  # the value goes with its object
