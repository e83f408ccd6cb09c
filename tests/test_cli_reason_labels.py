"""Exclusion reasons in labels (issue 13).

`trialkit analyze --json` on the bundled sample: the MMRM and ANCOVA exclusion reasons name
the outcome and visit by their labels, never by the raw column name or visit code (the
expected texts are built from the sample plan's own labels). The engines (mmrm R package's
``fev_data``): ``labels=`` / ``visit_labels=`` change only the wording; without them the
wording is the column name and ``"<visit column> <value>"`` as before.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

import trialkit
from trialkit import fit_ancova, fit_mmrm
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


# The engines themselves (library use): labels are optional and only change the wording.
FEV_ARGS = dict(outcome="FEV1", arm="ARMCD", control="PBO", visit="AVISIT", subject="USUBJID")
LABELS = {"FEV1": "FEV1 (L)", "FEV1_BL": "Baseline FEV1 (L)", "RACE": "Race"}
VISIT_LABELS = {f"VIS{i}": f"Visit {i}" for i in range(1, 5)}


def _fev_with_gaps():  # type: ignore[no-untyped-def]
    from mmrm_reference import fev_data

    df = fev_data()
    df.loc[df["USUBJID"] == "PT1", "FEV1_BL"] = np.nan
    return df


def test_mmrm_and_ancova_reasons_take_labels() -> None:
    df = _fev_with_gaps()
    named = {"labels": LABELS, "visit_labels": VISIT_LABELS}
    mmrm = fit_mmrm(df, **FEV_ARGS, covariates=["RACE", "FEV1_BL"], fallback=(), **named)
    plain = fit_mmrm(df, **FEV_ARGS, covariates=["RACE", "FEV1_BL"], fallback=())
    ex = mmrm.sample.excluded.set_index("subject")["reason"]
    ex_plain = plain.sample.excluded.set_index("subject")["reason"]
    assert ex["PT1"] == "missing covariate value(s): Baseline FEV1 (L)"
    assert ex_plain["PT1"] == "missing covariate value(s): FEV1_BL"
    never = df.groupby("USUBJID")["FEV1"].apply(lambda s: s.isna().all())
    never = never[never].index
    assert len(never) > 0
    assert set(ex[never]) == {"no observed FEV1 (L) at any analysed visit"}
    assert set(ex_plain[never]) == {"no observed FEV1 at any analysed visit"}
    # the same subjects, only the words differ
    assert list(ex.index) == list(ex_plain.index)
    assert mmrm.differences["estimate"].tolist() == plain.differences["estimate"].tolist()

    anc = fit_ancova(df, **FEV_ARGS, baseline="FEV1_BL", covariates=["RACE"], **named)
    anc_plain = fit_ancova(df, **FEV_ARGS, baseline="FEV1_BL", covariates=["RACE"])
    for v in anc.visits:
        reasons = anc.samples[v].excluded.set_index("subject")["reason"]
        assert f"no observed FEV1 (L) at {VISIT_LABELS[v]}" in set(reasons)
        pt1 = df[(df["USUBJID"] == "PT1") & (df["AVISIT"] == v)]["FEV1"]
        if pt1.notna().any():
            assert reasons["PT1"] == "missing covariate value(s): Baseline FEV1 (L)"
        else:
            assert reasons["PT1"] == f"no observed FEV1 (L) at {VISIT_LABELS[v]}"
        assert f"no observed FEV1 at AVISIT {v}" in set(anc_plain.samples[v].excluded["reason"])


def test_not_estimable_visit_reason_takes_labels() -> None:
    from mmrm_reference import fev_data

    df = fev_data()
    df.loc[(df["AVISIT"] == "VIS4") & (df["ARMCD"] == "TRT"), "FEV1"] = np.nan
    named = {"labels": LABELS, "visit_labels": VISIT_LABELS}
    fit = fit_mmrm(df, **FEV_ARGS, fallback=(), **named)
    assert fit.not_estimable == {"VIS4": "no observed FEV1 (L) in arm TRT at Visit 4"}
    plain = fit_mmrm(df, **FEV_ARGS, fallback=())
    assert plain.not_estimable == {"VIS4": "no observed FEV1 in arm TRT at AVISIT VIS4"}
