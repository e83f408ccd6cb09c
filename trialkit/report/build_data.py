"""The report document's numbers for the machine-readable formats: the JSON tree and the
CSV datasets, built once from the tidy result frames at full precision.

The JSON tree follows ``trialkit/report/schema/trial_report.schema.json`` (JSON Schema
2020-12), ``"schema_version": "1.2"``. Top level: ``trial`` (title, files, arms, every arm,
the comparisons, visits), ``settings``, ``outcomes`` (per outcome: the report rows of
:func:`~trialkit.report.csv_tables.results_frame`, the observed summaries, the MMRM with every
table, covariance attempts and sample accounting, the ANCOVA with per-visit samples; every
difference names its ``comparison``, and each model carries its dose-response ``trend`` or
null), ``summary``, ``models``, ``consort``, ``baseline``, ``adherence``, ``attrition``,
``discrepancies``, ``replication`` with its ``replication_note``, ``effects``, ``estimands``,
``responders``, ``multiplicity`` and ``result_status`` when the plan has them
(:mod:`trialkit.report.json_responders`), the report's ``footnotes`` and the pre-filled
CONSORT 2025 checklist (``consort_checklist``: every item, and item 26's numbers at full
precision).

Tables stay tidy frames (:class:`~trialkit.report.document.Dataset`) until a renderer writes
them; everything else becomes plain values here, NaN as None. The CSV datasets are
:func:`report_datasets`, one file each.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trialkit.analysis import OutcomeAnalysis, TrialAnalysis
from trialkit.analysis.estimands import EstimandResult
from trialkit.core.version import __version__
from trialkit.models.accounting import SampleAccounting
from trialkit.models.ancova import AncovaResult
from trialkit.models.mmrm import MMRMResult
from trialkit.report.arms import comparison_names, model_trend, report_arms
from trialkit.report.consort_checklist import ChecklistItem, consort_checklist, outcome_results
from trialkit.report.csv_tables import (
    excluded_frame,
    models_frame,
    results_frame,
    stacked_frame,
)
from trialkit.report.document import Dataset, MachineData, plain_scalar
from trialkit.report.format import arm_labels
from trialkit.report.json_responders import responder_blocks, responder_csv_tables
from trialkit.report.notes import footnotes, replication_note
from trialkit.summaries.reconcile import discrepancies_frame

SCHEMA_VERSION = "1.2"


def plain(value: Any, name: str = "table") -> Any:
    """Plain data from dataclasses, dicts, sequences and NumPy/pandas scalars; frames become
    :class:`Dataset` leaves named ``name`` (their cells are converted when rendered)."""
    if value is None or type(value) in (str, int, bool, float):
        return plain_scalar(value)
    if isinstance(value, pd.DataFrame):
        return Dataset(name, value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: plain(getattr(value, f.name), f"{name}.{f.name}")
            for f in dataclasses.fields(value)
        }
    if isinstance(value, dict):
        return {str(k): plain(v, f"{name}.{k}") for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [plain(v, name) for v in value]
    if isinstance(value, Path):
        return str(value)
    return plain_scalar(value)


def _sample(s: SampleAccounting) -> dict[str, Any]:
    return {
        "n_subjects": plain(s.n_subjects),
        "n_observations": plain(s.n_observations),
        "excluded": plain(s.excluded, "excluded"),
    }


def _mmrm(oa: OutcomeAnalysis) -> dict[str, Any] | None:
    m = oa.mmrm
    if m is None:
        return None
    return {
        "covariance": m.covariance,
        "requested_covariance": m.requested_covariance,
        "attempts": plain(m.attempts),
        "df_method": m.df_method,
        "reml": m.reml,
        "robust": m.robust,
        "lsmeans_weights": m.lsmeans_weights,
        "alpha": m.alpha,
        "converged": m.converged,
        "loglik": plain(m.loglik),
        "aic": plain(m.aic),
        "bic": plain(m.bic),
        "effect_size_definition": m.effect_size_definition,
        "sample": _sample(m.sample),
        "differences": plain(m.differences, "mmrm_differences"),
        "lsmeans": plain(m.lsmeans, "mmrm_lsmeans"),
        "effect_sizes": plain(m.effect_sizes, "mmrm_effect_sizes"),
        "coefficients": plain(m.coefficients, "mmrm_coefficients"),
        "type3": plain(m.type3, "mmrm_type3"),
        "trend": plain(model_trend(m), "mmrm_trend"),
    }


def _ancova(oa: OutcomeAnalysis) -> dict[str, Any] | None:
    a = oa.ancova
    if a is None:
        return None
    return {
        "robust": a.robust,
        "lsmeans_weights": a.lsmeans_weights,
        "alpha": a.alpha,
        "differences": plain(a.differences, "ancova_differences"),
        "lsmeans": plain(a.lsmeans, "ancova_lsmeans"),
        "samples": {str(v): _sample(s) for v, s in a.samples.items()},
        "trend": plain(model_trend(a), "ancova_trend"),
    }


def _fitted(analysis: TrialAnalysis) -> MMRMResult | AncovaResult | None:
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
            {"visit": x, "label": v.label(x), "week": plain(w), "baseline": x == v.baseline}
            for x, w in zip(v.order, weeks, strict=True)
        ],
        "alpha": plan.analysis.alpha,
        "calibrated_to_published": plan.calibrated_to_published,
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
                "n_subjects": plain(r.n_subjects),
                "n_imputed": plain(r.n_imputed),
                "error": r.error,
                "notes": list(r.notes),
                "differences": plain(r.differences, "estimand_differences"),
                "tipping_point": None
                if r.tipping is None
                else {
                    "visit": r.tipping_visit,
                    "grid": plain(r.tipping, "tipping_point"),
                    "tipping_points": plain(list(r.tipping_points)),
                    "by_comparison": [
                        {"comparison": c, "tipping_points": plain(list(p))}
                        for c, p in r.tipping_by_comparison
                    ],
                },
            }
        )
    return {
        "name": e.spec.name,
        "outcome": e.spec.outcome,
        "visits": list(e.spec.visits),
        "n_population": plain(e.n_population),
        "attributes": plain(e.attributes),
        "events": plain(e.events, "estimand_events"),
        "estimators": estimators,
    }


def _outcome(oa: OutcomeAnalysis, results: pd.DataFrame) -> dict[str, Any]:
    o = oa.outcome
    derived = {} if oa.derived is None else {"derived": plain(oa.derived, "derived")}
    return {
        "name": o.name,
        "label": o.label,
        "role": o.role,
        "lower_is_better": o.lower_is_better,
        "range": plain(o.range),
        "units": o.units,
        "results": Dataset("results", results[results["outcome"] == oa.name]),
        "observed": plain(oa.observed, "observed"),
        **derived,
        "mmrm": _mmrm(oa),
        "mmrm_error": oa.mmrm_error,
        "ancova": _ancova(oa),
        "ancova_error": oa.ancova_error,
        "not_estimable": [{"model": m, "visit": v, "reason": r} for m, v, r in oa.not_estimable()],
    }


def report_datasets(analysis: TrialAnalysis) -> tuple[Dataset, ...]:
    """Every table of the report as a dataset (one CSV file each), numbers unrounded:
    ``results`` (:func:`~trialkit.report.csv_tables.results_frame`), ``summary``, ``models``,
    the stacked MMRM ``mmrm_coefficients`` and ``mmrm_type3``, ``excluded``, ``consort``,
    the baseline, attrition and adherence tables, ``discrepancies``, ``effects`` (the input
    of ``trialkit meta``), ``replication`` and the responder and multiplicity tables of
    :func:`~trialkit.report.json_responders.responder_csv_tables`."""
    frames = {
        "results": results_frame(analysis),
        "summary": analysis.summary_frame(),
        "models": models_frame(analysis),
        "mmrm_coefficients": stacked_frame(analysis, "coefficients"),
        "mmrm_type3": stacked_frame(analysis, "type3"),
        "excluded": excluded_frame(analysis),
        "consort": analysis.consort.to_frame(),
        "baseline": analysis.baseline.to_frame(),
        "baseline_comparisons": analysis.baseline.comparisons_frame(),
        "attrition_by_visit": analysis.attrition.by_visit_frame(),
        "attrition_reasons": analysis.attrition.reasons,
        "attrition_patterns": analysis.attrition.patterns,
        "attrition_differential": analysis.attrition.differential_frame(),
        "discrepancies": discrepancies_frame(analysis.discrepancies),
        "effects": analysis.effects_frame(),
    }
    if analysis.adherence is not None:
        frames["adherence"] = analysis.adherence.to_frame()
        frames["adherence_distribution"] = analysis.adherence.distribution_frame()
    if analysis.replication is not None:
        frames["replication"] = analysis.replication
    frames.update(responder_csv_tables(analysis))
    return tuple(Dataset(name, frame) for name, frame in frames.items())


def report_data(
    analysis: TrialAnalysis,
    datasets: tuple[Dataset, ...],
    checklist: tuple[tuple[ChecklistItem, ...], pd.DataFrame] | None = None,
) -> dict[str, Any]:
    """The JSON tree (see the module docstring); tables shared with ``datasets`` are the
    same :class:`Dataset` objects. ``checklist``: the CONSORT checklist items and item 26
    results when the report has them already (else they are computed)."""
    items, item26 = checklist or (consort_checklist(analysis), outcome_results(analysis))
    shared = {d.name: d for d in datasets}
    results = shared["results"].frame
    attr = analysis.attrition
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "trialkit.trial_report",
        "trialkit_version": __version__,
        "trial": _trial(analysis),
        "settings": plain(analysis.settings),
        "outcomes": [_outcome(oa, results) for oa in analysis.outcomes],
        "summary": shared["summary"],
        "models": shared["models"],
        "consort": plain(analysis.consort, "consort"),
        "baseline": {
            "groups": plain(analysis.baseline.group_labels),
            "statistics": shared["baseline"],
            "comparisons": shared["baseline_comparisons"],
        },
        "adherence": plain(analysis.adherence, "adherence"),
        "attrition": {
            "assessed_by": attr.assessed_by,
            "by_visit": shared["attrition_by_visit"],
            "reasons": shared["attrition_reasons"],
            "patterns": shared["attrition_patterns"],
            "differential": shared["attrition_differential"],
            "last_assessment": plain(attr.last_assessment, "last_assessment"),
            "completers": plain(attr.completers.to_frame(), "completers"),
            "completers_comparisons": plain(
                attr.completers.comparisons_frame(), "completers_comparisons"
            ),
        },
        "discrepancies": plain(analysis.discrepancies, "discrepancies"),
        "replication": plain(analysis.replication, "replication"),
        "replication_note": replication_note(analysis),
        "effects": shared["effects"],
        "estimands": [_estimand(e) for e in analysis.estimands],
        **responder_blocks(analysis),
        "footnotes": footnotes(analysis),
        "consort_checklist": {
            "items": plain(items, "consort_checklist"),
            "outcome_results": plain(item26, "outcome_results"),
        },
    }


def report_machine(
    analysis: TrialAnalysis,
    checklist: tuple[tuple[ChecklistItem, ...], pd.DataFrame] | None = None,
) -> MachineData:
    """The document's machine-readable part: :func:`report_data` and :func:`report_datasets`
    (built when a JSON, CSV or effects output first asks; see
    :class:`~trialkit.report.document.Document`)."""
    datasets = report_datasets(analysis)
    return report_data(analysis, datasets, checklist), datasets
