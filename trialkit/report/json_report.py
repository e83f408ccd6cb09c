"""The trial report as JSON: every number at full precision, in a versioned schema.

The document follows ``trialkit/report/schema/trial_report.schema.json`` (JSON Schema
2020-12), ``"schema_version": "1.2"``. Top level: ``trial`` (title, files, arms, every arm,
the comparisons, visits), ``settings``, ``outcomes`` (per outcome: the report rows of
:func:`~trialkit.report.csv_tables.results_frame`, the observed summaries, the MMRM with every
table, covariance attempts and sample accounting, the ANCOVA with per-visit samples; every
difference names its ``comparison``, and each model carries its dose-response ``trend`` or
null), ``summary``, ``models``, ``consort``, ``baseline``, ``adherence``, ``attrition``,
``discrepancies``, ``replication`` with its ``replication_note``, ``effects``, ``estimands``,
``responders``, ``multiplicity`` and ``result_status`` when the plan has them
(:mod:`trialkit.report.json_responders`), the report's
``footnotes`` and the pre-filled CONSORT 2025 checklist (``consort_checklist``: every item,
and item 26's numbers at full precision).

Missing numbers (NaN) are ``null``; floats are written with ``repr`` precision (17
significant digits), so the file round-trips every value exactly.
"""

from __future__ import annotations

import dataclasses
import json
import math
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trialkit.analysis import OutcomeAnalysis, TrialAnalysis
from trialkit.analysis.estimands import EstimandResult
from trialkit.core.version import __version__
from trialkit.models.accounting import SampleAccounting
from trialkit.report.arms import comparison_names, model_trend, report_arms
from trialkit.report.consort_checklist import consort_checklist, outcome_results
from trialkit.report.csv_tables import models_frame, results_frame
from trialkit.report.format import arm_labels
from trialkit.report.json_responders import responder_blocks
from trialkit.report.notes import footnotes, replication_note

SCHEMA_VERSION = "1.2"
SCHEMA_RESOURCE = ("trialkit.report", "schema/trial_report.schema.json")


def jsonable(value: Any) -> Any:
    """Plain JSON data from frames, dataclasses, NumPy/pandas scalars; NaN and NA -> None."""
    if value is None or type(value) in (str, int, bool):  # the common leaves, first
        return value
    if type(value) is float:
        return value if math.isfinite(value) else None
    if isinstance(value, pd.DataFrame):  # column by column: one tolist() per column
        names = [str(c) for c in value.columns]
        if not names:
            return [{} for _ in range(len(value))]
        cols = [[jsonable(v) for v in value.iloc[:, j].tolist()] for j in range(len(names))]
        return [dict(zip(names, row, strict=True)) for row in zip(*cols, strict=True)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, np.generic):
        value = value.item()
    if value is pd.NA or value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _sample(s: SampleAccounting) -> dict[str, Any]:
    return {
        "n_subjects": jsonable(s.n_subjects),
        "n_observations": jsonable(s.n_observations),
        "excluded": jsonable(s.excluded),
    }


def _mmrm(oa: OutcomeAnalysis) -> dict[str, Any] | None:
    m = oa.mmrm
    if m is None:
        return None
    return {
        "covariance": m.covariance,
        "requested_covariance": m.requested_covariance,
        "attempts": jsonable(m.attempts),
        "df_method": m.df_method,
        "reml": m.reml,
        "robust": m.robust,
        "lsmeans_weights": m.lsmeans_weights,
        "alpha": m.alpha,
        "converged": m.converged,
        "loglik": jsonable(m.loglik),
        "aic": jsonable(m.aic),
        "bic": jsonable(m.bic),
        "effect_size_definition": m.effect_size_definition,
        "sample": _sample(m.sample),
        "differences": jsonable(m.differences),
        "lsmeans": jsonable(m.lsmeans),
        "effect_sizes": jsonable(m.effect_sizes) if m.effect_sizes is not None else None,
        "coefficients": jsonable(m.coefficients),
        "type3": jsonable(m.type3),
        "trend": jsonable(model_trend(m)),
    }


def _ancova(oa: OutcomeAnalysis) -> dict[str, Any] | None:
    a = oa.ancova
    if a is None:
        return None
    return {
        "robust": a.robust,
        "lsmeans_weights": a.lsmeans_weights,
        "alpha": a.alpha,
        "differences": jsonable(a.differences),
        "lsmeans": jsonable(a.lsmeans),
        "samples": {str(v): _sample(s) for v, s in a.samples.items()},
        "trend": jsonable(model_trend(a)),
    }


def _fitted(analysis: TrialAnalysis) -> object | None:
    """The first fitted model (its comparisons are the report's), or None."""
    return next((m for oa in analysis.outcomes for m in (oa.mmrm, oa.ancova) if m), None)


