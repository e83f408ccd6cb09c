"""Meta-analysis results as data and text for the meta-analysis report document
(:mod:`trialkit.report.build_meta`) and figures: the versioned JSON tree
(:func:`run_to_dict`), the CSV table (:func:`results_frame`), the Table 2 rows and RevMan's
summary lines."""

from __future__ import annotations

import math

import pandas as pd

from trialkit.meta.analysis import MetaAnalysisResult
from trialkit.meta.io import LABEL_SEP
from trialkit.meta.workflow import MetaItem, MetaRun
from trialkit.report.format import revman_ci as fmt_ci
from trialkit.report.format import revman_num as fmt
from trialkit.report.format import revman_p as fmt_p
from trialkit.report.format import revman_pct as fmt_pct

__all__ = [
    "SCHEMA_VERSION",
    "fmt",
    "fmt_ci",
    "fmt_p",
    "measure_label",
    "model_label",
    "heterogeneity_text",
    "overall_text",
    "table2_rows",
    "run_to_dict",
    "results_frame",
]

SCHEMA_VERSION = "1.0"

_MEASURES = {
    "MD": "MD",
    "SMD": "SMD",
    "SMCR": "SMC (raw-score standardised)",
    "SMCC": "SMC (change-score standardised)",
    "GEN": "Effect",
}
_METHODS = {"FE": "fixed effect", "DL": "DerSimonian-Laird", "REML": "REML", "PM": "Paule-Mandel"}


def n_studies(k: int) -> str:
    """``1 study``, ``2 studies``."""
    return f"{k} study" if k == 1 else f"{k} studies"


def measure_label(measure: str) -> str:
    return _MEASURES.get(measure, measure)


def model_label(res: MetaAnalysisResult) -> str:
    """E.g. ``IV, Random (REML, HKSJ), 95% CI`` in RevMan's wording."""
    kind = "Fixed" if res.method == "FE" else f"Random ({_METHODS[res.method]}"
    if res.method != "FE":
        kind += ", HKSJ)" if res.hksj else ")"
    elif res.hksj:
        kind += " (HKSJ)"
    return f"IV, {kind}, {round(res.level * 100)}% CI"


def heterogeneity_text(res: MetaAnalysisResult) -> str:
    if res.k < 2:
        return "Heterogeneity: not applicable"
    tau = "" if res.method == "FE" else f"Tau² = {fmt(res.tau2)}; "
    return (
        f"Heterogeneity: {tau}Chi² = {fmt(res.q)}, df = {res.q_df} (P {_eq(res.q_p_value)}); "
        f"I² = {fmt_pct(res.i2)}"
    )


def overall_text(res: MetaAnalysisResult) -> str:
    stat = "Z" if res.df is None else f"t({res.df:g})"
    return f"Test for overall effect: {stat} = {abs(res.statistic):.2f} (P {_eq(res.p_value)})"


def _eq(p: float) -> str:
    s = fmt_p(p)
    return s if s.startswith("<") else f"= {s}"


def table2_rows(run: MetaRun) -> list[dict]:
    """Rows in the layout of the ISTDP paper's Table 2 (comparison, k, effect [CI], p, I²).

    With two or more ``by`` columns the first one becomes a header row (e.g. the comparison)
    and the rest label the analyses under it (e.g. the outcome), as in the paper.
    """
    rows: list[dict] = []

    def row(name: str, res: MetaAnalysisResult, level: int) -> dict:
        return {
            "comparison": name,
            "level": level,
            "k": res.k,
            "estimate": res.estimate,
            "ci_lower": res.ci_lower,
            "ci_upper": res.ci_upper,
            "p_value": res.p_value,
            "i2": res.i2,
        }

    current = None
    for it in run.items:
        head, _, name = it.label.rpartition(LABEL_SEP)
        base = 0
        if head:
            if head != current:
                rows.append({"comparison": head, "level": 0, "header": True})
                current = head
            base = 1
        label = name or "All studies"
        if it.subgroups is not None:
            rows.append({"comparison": label, "level": base, "header": True})
            for sub_name, r in it.subgroups.groups:
                rows.append(row(sub_name, r, base + 1))
            rows.append(row("Total", it.result, base + 1))
            rows.append(
                {
                    "comparison": f"Test for subgroup differences: Chi² = "
                    f"{fmt(it.subgroups.q_between)}, df = {it.subgroups.df} "
                    f"(P {_eq(it.subgroups.p_value)})",
                    "level": base + 1,
                    "note": True,
                }
            )
        else:
            rows.append(row(label, it.result, base))
        if it.sensitivity is not None:
            excluded = ", ".join(it.sensitivity.excluded)
            rows.append(row(f"without {excluded}", it.sensitivity, base + 1))
    return rows


