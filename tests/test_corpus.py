"""The bad-input corpus (tests/corpus/cases.toml): every hostile file or plan, run through the
real CLI, ends with its exit code and its one plain sentence, never with a traceback; and
no output ever overwrites an input."""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from trialkit.report.json_report import load_schema

CORPUS = Path(__file__).resolve().parent / "corpus"
CASES: list[dict[str, Any]] = tomllib.loads((CORPUS / "cases.toml").read_text("utf-8"))["case"]


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_corpus_case(case: dict[str, Any], cli, tmp_path: Path, monkeypatch) -> None:
    work = tmp_path / "corpus"
    shutil.copytree(CORPUS, work, ignore=shutil.ignore_patterns("cases.toml", "*.py"))
    for link, target in case.get("symlinks", {}).items():
        (work / link).symlink_to(target)
    for folder in case.get("folders", []):
        (work / folder).mkdir()
    before = {name: (work / name).read_bytes() for name in case.get("unchanged", [])}
    monkeypatch.chdir(work)

    result = cli(*case["args"])

    codes = case["exit_code"] if isinstance(case["exit_code"], list) else [case["exit_code"]]
    assert result.exit_code in codes, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert re.search(case["message"], _flat(result.output)), (
        f"{case['message']!r} not in output:\n{result.output}"
    )
    for name, content in before.items():
        assert (work / name).read_bytes() == content, f"{name} was changed"
    for name in case.get("writes", []):
        assert (work / name).is_file(), f"{name} was not written"
    for name, pattern in case.get("file_contains", {}).items():
        assert re.search(pattern, (work / name).read_text("utf-8"), re.MULTILINE), name
    for name in case.get("json_reports", []):
        schema = load_schema()
        jsonschema.Draft202012Validator(schema).validate(json.loads((work / name).read_text()))
    for name, pattern in case.get("file_lacks", {}).items():
        assert not re.search(pattern, (work / name).read_text("utf-8"), re.MULTILINE), name


def test_corpus_cases_are_named_once() -> None:
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names))
    assert len(CASES) >= 40
