"""Build the report :class:`~trialkit.report.document.Document` once from a trial analysis.

Order: trial header; CONSORT 2025 flow; baseline table; adherence; attrition; one table per
post-baseline visit for each outcome (primary first); the estimands; the one-screen summary
of all outcomes; notes on the models; the replication check; the cross-checks; the
pre-filled CONSORT 2025 checklist (appendix). Numbers come from the tidy result frames
(:func:`~trialkit.report.csv_tables.results_frame`,
:func:`~trialkit.report.csv_tables.models_frame`)
and keep their format in typed cells; every renderer shows the document as built.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from trialkit.analysis import OutcomeAnalysis, TrialAnalysis
from trialkit.core.version import __version__
from trialkit.report.build_estimands import estimand_blocks
from trialkit.report.build_multiplicity import (
    confirmatory_footnotes,
    confirmatory_marks,
    multiplicity_section,
    title_status,
)
from trialkit.report.build_responders import responder_sections
from trialkit.report.build_summaries import (
    adherence_blocks,
    attrition_blocks,
    baseline_table,
    consort_tree,
    discrepancy_blocks,
)
from trialkit.report.consort_checklist import checklist_blocks
from trialkit.report.csv_tables import results_frame
from trialkit.report.document import (
    EMPTY,
    Block,
    Cell,
    Column,
    Count,
    Document,
    Estimate,
    Figure,
    Label,
    MeanSpread,
    Number,
    Paragraph,
    PValue,
    Section,
    Table,
)
from trialkit.report.format import (
    arm_labels,
    fmt_int,
    fmt_paren,
    mean_digits,
    model_digits,
    visit_labels,
)
from trialkit.report.notes import model_notes, replication_note

FIGURE_CAPTIONS = {
    "consort": "CONSORT 2025 flow diagram.",
    "trajectories": "LS means by arm with confidence intervals at each post-baseline visit "
    "(MMRM), starting from the observed baseline mean.",
    "forest": "Standardised differences (Cohen's d, treatment - control) with confidence "
    "intervals across outcomes at each visit.",
    "estimands": "Estimands: each estimator's difference (treatment - control) with its "
    "confidence interval at each visit; tipping point: the difference against the shift "
    "added to imputed treatment-arm values.",
}


def ci_label(alpha: float) -> str:
    """``95% CI`` for ``alpha = 0.05``."""
    return f"{100 * (1 - alpha):g}% CI"


def _figure(key: str) -> Figure:
    return Figure(key, FIGURE_CAPTIONS[key])


def header_table(analysis: TrialAnalysis) -> Table:
    """The trial header as a key-value table."""
    plan = analysis.trial.plan
    subjects = analysis.trial.subjects
    n = subjects[analysis.trial.arm_col].astype(str).value_counts()
    primary = plan.primary
    labels = arm_labels(plan)
    rows = [
        ("Data", plan.data.name if plan.data is not None else "-"),
        ("Plan", plan.path.name if plan.path is not None else "-"),
        (
            "Randomised",
            f"{len(subjects)}: {labels[0]} {n.get(plan.arms.control, 0)}, "
            f"{labels[1]} {n.get(plan.arms.treatment, 0)}",
        ),
        ("Visits", ", ".join(visit_labels(plan).values())),
        (
            "Primary outcome",
            primary.label
            + ("" if primary.role == "primary" else " (the first outcome; none is marked primary)"),
        ),
        ("Secondary outcomes", str(len(analysis.outcomes) - 1)),
        ("Significance level", f"{plan.analysis.alpha:g} (two-sided)"),
        ("trialkit", __version__),
    ]
    return Table(
        "",
        (Column("Item"), Column("Value")),
        tuple((Label(k, emphasis="bold"), Label(v)) for k, v in rows),
        show_header=False,
    )


def visit_table(r: pd.Series, oa: OutcomeAnalysis, labels: tuple[str, str], ci: str) -> Table:
    """One outcome at one visit: observed, MMRM (difference, p, d), ANCOVA (p, n)."""
    md, dd = mean_digits(oa.outcome), model_digits(oa.outcome)

    def arms(make, *cols: str) -> list[Cell]:  # type: ignore[no-untyped-def]
        return [make(*(r[f"{c}_{a}"] for c in cols)) for a in ("control", "treatment")]

    rows: list[tuple[Cell, ...]] = [
        (Label("n observed"), *arms(Count, "n"), EMPTY),
        (
            Label("Observed mean (SD)"),
            *arms(lambda m, s: MeanSpread(m, s, md), "mean", "sd"),
            EMPTY,
        ),
        (
            Label("MMRM LS mean (SE)"),
            *arms(lambda m, s: MeanSpread(m, s, dd), "lsmean", "lsmean_se"),
            Estimate(r["estimate"], r["ci_lower"], r["ci_upper"], dd, emphasis="bold"),
        ),
        (Label("p", indent=1), EMPTY, EMPTY, PValue(r["p_value"])),
        (
            Label("Cohen's d", indent=1),
            EMPTY,
            EMPTY,
            Estimate(r["d"], r["d_ci_lower"], r["d_ci_upper"], 2),
        ),
        (
            Label("ANCOVA LS mean (SE)"),
            *arms(lambda m, s: MeanSpread(m, s, dd), "ancova_lsmean", "ancova_lsmean_se"),
            Estimate(r["ancova_estimate"], r["ancova_ci_lower"], r["ancova_ci_upper"], dd),
        ),
        (Label("p", indent=1), EMPTY, EMPTY, PValue(r["ancova_p_value"])),
        (Label("n analysed", indent=1), *arms(Count, "ancova_n"), EMPTY),
    ]
    return Table(
        f"{oa.outcome.label}: {r['visit_label']}",
        (
            Column(""),
            Column(labels[0], "right"),
            Column(labels[1], "right"),
            Column(f"Difference ({ci})", "right"),
        ),
        tuple(rows),
    )


def arm_headers(analysis: TrialAnalysis) -> tuple[str, str]:
    """Column headers of (control, treatment): the arm label over its randomised N."""
    plan = analysis.trial.plan
    n = analysis.trial.subjects[analysis.trial.arm_col].astype(str).value_counts()
    arms = (str(plan.arms.control), str(plan.arms.treatment))
    labels = arm_labels(plan)
    return (
        f"{labels[0]}\n(N = {int(n.get(arms[0], 0))})",
        f"{labels[1]}\n(N = {int(n.get(arms[1], 0))})",
    )


def outcome_section(
    analysis: TrialAnalysis, oa: OutcomeAnalysis, rows: pd.DataFrame, ci: str
) -> Section:
    """One outcome: direction, observed baseline, failures, one table per visit."""
    labels = arm_labels(analysis.trial.plan)
    heads = arm_headers(analysis)
    md = mean_digits(oa.outcome)
    direction = "lower" if oa.outcome.lower_is_better else "higher"
    blocks: list[Block] = [
        Paragraph(f"{oa.outcome.role.capitalize()} outcome; {direction} scores are better.")
    ]
    for b in rows[rows["is_baseline"]].itertuples():
        blocks.append(
            Paragraph(
                f"{b.visit_label} observed mean (SD): {labels[0]} "
                f"{fmt_paren(b.mean_control, b.sd_control, md)}, n = {fmt_int(b.n_control)}; "
                f"{labels[1]} {fmt_paren(b.mean_treatment, b.sd_treatment, md)}, "
                f"n = {fmt_int(b.n_treatment)}."
            )
        )
    for label, err in (("MMRM", oa.mmrm_error), ("ANCOVA", oa.ancova_error)):
        if err:
            blocks.append(Paragraph(f"{label} not fitted: {err}", "flag"))
    plan = analysis.trial.plan
    for model, visit, reason in oa.not_estimable():
        where = plan.visits.label(visit) if plan.visits.labels else f"visit {visit}"
        blocks.append(Paragraph(f"{model}: no estimate at {where}: {reason}.", "flag"))
    for _, r in rows[~rows["is_baseline"]].iterrows():
        t = visit_table(r, oa, heads, ci)
        blocks.append(replace(t, title=t.title + title_status(analysis, oa.name, r["visit"])))
    return Section(f"outcome-{oa.name}", oa.outcome.label, tuple(blocks), outcome=oa.name)


def summary_table(analysis: TrialAnalysis, results: pd.DataFrame, ci: str) -> Table:
    """Every outcome x visit: MMRM difference (CI), p and d; significant results in bold."""
    plan = analysis.trial.plan
    post = results[~results["is_baseline"]]
    visits = [v for v in plan.visits.order if v != plan.visits.baseline]
    vlabels = visit_labels(plan)
    cols = [Column("Outcome")]
    for v in visits:
        cols += [
            Column(f"{vlabels[v]}\ndifference ({ci})", "right"),
            Column("p", "right"),
            Column("d", "right"),
        ]
    rows = []
    for oa in analysis.outcomes:
        by_visit = post[post["outcome"] == oa.name].set_index("visit")
        dd = model_digits(oa.outcome)
        primary = oa.name == plan.primary.name
        name = oa.outcome.label + (" (primary)" if primary else "")
        cells: list[Cell] = [Label(name)]
        for v in visits:
            r = by_visit.loc[v]
            bold = "bold" if r["p_value"] < plan.analysis.alpha else None
            cells += [
                Estimate(
                    r["estimate"],
                    r["ci_lower"],
                    r["ci_upper"],
                    dd,
                    emphasis=bold,
                    marks=confirmatory_marks(analysis, oa.name, v),
                ),
                PValue(r["p_value"], emphasis=bold),
                Number(r["d"], 2),
            ]
        rows.append(tuple(cells))
    return Table(
        f"Treatment - control at each visit: MMRM difference ({ci}), p, Cohen's d",
        tuple(cols),
        tuple(rows),
        footnotes=confirmatory_footnotes(analysis),
    )


def replication_blocks(analysis: TrialAnalysis) -> list[Block]:
    """Published vs estimated side by side, their difference, and the agreement flag."""
    rep = analysis.replication
    if rep is None or rep.empty:
        return [Paragraph("The plan lists no published results ([[published]]).")]
    plan = analysis.trial.plan
    ci = ci_label(plan.analysis.alpha)
    vlabels = visit_labels(plan)
    heads = ["Outcome", "Visit", f"Published ({ci})", "Published p", f"trialkit ({ci})"]
    heads += ["trialkit p", "Difference", "Scale", "Agrees"]
    cols = tuple(Column(h, "left" if h in ("Outcome", "Visit") else "right") for h in heads)
    rows = []
    for r in rep.itertuples():
        bound = "" if r.published_p_bound == "=" else str(r.published_p_bound)
        pub_p = "-" if pd.isna(r.published_p_value) else f"{bound}{r.published_p_value:g}"
        rows.append(
            (
                Label(str(r.outcome)),
                Label(vlabels.get(r.visit, str(r.visit))),
                Estimate(
                    r.published_estimate, r.published_ci_lower, r.published_ci_upper, sep="\n"
                ),
                Label(pub_p),
                Estimate(r.estimate, r.ci_lower, r.ci_upper, sep="\n"),
                PValue(r.p_value),
                Number(r.difference, 3),
                Number(r.scale, 3),
                Label(
                    "yes" if r.agrees else f"NO: {r.reason}",
                    emphasis="ok" if r.agrees else "flag",
                ),
            )
        )
    note = replication_note(analysis) or ""
    title = "Replication of published results (MMRM; outcomes by their plan name)"
    return [Table(title, cols, tuple(rows)), Paragraph(note)]


def build_document(analysis: TrialAnalysis) -> Document:
    """The whole report as a :class:`Document` (figure blocks name the figures by key;
    renderers that cannot show figures skip them)."""
    plan = analysis.trial.plan
    ci = ci_label(plan.analysis.alpha)
    results = results_frame(analysis)

    def fig(key: str) -> list[Block]:
        return [_figure(key)]

    sections = [
        Section("header", plan.title, (header_table(analysis),)),
        Section("consort", "CONSORT flow", (*fig("consort"), consort_tree(analysis.consort))),
        Section("baseline", "Baseline characteristics", (baseline_table(analysis.baseline),)),
        Section("adherence", "Adherence", tuple(adherence_blocks(analysis.adherence))),
        Section("attrition", "Attrition", tuple(attrition_blocks(analysis.attrition))),
    ]
    sections.append(Section("trajectories", "Outcomes over time", tuple(fig("trajectories"))))
    for oa in analysis.outcomes:
        rows = results[results["outcome"] == oa.name]
        sections.append(outcome_section(analysis, oa, rows, ci))
    for i, est in enumerate(analysis.estimands):
        digits = model_digits(plan.outcome(est.spec.outcome))
        blocks = estimand_blocks(est, plan, digits, ci)
        if i == 0:
            blocks.append(_figure("estimands"))
        sections.append(Section(f"estimand-{i + 1}", f"Estimand: {est.spec.name}", tuple(blocks)))
    sections += responder_sections(analysis, ci)
    mult = multiplicity_section(analysis, ci)
    sections += [mult] if mult is not None else []
    sections += [
        Section(
            "summary",
            "Summary of all outcomes",
            (summary_table(analysis, results, ci), *fig("forest")),
        ),
        Section("footnotes", "Notes", tuple(model_notes(analysis))),
        Section("replication", "Replication check", tuple(replication_blocks(analysis))),
        Section("discrepancies", "Cross-checks", tuple(discrepancy_blocks(analysis.discrepancies))),
        Section(
            "checklist", "CONSORT 2025 checklist (appendix)", tuple(checklist_blocks(analysis))
        ),
    ]
    return Document(plan.title, tuple(sections), footer=f"Generated by trialkit {__version__}.")
