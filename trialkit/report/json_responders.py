"""The JSON blocks and CSV tables of the responder outcomes, the multiplicity procedure and the
confirmatory / exploratory status of every result (optional fields of schema 1.1).

* ``responders``: per ``[[responders]]`` outcome its definition, settings, counts, unadjusted
  and adjusted effects (requested measures), exclusions and visits without an estimate.
* ``multiplicity``: the procedure, alpha, the hypotheses with their source estimates, raw and
  adjusted p-values and decisions, the rejection order and the graph.
* ``result_status``: one row per result the report shows (MMRM difference per outcome x
  visit, responder measure per visit): ``confirmatory`` or ``exploratory`` and the hypothesis.
  Empty without ``[multiplicity]``.

:func:`responder_csv_tables` gives the same numbers as the CSV tables ``responder_counts``,
``responder_unadjusted``, ``responder_effects`` (with the status) and ``multiplicity``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from trialkit.analysis import TrialAnalysis
from trialkit.analysis.responders import ResponderAnalysis
from trialkit.report.build_multiplicity import status_label


def _jsonable(value: Any) -> Any:
    from trialkit.report.json_report import jsonable  # (json_report imports this module)

    return jsonable(value)


def responder_blocks(analysis: TrialAnalysis) -> dict[str, Any]:
    """The optional top-level blocks present for this plan: ``responders`` with
    ``[[responders]]``, ``multiplicity`` and ``result_status`` with ``[multiplicity]``."""
    out: dict[str, Any] = {}
    if analysis.responders:
        out["responders"] = responders_block(analysis)
    if analysis.multiplicity is not None:
        out["multiplicity"] = multiplicity_block(analysis)
        out["result_status"] = result_status(analysis)
    return out


def _responder(ra: ResponderAnalysis) -> dict[str, Any]:
    spec, res = ra.spec, ra.result
    return {
        "name": spec.name,
        "label": ra.label,
        "definition": ra.definition,
        "outcome": spec.outcome,
        "column": spec.column or (list(spec.columns) or None),
        "rule": res.rule if res is not None else spec.rule(),
        "covariates": list(spec.covariates or ()),
        "measures": list(spec.measures),
        "variance": res.variance if res is not None else spec.estimation.label,
        "alpha": res.alpha if res is not None else None,
        "error": ra.error,
        "visits": list(spec.visits),
        "counts": _jsonable(res.counts) if res is not None else [],
        "unadjusted": _jsonable(res.unadjusted) if res is not None else [],
        "effects": _jsonable(ra.effects()) if res is not None else [],
        "risks": _jsonable(res.risks) if res is not None else [],
        "excluded": _jsonable(res.excluded) if res is not None else [],
        "not_estimable": _jsonable(res.not_estimable) if res is not None else [],
    }


def responders_block(analysis: TrialAnalysis) -> list[dict[str, Any]]:
    """Every responder outcome (empty without ``[[responders]]``)."""
    return [_responder(ra) for ra in analysis.responders]


def multiplicity_block(analysis: TrialAnalysis) -> dict[str, Any] | None:
    """The multiplicity procedure and its decisions (None without ``[multiplicity]``)."""
    mult = analysis.multiplicity
    if mult is None:
        return None
    res = mult.result
    graph = None
    if res.graph is not None:
        graph = {
            "hypotheses": list(res.graph.hypotheses),
            "weights": _jsonable(res.graph.weights),
            "transitions": _jsonable(res.graph.transitions),
        }
    return {
        "procedure": res.method,
        "alpha": mult.alpha,
        "hypotheses": _jsonable(mult.table()),
        "rejection_sequence": list(res.rejection_sequence),
        "graph": graph,
    }


def result_status(analysis: TrialAnalysis) -> list[dict[str, Any]]:
    """Every MMRM and responder result with its status (empty without ``[multiplicity]``)."""
    if analysis.multiplicity is None:
        return []
    out = []
    for oa in analysis.outcomes:
        if oa.mmrm is None:
            continue
        for v in oa.mmrm.differences["visit"].astype(str):
            out.append(_status(analysis, oa.name, v, "MMRM difference", None))
    for ra in analysis.responders:
        if ra.result is None:
            continue
        for e in ra.effects().itertuples():
            out.append(_status(analysis, ra.name, str(e.visit), str(e.measure), e.comparison))
    return out


def _status(
    analysis: TrialAnalysis, outcome: str, visit: str, measure: str, comparison: Any
) -> dict[str, Any]:
    responder = measure != "MMRM difference"
    label = status_label(
        analysis, outcome, visit, comparison if responder else None, measure if responder else None
    )
    hyp = label[label.find("(") + 1 : -1] if label.startswith("confirmatory") else None
    return {
        "outcome": outcome,
        "visit": visit,
        "measure": measure,
        "status": "confirmatory" if hyp else "exploratory",
        "hypothesis": hyp,
    }


def responder_csv_tables(analysis: TrialAnalysis) -> dict[str, pd.DataFrame]:
    """CSV tables by file stem (none without responders or multiplicity)."""
    tables: dict[str, pd.DataFrame] = {}
    done = [ra for ra in analysis.responders if ra.result is not None]
    if done:
        for stem, get in (
            ("responder_counts", lambda ra: ra.result.counts),
            ("responder_unadjusted", lambda ra: ra.result.unadjusted),
        ):
            tables[stem] = pd.concat(
                [get(ra).assign(responder=ra.name) for ra in done], ignore_index=True
            )
        effects = []
        for ra in done:
            e = ra.effects().assign(responder=ra.name)
            labels = [
                status_label(analysis, ra.name, str(r.visit), str(r.comparison), str(r.measure))
                for r in e.itertuples()
            ]
            effects.append(e.assign(status=labels) if analysis.multiplicity else e)
        tables["responder_effects"] = pd.concat(effects, ignore_index=True)
        for stem in ("responder_counts", "responder_unadjusted", "responder_effects"):
            t = tables[stem]
            tables[stem] = t[["responder", *[c for c in t.columns if c != "responder"]]]
    mult = analysis.multiplicity
    if mult is not None:
        tables["multiplicity"] = mult.table().assign(procedure=mult.result.method, alpha=mult.alpha)
    return tables
