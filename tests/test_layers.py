"""Imports go one way: core -> specs -> plan -> data -> engines -> analysis -> report -> cli.

Source: the project's design (shared/design.md, "One direction of dependency"). A module may
import from its own package or from a package of a lower layer, never from a higher one, and
no package imports the top-level ``trialkit`` (whose lazy exports sit above everything).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "trialkit"

#: layer of each sub-package (same number: may not import each other unless listed below)
LAYERS: dict[str, int] = {
    "core": 0,
    "errors": 1,
    "specs": 1,
    "plan": 2,
    "data": 3,
    "inference": 4,
    "models": 5,
    "meta": 5,
    "summaries": 6,
    "imputation": 7,
    "power": 8,  # simulations analyse trials with the imputation engine (issue 12)
    "analysis": 8,
    "report": 9,
    "cli": 10,
}


def _imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "trialkit":
                out.add(parts[1] if len(parts) > 1 else "trialkit")
    return out


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.parent != PACKAGE or p.stem == "errors")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path: Path) -> None:
    rel = path.relative_to(PACKAGE).parts
    own = rel[0] if len(rel) > 1 else path.stem
    assert own in LAYERS, f"new package {own}: give it a layer in tests/test_layers.py"
    for target in _imports(path) - {own}:
        assert target != "trialkit", f"{path.name} imports the top-level trialkit package"
        assert target in LAYERS, f"{target} has no layer"
        assert LAYERS[target] < LAYERS[own], f"{own} (layer {LAYERS[own]}) imports {target}"