def _result_dict(res: MetaAnalysisResult) -> dict:
    keys = [
        "label",
        "measure",
        "method",
        "hksj",
        "smd_variance",
        "preset",
        "level",
        "k",
        "estimate",
        "std_error",
        "statistic",
        "df",
        "p_value",
        "ci_lower",
        "ci_upper",
        "pi_lower",
        "pi_upper",
        "tau2",
        "tau2_ci_lower",
        "tau2_ci_upper",
        "i2",
        "i2_ci_lower",
        "i2_ci_upper",
        "h2",
        "h2_ci_lower",
        "h2_ci_upper",
        "q",
        "q_df",
        "q_p_value",
    ]
    out = {k: _clean(getattr(res, k)) for k in keys}
    out["statistic_name"] = res.statistic_name
    out["excluded"] = list(res.excluded)
    out["studies"] = _records(res.studies)
    return out


def _clean(v):
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if hasattr(v, "item"):
        return _clean(v.item())
    return v


def _records(df: pd.DataFrame | None) -> list[dict] | None:
    if df is None:
        return None
    return [{k: _clean(v) for k, v in rec.items()} for rec in df.to_dict(orient="records")]


def _item_dict(it: MetaItem) -> dict:
    d = {"label": it.label, "result": _result_dict(it.result)}
    if it.subgroups is not None:
        s = it.subgroups
        d["subgroups"] = {
            "column": s.column,
            "groups": [{"name": n, **_result_dict(r)} for n, r in s.groups],
            "test_for_subgroup_differences": {
                "chi2": s.q_between,
                "df": s.df,
                "p_value": _clean(s.p_value),
            },
        }
    d["influence"] = _records(it.influence)
    d["leave_one_out"] = _records(it.leave_one_out)
    d["egger"] = [{k: _clean(v) for k, v in e.__dict__.items()} for e in it.egger]
    if it.sensitivity is not None:
        d["sensitivity"] = {"reason": it.sensitivity_reason, **_result_dict(it.sensitivity)}
    return d


def run_to_dict(run: MetaRun) -> dict:
    """The whole run as plain JSON-ready data, with ``schema_version``."""
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "trialkit.meta",
        "source": run.source,
        "options": {
            "measure": run.measure,
            "method": run.method,
            "hksj": run.hksj,
            "smd_variance": run.smd_variance,
            "preset": run.preset,
            "preset_description": run.preset_description,
            "prepost_r": run.prepost_r,
        },
        "analyses": [_item_dict(it) for it in run.items],
    }


def results_frame(run: MetaRun) -> pd.DataFrame:
    """One row per study and per pooled estimate (``row_type`` = study, pooled, subgroup,
    sensitivity) with ``estimate, std_error, df, ci_lower, ci_upper, p_value, weight``: the
    ``--csv`` file."""
    frames = []
    for it in run.items:
        s = it.result.studies
        frames.append(
            pd.DataFrame(
                {
                    "analysis": it.label,
                    "row_type": "study",
                    "name": s["study"],
                    "subgroup": s[it.subgroups.column] if it.subgroups is not None else "",
                    "k": 1,
                    "estimate": s["yi"],
                    "std_error": s["se"],
                    "df": float("nan"),
                    "ci_lower": s["ci_lower"],
                    "ci_upper": s["ci_upper"],
                    "p_value": float("nan"),
                    "weight": s["weight"],
                    "i2": float("nan"),
                    "tau2": float("nan"),
                }
            )
        )
        pooled = [("pooled", "Total", it.result)]
        if it.subgroups is not None:
            pooled += [("subgroup", n, r) for n, r in it.subgroups.groups]
        if it.sensitivity is not None:
            pooled.append(
                ("sensitivity", "without " + ", ".join(it.sensitivity.excluded), it.sensitivity)
            )
        frames.append(
            pd.DataFrame(
                [
                    {
                        "analysis": it.label,
                        "row_type": kind,
                        "name": name,
                        "subgroup": "",
                        "k": r.k,
                        "estimate": r.estimate,
                        "std_error": r.std_error,
                        "df": float("nan") if r.df is None else r.df,
                        "ci_lower": r.ci_lower,
                        "ci_upper": r.ci_upper,
                        "p_value": r.p_value,
                        "weight": 100.0,
                        "i2": r.i2,
                        "tau2": r.tau2,
                    }
                    for kind, name, r in pooled
                ]
            )
        )
    return pd.concat(frames, ignore_index=True)
