"""Completers vs non-completers when no one dropped out: the standardised differences are
not estimable (an empty group), shown as ``-`` with a footnote saying why and ``null`` in
the JSON, never a NaN printed as a number, and no 0/0 (RuntimeWarning) on the way.

Data: the SYNTHETIC three-arm trial (tests/data/three_arm/, seeded generator) kept to the
40 subjects with every outcome observed at every visit, so everyone completes.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from three_arm_data import PLAN, raw
from typer.testing import CliRunner

from trialkit.summaries.describe import VariableSpec, describe_groups


@pytest.fixture(scope="module")
def complete_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The three-arm data without the subjects who miss an outcome at some visit."""
    d = raw()
    incomplete = d.groupby("subject")[["score", "pain"]].apply(lambda x: x.isna().any().any())
    kept = d[~d["subject"].map(incomplete)]
    assert kept["subject"].nunique() == 40
    path = tmp_path_factory.mktemp("no_dropouts") / "complete.csv"
    kept.to_csv(path, index=False)
    return path


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_cli_completers_table_without_dropouts(complete_data: Path, tmp_path: Path) -> None:
    from trialkit.cli.app import _register, app

    _register()
    args = ["analyze", str(complete_data), "--plan", str(PLAN)]
    args += ["--json", str(tmp_path / "r.json"), "--markdown", str(tmp_path / "r.md")]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert not re.search(r"\bnan\b", result.output, re.IGNORECASE)

    attrition = json.loads((tmp_path / "r.json").read_text("utf-8"))["attrition"]
    comparisons = attrition["completers_comparisons"]
    assert [c["variable"] for c in comparisons] == [
        "age",
        "sex",
        "score@baseline",
        "pain@baseline",
    ]
    assert all(c["smd"] is None for c in comparisons)

    md = (tmp_path / "r.md").read_text("utf-8")
    table = md[md.index("**Completers vs non-completers (baseline)**") :]
    table = table[: table.index("\n\n**")]
    assert "(n = 0)" in table
    sex = next(line for line in table.splitlines() if line.startswith("| Sex, n (%)"))
    assert sex.rstrip(" |").endswith("-")
    assert "Std. diff. not estimable (shown as -): no subject is a Non-completer." in table
    assert not re.search(r"\bnan\b", table, re.IGNORECASE)


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_two_level_smd_empty_group_and_hand_value() -> None:
    """A two-level variable: NaN with an empty group; otherwise Austin's (2009)
    (p2 - p1) / sqrt((p1 (1 - p1) + p2 (1 - p2)) / 2), worked out by hand here."""
    spec = VariableSpec("sex", "Sex", "categorical", ("sex",))
    frame = pd.DataFrame({"sex": ["F", "F", "M", "F", "M", "M", "M"]})
    everyone = pd.Series(["a"] * 7)
    empty = describe_groups(frame, everyone, ("a", "b"), (spec,), overall=None)
    assert math.isnan(empty.comparisons[0].smd)

    group = pd.Series(["a", "a", "a", "a", "b", "b", "b"])  # a: 3/4 F, b: 0/3 F (M = 1)
    desc = describe_groups(frame, group, ("a", "b"), (spec,), overall=None)
    p1, p2 = 1 / 4, 3 / 3  # proportion of the second level (M)
    hand = (p2 - p1) / np.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / 2)
    assert desc.comparisons[0].smd == pytest.approx(hand, rel=1e-12)
