"""Meta-analysis results as JSON (versioned), CSV and Markdown, plus the text helpers that
the terminal and figure renderers share."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from trialkit.meta.analysis import MetaAnalysisResult
from trialkit.meta.io import LABEL_SEP
from trialkit.meta.workflow import MetaItem, MetaRun
from trialkit.report.spreadsheet import write_csv as write_guarded_csv

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
    "write_json",
    "write_csv",
    "write_markdown",
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


def fmt(x: float | None, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "NA"
    return f"{x:.{digits}f}"


def fmt_pct(x: float | None, digits: int = 0) -> str:
    """A percentage such as I²: ``42%``, or ``NA`` when it is not defined (one study)."""
    text = fmt(x, digits)
    return text if text == "NA" else f"{text}%"


def n_studies(k: int) -> str:
    """``1 study``, ``2 studies``."""
    return f"{k} study" if k == 1 else f"{k} studies"


def fmt_ci(est: float, lo: float, hi: float, digits: int = 2) -> str:
    return f"{fmt(est, digits)} [{fmt(lo, digits)}, {fmt(hi, digits)}]"


def fmt_p(p: float) -> str:
    """RevMan style: ``< 0.00001``, ``< 0.0001``, then 4, 3 or 2 decimals (0.0002, 0.006, 0.03)."""
    if p is None or math.isnan(p):
        return "NA"
    if p < 0.00001:
        return "< 0.00001"
    if p < 0.0001:
        return "< 0.0001"
    return f"{p:.4f}" if p < 0.001 else f"{p:.3f}" if p < 0.01 else f"{p:.2f}"


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


def write_json(run: MetaRun, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(json.dumps(run_to_dict(run), indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def write_csv(run: MetaRun, path: str | Path) -> Path:
    """One row per study and per pooled estimate (``row_type`` = study, pooled, subgroup,
    sensitivity) with ``estimate, std_error, df, ci_lower, ci_upper, p_value, weight``."""
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
    path = Path(path)
    write_guarded_csv(pd.concat(frames, ignore_index=True), path, float_format=None)
    return path


def _md_escape(text: str) -> str:
    return str(text).replace("|", "\\|")


def write_markdown(run: MetaRun, path: str | Path) -> Path:
    """Table 2 layout, then per analysis the study table and the RevMan summary lines."""
    m = measure_label(run.measure)
    lines = [f"# Meta-analysis of {_md_escape(run.source)}", ""]
    if run.preset_description:
        lines += [run.preset_description, ""]
    lines += [f"| Comparison | # Studies | {m} [95% CI] | p | I² |", "|---|---:|---|---:|---:|"]
    for r in table2_rows(run):
        pad = "&nbsp;&nbsp;" * r["level"]
        if r.get("header") or r.get("note"):
            lines.append(f"| {pad}{_md_escape(r['comparison'])} | | | | |")
        else:
            lines.append(
                f"| {pad}{_md_escape(r['comparison'])} | {r['k']} | "
                f"{fmt_ci(r['estimate'], r['ci_lower'], r['ci_upper'])} | {fmt_p(r['p_value'])} | "
                f"{fmt_pct(r['i2'])} |"
            )
    for it in run.items:
        res = it.result
        lines += [
            "",
            f"## {_md_escape(it.label or 'All studies')}",
            "",
            f"| Study | {m} [95% CI] | Weight |",
            "|---|---|---:|",
        ]
        for _, s in res.studies.iterrows():
            lines.append(
                f"| {_md_escape(s['study'])} | "
                f"{fmt_ci(s['yi'], s['ci_lower'], s['ci_upper'])} | "
                f"{s['weight']:.1f}% |"
            )
        lines += [
            f"| **Total ({model_label(res)})** | "
            f"**{fmt_ci(res.estimate, res.ci_lower, res.ci_upper)}** | 100.0% |",
            "",
            heterogeneity_text(res) + "  ",
            overall_text(res) + "  ",
            f"Prediction interval: [{fmt(res.pi_lower)}, {fmt(res.pi_upper)}]; "
            f"Tau² 95% CI (Q-profile): [{fmt(res.tau2_ci_lower, 3)}, {fmt(res.tau2_ci_upper, 3)}]",
        ]
        for e in it.egger:
            lines[-1] += "  "
            lines.append(
                f"Egger's test ({e.model}): {e.statistic_name} = {e.statistic:.2f}, "
                f"P {_eq(e.p_value)}"
            )
        if it.sensitivity is not None:
            s = it.sensitivity
            lines += [
                "",
                f"Sensitivity analysis without studies {_md_escape(it.sensitivity_reason)}: "
                f"{fmt_ci(s.estimate, s.ci_lower, s.ci_upper)}, P {_eq(s.p_value)}, "
                f"I² = {fmt_pct(s.i2)} (k = {s.k}).",
            ]
    path = Path(path)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