def _trial(analysis: TrialAnalysis) -> dict[str, Any]:
    plan = analysis.trial.plan
    n = analysis.trial.subjects[analysis.trial.arm_col].astype(str).value_counts()
    v = plan.visits
    weeks = v.weeks if v.weeks else (None,) * len(v.order)
    all_arms = report_arms(analysis.trial)
    return {
        "title": plan.title,
        "data_file": plan.data.name if plan.data is not None else None,
        "plan_file": plan.path.name if plan.path is not None else None,
        "n_randomised": len(analysis.trial.subjects),
        "arms": {
            role: {"value": value, "label": label, "n_randomised": int(n.get(value, 0))}
            for role, value, label in (
                ("control", plan.arms.control, arm_labels(plan)[0]),
                ("treatment", plan.arms.treatment, arm_labels(plan)[1]),
            )
        },
        "all_arms": [{"value": a.value, "label": a.label, "n_randomised": a.n} for a in all_arms],
        "comparisons": [
            {"comparison": c, "label": shown}
            for c, shown in comparison_names(_fitted(analysis), all_arms).items()
        ],
        "visits": [
            {"visit": x, "label": v.label(x), "week": w, "baseline": x == v.baseline}
            for x, w in zip(v.order, weeks, strict=True)
        ],
        "alpha": plan.analysis.alpha,
        "calibrated_to_published": plan.calibrated_to_published,
    }


def report_dict(analysis: TrialAnalysis) -> dict[str, Any]:
    """The whole report as plain JSON-ready data (see the module docstring)."""
    results = results_frame(analysis)
    outcomes = []
    for oa in analysis.outcomes:
        o = oa.outcome
        outcomes.append(
            {
                "name": o.name,
                "label": o.label,
                "role": o.role,
                "lower_is_better": o.lower_is_better,
                "range": jsonable(o.range),
                "units": o.units,
                "results": jsonable(results[results["outcome"] == oa.name]),
                "observed": jsonable(oa.observed),
                "mmrm": _mmrm(oa),
                "mmrm_error": oa.mmrm_error,
                "ancova": _ancova(oa),
                "ancova_error": oa.ancova_error,
                "not_estimable": [
                    {"model": m, "visit": v, "reason": r} for m, v, r in oa.not_estimable()
                ],
            }
        )
    attr = analysis.attrition
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "trialkit.trial_report",
        "trialkit_version": __version__,
        "trial": _trial(analysis),
        "settings": jsonable(analysis.settings),
        "outcomes": outcomes,
        "summary": jsonable(analysis.summary_frame()),
        "models": jsonable(models_frame(analysis)),
        "consort": jsonable(analysis.consort),
        "baseline": {
            "groups": jsonable(analysis.baseline.group_labels),
            "statistics": jsonable(analysis.baseline.to_frame()),
            "comparisons": jsonable(analysis.baseline.comparisons_frame()),
        },
        "adherence": jsonable(analysis.adherence),
        "attrition": {
            "assessed_by": attr.assessed_by,
            "by_visit": jsonable(attr.by_visit_frame()),
            "reasons": jsonable(attr.reasons),
            "patterns": jsonable(attr.patterns),
            "differential": jsonable(attr.differential_frame()),
            "last_assessment": jsonable(attr.last_assessment),
            "completers": jsonable(attr.completers.to_frame()),
            "completers_comparisons": jsonable(attr.completers.comparisons_frame()),
        },
        "discrepancies": jsonable(analysis.discrepancies),
        "replication": jsonable(analysis.replication),
        "replication_note": replication_note(analysis),
        "effects": jsonable(analysis.effects_frame()),
        "estimands": [_estimand(e) for e in analysis.estimands],
        **responder_blocks(analysis),
        "footnotes": footnotes(analysis),
        "consort_checklist": {
            "items": jsonable(consort_checklist(analysis)),
            "outcome_results": jsonable(outcome_results(analysis)),
        },
    }


def _estimand(e: EstimandResult) -> dict[str, Any]:
    """One estimand: attributes, events in the data, and every estimator's results."""
    estimators = []
    for i, r in enumerate(e.estimators):
        estimators.append(
            {
                "name": r.spec.name,
                "role": "main" if i == 0 else "sensitivity",
                "method": r.spec.method,
                "assumption": r.spec.assumption,
                "label": r.label,
                "n_subjects": r.n_subjects,
                "n_imputed": r.n_imputed,
                "error": r.error,
                "notes": list(r.notes),
                "differences": jsonable(r.differences),
                "tipping_point": None
                if r.tipping is None
                else {
                    "visit": r.tipping_visit,
                    "grid": jsonable(r.tipping),
                    "tipping_points": list(r.tipping_points),
                },
            }
        )
    return {
        "name": e.spec.name,
        "outcome": e.spec.outcome,
        "visits": list(e.spec.visits),
        "n_population": e.n_population,
        "attributes": jsonable(e.attributes),
        "events": jsonable(e.events),
        "estimators": estimators,
    }


def render_json(analysis: TrialAnalysis) -> str:
    """:func:`report_dict` as indented JSON text (strict: no NaN literals)."""
    return json.dumps(report_dict(analysis), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_json(analysis: TrialAnalysis, path: str | Path) -> Path:
    """Write :func:`render_json` to ``path``."""
    path = Path(path)
    path.write_text(render_json(analysis), encoding="utf-8")
    return path


def load_schema() -> dict[str, Any]:
    """The JSON Schema of the report (shipped as package data)."""
    package, name = SCHEMA_RESOURCE
    return json.loads(resources.files(package).joinpath(name).read_text(encoding="utf-8"))
