"""The report document of a meta-analysis run (``trialkit meta``): the paper's Table 2
layout, then per analysis the studies with weights, RevMan's heterogeneity and
overall-effect lines, influence diagnostics, Egger's test and the sensitivity analysis.

Numbers are typed cells in RevMan 5's style (``-0.23 [-0.41, -0.05]``, ``P = 0.006``,
``I² = 42%``); the JSON tree is :func:`~trialkit.report.meta_files.run_to_dict` (schema
``1.0``) and the one dataset, ``meta``, is the ``--csv`` table
(:func:`~trialkit.report.meta_files.results_frame`). The terminal, JSON, CSV, Markdown and
HTML outputs render this document.
"""

from __future__ import annotations

from trialkit.core.version import __version__
from trialkit.meta.workflow import MetaItem, MetaRun
from trialkit.report.document import (
    Block,
    Cell,
    Column,
    Dataset,
    Document,
    Estimate,
    Label,
    Number,
    Paragraph,
    PValue,
    Section,
    Table,
)
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
    results_frame,
    run_to_dict,
    table2_rows,
)

EMPTY = Label("")


def _ci(est: float, lo: float, hi: float, bold: bool = False) -> Estimate:
    return Estimate(est, lo, hi, 2, emphasis="bold" if bold else None, style="revman")


def table2(run: MetaRun) -> Table:
    """Comparison, number of studies, effect [95% CI], p and I² (subgroups indented)."""
    rows: list[tuple[Cell, ...]] = []
    for r in table2_rows(run):
        if r.get("header") or r.get("note"):
            emphasis = "bold" if r.get("header") else "dim"
            rows.append(
                (Label(r["comparison"], r["level"], emphasis), EMPTY, EMPTY, EMPTY, EMPTY)  # type: ignore[arg-type]
            )
            continue
        rows.append(
            (
                Label(r["comparison"], r["level"]),
                Number(r["k"], 0),
                _ci(r["estimate"], r["ci_lower"], r["ci_upper"]),
                PValue(r["p_value"], style="revman"),
                Number(r["i2"], 0, unit="%", style="revman"),
            )
        )
    return Table(
        f"Meta-analyses of {run.source}",
        (
            Column("Comparison"),
            Column("# Studies", "right"),
            Column(f"{measure_label(run.measure)} [95% CI]"),
            Column("p", "right"),
            Column("I²", "right"),
        ),
        tuple(rows),
    )


def studies_table(it: MetaItem, measure: str) -> Table:
    """The studies with N, effect [CI] and weight, and the pooled total."""
    res = it.result
    s = res.studies
    has_n = {"n1", "n2"} <= set(s.columns)
    has_total_n = not has_n and "n" in s.columns
    cols = [Column("Study")]
    if has_n:
        cols.append(Column("N (T/C)", "right"))
    elif has_total_n:
        cols.append(Column("N", "right"))
    cols += [Column(f"{measure_label(measure)} [95% CI]"), Column("Weight", "right")]
    rows: list[tuple[Cell, ...]] = []
    for r in s.to_dict("records"):  # one pass over columns, not a Series per row
        cells: list[Cell] = [Label(str(r["study"]))]
        if has_n:
            cells.append(Label(f"{r['n1']:g}/{r['n2']:g}"))
        elif has_total_n:
            cells.append(Label(f"{r['n']:g}"))
        cells += [_ci(r["yi"], r["ci_lower"], r["ci_upper"]), Number(r["weight"], 1, unit="%")]
        rows.append(tuple(cells))
    total: list[Cell] = [Label(f"Total ({model_label(res)})", emphasis="bold")]
    total += [EMPTY] if (has_n or has_total_n) else []
    total += [_ci(res.estimate, res.ci_lower, res.ci_upper, bold=True), Label("100.0%")]
    rows.append(tuple(total))
    return Table(it.label or "All studies", tuple(cols), tuple(rows))


def influence_table(it: MetaItem) -> Table:
    """Leave-one-out estimates, studentised residuals, Cook's distance and flags."""
    assert it.influence is not None and it.leave_one_out is not None
    rows = []
    influence = it.influence.to_dict("records")
    loo = it.leave_one_out.to_dict("records")
    for r, lo in zip(influence, loo, strict=True):
        flags = [
            f for f, on in (("outlier", r["outlier"]), ("influential", r["influential"])) if on
        ]
        rows.append(
            (
                Label(str(r["study"])),
                _ci(lo["estimate"], lo["ci_lower"], lo["ci_upper"]),
                Number(r["rstudent"], 2, style="revman"),
                Number(r["cook_d"], 3, style="revman"),
                Label(", ".join(flags)),
            )
        )
    return Table(
        "Influence diagnostics (leave-one-out)",
        (
            Column("Study"),
            Column("Estimate without", "right"),
            Column("Studentised resid.", "right"),
            Column("Cook's D", "right"),
            Column("Flag"),
        ),
        tuple(rows),
    )


