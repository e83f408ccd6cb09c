"""Rich terminal tables for ``trialkit meta``: the paper's Table 2 layout, then per analysis
the studies with weights, RevMan's heterogeneity and overall-effect lines, influence
diagnostics and Egger's test."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from trialkit.meta.workflow import MetaItem, MetaRun
from trialkit.report.meta_files import (
    fmt,
    fmt_ci,
    fmt_p,
    fmt_pct,
    heterogeneity_text,
    measure_label,
    model_label,
    n_studies,
    overall_text,
    table2_rows,
)

__all__ = ["render_meta"]


def _table2(run: MetaRun) -> Table:
    m = measure_label(run.measure)
    t = Table(title=f"Meta-analyses of {escape(run.source)}", title_justify="left")
    t.add_column("Comparison")
    t.add_column("# Studies", justify="right")
    t.add_column(f"{m} [95% CI]")
    t.add_column("p", justify="right")
    t.add_column("I²", justify="right")
    for r in table2_rows(run):
        name = "  " * r["level"] + escape(r["comparison"])
        if r.get("header"):
            t.add_row(f"[bold]{name}[/bold]", "", "", "", "")
        elif r.get("note"):
            t.add_row(f"[italic]{name}[/italic]", "", "", "", "")
        else:
            t.add_row(
                name,
                str(r["k"]),
                fmt_ci(r["estimate"], r["ci_lower"], r["ci_upper"]),
                fmt_p(r["p_value"]),
                fmt_pct(r["i2"]),
            )
    return t


def _studies(it: MetaItem, measure: str) -> Table:
    res = it.result
    t = Table(title=escape(it.label or "All studies"), title_justify="left")
    t.add_column("Study")
    has_n = {"n1", "n2"} <= set(res.studies.columns)
    if has_n:
        t.add_column("N (T/C)", justify="right")
    elif "n" in res.studies.columns:
        t.add_column("N", justify="right")
    t.add_column(f"{measure_label(measure)} [95% CI]")
    t.add_column("Weight", justify="right")
    for _, s in res.studies.iterrows():
        cells = [escape(str(s["study"]))]
        if has_n:
            cells.append(f"{s['n1']:g}/{s['n2']:g}")
        elif "n" in res.studies.columns:
            cells.append(f"{s['n']:g}")
        cells += [fmt_ci(s["yi"], s["ci_lower"], s["ci_upper"]), f"{s['weight']:.1f}%"]
        t.add_row(*cells)
    blank = [""] if (has_n or "n" in res.studies.columns) else []
    t.add_row(
        f"[bold]Total ({escape(model_label(res))})[/bold]",
        *blank,
        f"[bold]{fmt_ci(res.estimate, res.ci_lower, res.ci_upper)}[/bold]",
        "100.0%",
    )
    return t


def _influence(it: MetaItem) -> Table:
    t = Table(title="Influence diagnostics (leave-one-out)", title_justify="left")
    for col in ("Study", "Estimate without", "Studentised resid.", "Cook's D", "Flag"):
        t.add_column(col, justify="left" if col in ("Study", "Flag") else "right")
    loo = it.leave_one_out
    for (_, r), (_, lo) in zip(it.influence.iterrows(), loo.iterrows(), strict=True):
        flags = [
            f for f, on in (("outlier", r["outlier"]), ("influential", r["influential"])) if on
        ]
        t.add_row(
            escape(str(r["study"])),
            fmt_ci(lo["estimate"], lo["ci_lower"], lo["ci_upper"]),
            fmt(r["rstudent"]),
            fmt(r["cook_d"], 3),
            ", ".join(flags),
        )
    return t


def render_meta(run: MetaRun, console: Console | None = None) -> None:
    """Print ``run`` to ``console`` (a new one by default)."""
    console = console or Console()
    if run.preset_description:
        console.print(escape(run.preset_description))
    if run.measure in ("SMCR", "SMCC"):
        studies = [it.result.studies for it in run.items]
        n_assumed = sum(int(s["r_assumed"].sum()) for s in studies if "r_assumed" in s)
        n_given = sum(len(s) for s in studies) - n_assumed
        console.print(
            f"Pre-post correlation: {n_studies(n_given)} "
            f"{'gives' if n_given == 1 else 'give'} r; {n_assumed} "
            f"{'uses' if n_assumed == 1 else 'use'} the assumed r = {run.prepost_r}."
        )
    console.print(_table2(run))
    for it in run.items:
        res = it.result
        console.print(_studies(it, run.measure))
        used = n_studies(res.k)
        if res.n_participants is not None:
            used += f", {res.n_participants:g} participants"
        console.print(
            f"Used {used}; none were dropped."
            if not res.excluded
            else f"Used {used}; excluded: {escape(', '.join(res.excluded))}."
        )
        console.print(escape(heterogeneity_text(res)))
        console.print(escape(overall_text(res)))
        if res.k >= 2:
            console.print(
                f"Tau² 95% CI (Q-profile): [{fmt(res.tau2_ci_lower, 3)}, "
                f"{fmt(res.tau2_ci_upper, 3)}]; I² 95% CI: [{fmt_pct(res.i2_ci_lower)}, "
                f"{fmt_pct(res.i2_ci_upper)}]; H² = {fmt(res.h2)}; prediction interval: "
                f"[{fmt(res.pi_lower)}, {fmt(res.pi_upper)}]"
            )
        if it.subgroups is not None:
            s = it.subgroups
            console.print(
                f"Test for subgroup differences ({escape(s.column)}): Chi² = "
                f"{fmt(s.q_between)}, df = {s.df} (P = {fmt_p(s.p_value)})"
            )
        for e in it.egger:
            kind = "classic weighted regression" if e.model == "lm" else "meta-regression on SE"
            df = f"({e.df:g})" if e.df is not None else ""
            low_power = " (fewer than 10 studies: low power)" if res.k < 10 else ""
            console.print(
                f"Egger's test ({kind}): {e.statistic_name}{df} = {e.statistic:.2f}, "
                f"P = {fmt_p(e.p_value)}{low_power}"
            )
        if it.influence is not None:
            console.print(_influence(it))
        if it.warning:
            console.print(f"[bold yellow]Warning:[/bold yellow] {escape(it.warning)}")
        if it.sensitivity is not None:
            s = it.sensitivity
            console.print(
                f"[bold]Sensitivity analysis[/bold] without studies "
                f"{escape(it.sensitivity_reason)}: "
                f"{fmt_ci(s.estimate, s.ci_lower, s.ci_upper)}, P = {fmt_p(s.p_value)}, "
                f"I² = {fmt_pct(s.i2)} (k = {s.k})"
            )
