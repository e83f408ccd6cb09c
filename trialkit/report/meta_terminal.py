"""Rich terminal tables for ``trialkit meta``: the paper's Table 2 layout, then per analysis
the studies with weights, RevMan's heterogeneity and overall-effect lines, influence
diagnostics and Egger's test."""

from __future__ import annotations

from rich.console import Console, RenderableType
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
from trialkit.report.plain_table import boxed_table, print_table

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


def _studies(it: MetaItem, measure: str) -> RenderableType:
    res = it.result
    studies = res.studies  # a copy: read once
    has_n = {"n1", "n2"} <= set(studies.columns)
    one_n = not has_n and "n" in studies.columns
    columns = [("Study", "left")]
    if has_n:
        columns.append(("N (T/C)", "right"))
    elif one_n:
        columns.append(("N", "right"))
    columns += [(f"{measure_label(measure)} [95% CI]", "left"), ("Weight", "right")]
    rows: list[list[str]] = []
    names = studies["study"].astype(str).tolist()
    est = zip(studies["yi"], studies["ci_lower"], studies["ci_upper"], strict=True)
    n1 = studies["n1"].tolist() if has_n else None
    n2 = studies["n2"].tolist() if has_n else None
    n = studies["n"].tolist() if one_n else None
    for i, (name, (yi, lo, hi), w) in enumerate(
        zip(names, est, studies["weight"].tolist(), strict=True)
    ):
        cells = [name]
        if n1 is not None and n2 is not None:
            cells.append(f"{n1[i]:g}/{n2[i]:g}")
        elif n is not None:
            cells.append(f"{n[i]:g}")
        rows.append([*cells, fmt_ci(yi, lo, hi), f"{w:.1f}%"])
    blank = [""] if (has_n or one_n) else []
    rows.append(
        [
            f"Total ({model_label(res)})",
            *blank,
            fmt_ci(res.estimate, res.ci_lower, res.ci_upper),
            "100.0%",
        ]
    )
    return boxed_table(it.label or "All studies", columns, rows, frozenset({len(rows) - 1}))


def _influence(it: MetaItem) -> RenderableType:
    inf, loo = it.influence, it.leave_one_out
    columns = [
        ("Study", "left"),
        ("Estimate without", "right"),
        ("Studentised resid.", "right"),
        ("Cook's D", "right"),
        ("Flag", "left"),
    ]
    rows = []
    for name, est, lo, hi, rstudent, cook, outlier, influential in zip(
        inf["study"].astype(str).tolist(),
        loo["estimate"].tolist(),
        loo["ci_lower"].tolist(),
        loo["ci_upper"].tolist(),
        inf["rstudent"].tolist(),
        inf["cook_d"].tolist(),
        inf["outlier"].tolist(),
        inf["influential"].tolist(),
        strict=True,
    ):
        flags = [f for f, on in (("outlier", outlier), ("influential", influential)) if on]
        rows.append([name, fmt_ci(est, lo, hi), fmt(rstudent), fmt(cook, 3), ", ".join(flags)])
    return boxed_table("Influence diagnostics (leave-one-out)", columns, rows)


def render_meta(run: MetaRun, console: Console | None = None) -> None:
    """Print ``run`` to ``console`` (a new one by default)."""
    console = console or Console()
    for note in run.notes:
        console.print(f"[bold yellow]Warning:[/bold yellow] {escape(note)}")
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
        print_table(console, _studies(it, run.measure))
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
            print_table(console, _influence(it))
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