def item_blocks(it: MetaItem, measure: str) -> list[Block]:
    """One analysis: studies, what was used, heterogeneity, overall effect and the rest."""
    res = it.result
    used = n_studies(res.k)
    if res.n_participants is not None:
        used += f", {res.n_participants:g} participants"
    dropped = "none were dropped." if not res.excluded else f"excluded: {', '.join(res.excluded)}."
    blocks: list[Block] = [
        studies_table(it, measure),
        Paragraph(f"Used {used}; {dropped}"),
        Paragraph(heterogeneity_text(res)),
        Paragraph(overall_text(res)),
    ]
    if res.k >= 2:
        blocks.append(
            Paragraph(
                f"Tau² 95% CI (Q-profile): [{fmt(res.tau2_ci_lower, 3)}, "
                f"{fmt(res.tau2_ci_upper, 3)}]; I² 95% CI: [{fmt_pct(res.i2_ci_lower)}, "
                f"{fmt_pct(res.i2_ci_upper)}]; H² = {fmt(res.h2)}; prediction interval: "
                f"[{fmt(res.pi_lower)}, {fmt(res.pi_upper)}]"
            )
        )
    if it.subgroups is not None:
        s = it.subgroups
        blocks.append(
            Paragraph(
                f"Test for subgroup differences ({s.column}): Chi² = {fmt(s.q_between)}, "
                f"df = {s.df} (P = {fmt_p(s.p_value)})"
            )
        )
    for e in it.egger:
        kind = "classic weighted regression" if e.model == "lm" else "meta-regression on SE"
        df = f"({e.df:g})" if e.df is not None else ""
        low_power = " (fewer than 10 studies: low power)" if res.k < 10 else ""
        blocks.append(
            Paragraph(
                f"Egger's test ({kind}): {e.statistic_name}{df} = {e.statistic:.2f}, "
                f"P = {fmt_p(e.p_value)}{low_power}"
            )
        )
    if it.influence is not None:
        blocks.append(influence_table(it))
    if it.warning:
        blocks.append(Paragraph(f"Warning: {it.warning}", "flag"))
    if it.sensitivity is not None:
        s = it.sensitivity
        blocks.append(
            Paragraph(
                f"Sensitivity analysis without studies {it.sensitivity_reason}: "
                f"{fmt_ci(s.estimate, s.ci_lower, s.ci_upper)}, P = {fmt_p(s.p_value)}, "
                f"I² = {fmt_pct(s.i2)} (k = {s.k})"
            )
        )
    return blocks


def overview_blocks(run: MetaRun) -> list[Block]:
    """How the study file was read (warnings), the preset, the pre-post correlations used and
    the Table 2 overview."""
    blocks: list[Block] = [Paragraph(f"Warning: {note}", "warn") for note in run.notes]
    if run.preset_description:
        blocks.append(Paragraph(run.preset_description))
    if run.measure in ("SMCR", "SMCC"):
        studies = [it.result.studies for it in run.items]
        n_assumed = sum(int(s["r_assumed"].sum()) for s in studies if "r_assumed" in s)
        n_given = sum(len(s) for s in studies) - n_assumed
        blocks.append(
            Paragraph(
                f"Pre-post correlation: {n_studies(n_given)} "
                f"{'gives' if n_given == 1 else 'give'} r; {n_assumed} "
                f"{'uses' if n_assumed == 1 else 'use'} the assumed r = {run.prepost_r}."
            )
        )
    blocks.append(table2(run))
    return blocks


def meta_document(run: MetaRun) -> Document:
    """The whole run as a report document (sections: the overview, one per analysis)."""
    sections = [Section("header", f"Meta-analysis of {run.source}", tuple(overview_blocks(run)))]
    for i, it in enumerate(run.items):
        blocks = tuple(item_blocks(it, run.measure))
        sections.append(Section(f"analysis-{i + 1}", it.label or "All studies", blocks))
    return Document(
        f"Meta-analysis of {run.source}",
        tuple(sections),
        footer=f"Generated by trialkit {__version__}.",
        kind="",
        machine=lambda: (run_to_dict(run), (Dataset("meta", results_frame(run)),)),
    )
