"""`trialkit analyze --json` on the bundled sample: the MMRM and ANCOVA exclusion reasons name
the outcome and visit by their labels (issue 13), never by the raw column name or visit code.

The expected texts are built from the sample plan's own labels, not copied from the output.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import trialkit
from trialkit.data.bundled import sample_plan


def _model_reasons(report: dict) -> dict[str, list[str]]:
    """Outcome name -> every exclusion reason of its MMRM and per-visit ANCOVA samples."""
    out: dict[str, list[str]] = {}
    for o in report["outcomes"]:
        samples = [o["mmrm"]["sample"], *o["ancova"]["samples"].values()]
        out[o["name"]] = [e["reason"] for s in samples for e in s["excluded"]]
    return out


def test_analyze_json_exclusion_reasons_use_labels(cli, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = cli("analyze", "--json", out)
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    trial = trialkit.read_trial(None, sample_plan())
    plan = trial.plan
    primary = plan.primary
    last = plan.visits.post_baseline[-1]
    reasons = _model_reasons(report)

    # an excluded subject of the primary outcome's final-visit ANCOVA, in labels
    assert f"no observed {primary.label} at {plan.visits.label(last)}" in reasons[primary.name]
    assert f"no observed {primary.label} at any analysed visit" in reasons[primary.name]

    raw_visits = [f"{trial.visit_col} {v}" for v in plan.visits.order]
    for o in plan.outcomes:
        assert reasons[o.name], f"the sample has subjects excluded from {o.name}'s models"
        column = re.compile(rf"\b{re.escape(trial.outcome_column(o))}\b")
        for r in reasons[o.name]:
            assert o.label in r, r
            assert not column.search(r.replace(o.label, "")), r
            assert not any(v in r for v in raw_visits), r
