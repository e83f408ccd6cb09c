"""Visits named in report text by the plan's visit labels (a plan without labels keeps the
code, as ``visit <code>``): the models' "no estimate at ..." sentences of the outcome sections,
of an estimand's MMRM estimator (which names outcome and visit in its reasons by their labels,
as the main MMRM does) and the CLI's notes on stderr, checked through ``trialkit analyze``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import TREATMENT, CliResult, TrialFiles, long_frame, plan_dict

LABELS = ["Baseline", "Week 9", "Week 21"]


def _trial(write_trial: Callable[..., TrialFiles], labels: list[str] | None) -> TrialFiles:
    """Pain never observed in the treatment arm at week 21; an estimand on pain whose MMRM
    cannot estimate week 21 either (seeded data of conftest.long_frame)."""
    df = long_frame(24)
    df.loc[(df["week"] == 21) & (df["arm"] == TREATMENT), "pain"] = np.nan
    df["stop"] = np.where(df["pid"].isin(["P004", "P006"]), "9", "")
    plan = plan_dict()
    if labels is not None:
        plan["visits"]["labels"] = labels
    plan["estimands"] = [
        {
            "name": "Pain hypothetical",
            "outcome": "pain",
            "visits": ["9", "21"],
            "summary": "difference in means",
            "events": [{"name": "Stopped", "column": "stop", "strategy": "hypothetical"}],
            "main": {"name": "MMRM main", "method": "mmrm"},
        }
    ]
    return write_trial(df, plan)


@pytest.mark.parametrize(
    ("labels", "where", "reason"),
    [
        (LABELS, "Week 21", "no observed Pain NRS in arm Online DBT at Week 21"),
        (None, "visit 21", "no observed Pain NRS in arm Online DBT at week 21"),
    ],
)
def test_no_estimate_sentences_name_the_visit_by_its_label(
    cli: Callable[..., CliResult],
    write_trial: Callable[..., TrialFiles],
    tmp_path: Path,
    labels: list[str] | None,
    where: str,
    reason: str,
) -> None:
    files = _trial(write_trial, labels)
    md = tmp_path / "report.md"
    result = cli("analyze", files.data, "--plan", files.plan, "--markdown", md)
    assert result.exit_code == 0, result.output
    report = md.read_text("utf-8")
    for model in ("MMRM", "ANCOVA"):
        sentence = f"{model}: no estimate at {where}: {reason}."
        assert sentence in result.output  # the terminal report
        assert sentence in report
        note = f"Note: the {model} for Pain NRS has no estimate at {where}: {reason}."
        assert note in result.output  # stderr
    estimand = f"MMRM main: no estimate at {where}: {reason}."
    assert estimand in result.output
    assert estimand in report
    if labels is not None:
        for code in ("visit 21", "week 21", "visit 9", "week 9"):
            assert code not in result.output
            assert code not in report
