"""The power report as JSON (every number, exact) and as self-contained HTML."""

from __future__ import annotations

import json
import math
from html import escape
from pathlib import Path

from trialkit.power.design_file import PowerRun
from trialkit.report.power_tables import power_tables

SCHEMA_VERSION = "1.0"


def _clean(v: object) -> object:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if hasattr(v, "item"):
        return _clean(v.item())
    return v


def run_to_dict(run: PowerRun) -> dict:
    """Every number of the run (sample sizes exact, not rounded)."""
    a = run.analytic
    out: dict = {
        "schema_version": SCHEMA_VERSION,
        "source": run.source,
        "analytic": {
            "method": "Lu, Luo & Chen (2008)",
            "solved_for": a.solved_for,
            "n_treatment": a.n_treatment,
            "n_control": a.n_control,
            "n_total": a.n_total,
            "n_treatment_t": a.n_treatment_t,
            "n_control_t": a.n_control_t,
            "n_total_t": a.n_total_t,
            "power_t": a.power_t,
            "delta": a.delta,
            "power": a.power,
            "alpha": a.alpha,
            "alternative": a.alternative,
            "allocation": a.allocation,
            "sd": a.sd,
            "sd_control": a.sd_control,
            "phi_treatment": a.phi_treatment,
            "phi_control": a.phi_control,
            "retention": list(a.retention),
            "retention_control": list(a.retention_control),
            "correlation": a.correlation.tolist(),
            "correlation_control": a.correlation_control.tolist(),
        },
        "simulation": None,
    }
    sim = run.simulation
    if sim is not None:
        rows = [{k: _clean(v) for k, v in r.items()} for r in sim.table.to_dict("records")]
        an = sim.analysis
        out["simulation"] = {
            "n_sims": sim.n_sims,
            "seed": sim.seed,
            "delta": sim.delta,
            "alpha": sim.alpha,
            "analysis": {
                "method": an.method,
                "covariance": an.covariance,
                "df_method": an.df_method,
                "reml": an.reml,
                "fallback": list(an.fallback),
                "assumption": an.assumption,
                "imputation": an.imputation if an.assumption else None,
                "resampling": an.resampling if an.assumption else None,
                "n_samples": an.n_samples if an.assumption else None,
            },
            "results": rows,
        }
    return out


def write_power_json(run: PowerRun, path: Path) -> Path:
    path = Path(path)
    path.write_text(json.dumps(run_to_dict(run), indent=2, allow_nan=False) + "\n")
    return path


def write_power_html(run: PowerRun, path: Path) -> Path:
    """A self-contained HTML page: the tables and, after a simulation, the power curve."""
    parts = []
    for pt in power_tables(run):
        head = "".join(f"<th>{escape(h)}</th>" for h in pt.headers)
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in pt.rows
        )
        notes = "".join(f"<p class='note'>{escape(n)}</p>" for n in pt.notes)
        parts.append(
            f"<table><caption>{escape(pt.title)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>{notes}"
        )
    if run.simulation is not None:
        from trialkit.report.power_figures import power_curve_svg

        parts.append(f"<figure>{power_curve_svg(run)}<figcaption>Power curve</figcaption></figure>")
    html = (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<title>trialkit power</title><style>body{font-family:sans-serif;max-width:60em;"
        "margin:auto}table{border-collapse:collapse;margin:1em 0}td,th{padding:2px 8px;"
        "border-bottom:1px solid #ddd;text-align:right}td:first-child,th:first-child"
        "{text-align:left}caption{font-weight:bold;text-align:left}.note{color:#555;"
        "font-size:90%;margin:0}</style></head><body><h1>Power and sample size</h1>"
        + "\n".join(parts)
        + "</body></html>\n"
    )
    Path(path).write_text(html, encoding="utf-8")
    return Path(path)
