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

import pandas as pd

from trialkit.analysis import TrialAnalysis
from trialkit.core.version import __version__
from trialkit.report.arms import report_arms
from trialkit.report.build_data import report_machine
from trialkit.report.build_estimands import estimand_blocks
from trialkit.report.build_multiplicity import multiplicity_section
from trialkit.report.build_outcome import outcome_section, summary_table
from trialkit.report.build_responders import responder_sections
from trialkit.report.build_summaries import (
    adherence_blocks,
    attrition_blocks,
    baseline_table,
    consort_tree,
    discrepancy_blocks,
)
from trialkit.report.consort_checklist import (
    checklist_blocks,
    consort_checklist,
    outcome_results,
)
from trialkit.report.document import (
    Block,
    Column,
    Document,
    Estimate,
    Figure,
    Label,
    Number,
    Paragraph,
    PValue,
    Section,
    Table,
)
from trialkit.report.format import (
    model_digits,
    visit_labels,
)
from trialkit.report.notes import model_notes, replication_note

# key -> (title, caption): the title is the figure's short name (alternative text).
FIGURE_TEXT = {
    "consort": ("CONSORT flow diagram", "CONSORT 2025 flow diagram."),
    "trajectories": (
        "LS-mean trajectories by arm",
        "LS means by arm with confidence intervals at each post-baseline visit "
        "(MMRM), starting from the observed baseline mean.",
    ),
    "forest": (
        "Standardised differences across outcomes",
        "Standardised differences (Cohen's d, treatment - control) with confidence "
        "intervals across outcomes at each visit.",
    ),
    "estimands": (
        "Estimands: main and sensitivity estimates, tipping point",
        "Estimands: each estimator's difference (treatment - control) with its "
        "confidence interval at each visit; tipping point: the difference against the shift "
        "added to imputed treatment-arm values.",
    ),
}


def ci_label(alpha: float) -> str:
    """``95% CI`` for ``alpha = 0.05``."""
    return f"{100 * (1 - alpha):g}% CI"


def _figure(key: str) -> Figure:
    title, caption = FIGURE_TEXT[key]
    return Figure(key, caption, title)


def header_table(analysis: TrialAnalysis) -> Table:
    """The trial header as a key-value table."""
    plan = analysis.trial.plan
    subjects = analysis.trial.subjects
    primary = plan.primary
    arms = ", ".join(f"{a.label} {a.n}" for a in report_arms(analysis.trial))
    rows = [
        ("Data", plan.data.name if plan.data is not None else "-"),
        ("Plan", plan.path.name if plan.path is not None else "-"),
        ("Randomised", f"{len(subjects)}: {arms}"),
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


def replication_blocks(analysis: TrialAnalysis) -> list[Block]:
    """Published vs estimated side by side, their difference, and the agreement flag."""
    rep = analysis.replication
    if rep is None or rep.empty:
        return [Paragraph("The plan lists no published results ([[published]]).")]
    plan = analysis.trial.plan
    ci = ci_label(plan.analysis.alpha)
    vlabels = visit_labels(plan)
    wide = "model" in rep.columns  # entries naming a model, comparison or quantity
    left = ("Outcome", "Visit", "Model: comparison")
    heads = ["Outcome", "Visit", *(["Model: comparison"] if wide else [])]
    heads += [f"Published ({ci})", "Published p", f"trialkit ({ci})"]
    heads += ["trialkit p", "Difference", "Scale", "Agrees"]
    cols = tuple(Column(h, "left" if h in left else "right") for h in heads)
    rows = []
    for r in rep.itertuples():
        bound = "" if r.published_p_bound == "=" else str(r.published_p_bound)
        pub_p = "-" if pd.isna(r.published_p_value) else f"{bound}{r.published_p_value:g}"
        what, digits = [], 2
        if wide:  # the published figures with the decimals printed, where given
            digits = 2 if r.published_digits < 0 else int(r.published_digits)
            if r.published_p_digits >= 0 and not pd.isna(r.published_p_value):
                pub_p = f"{bound}{r.published_p_value:.{int(r.published_p_digits)}f}"
            named = "dose-response trend" if r.quantity == "trend" else str(r.comparison)
            what = [Label(f"{str(r.model).upper()}: {named}")]
        rows.append(
            (
                Label(str(r.outcome)),
                Label(vlabels.get(r.visit, str(r.visit))),
                *what,
                Estimate(
                    r.published_estimate,
                    r.published_ci_lower,
                    r.published_ci_upper,
                    digits=digits,
                    sep="\n",
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
    models = "" if wide else "MMRM; "
    title = f"Replication of published results ({models}outcomes by their plan name)"
    return [Table(title, cols, tuple(rows)), Paragraph(note)]


def build_document(analysis: TrialAnalysis) -> Document:
    """The whole report as a :class:`Document` (figure blocks name the figures by key;
    renderers that cannot show figures skip them), with the JSON tree and CSV datasets of
    :mod:`trialkit.report.build_data`, built when first asked for (the terminal report
    alone never builds them; the analysis and the document are read-only, so they are the
    same whenever they are built)."""
    plan = analysis.trial.plan
    ci = ci_label(plan.analysis.alpha)
    checklist = (consort_checklist(analysis), outcome_results(analysis))

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
        sections.append(outcome_section(analysis, oa, ci))
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
            (summary_table(analysis, ci), *fig("forest")),
        ),
        Section("footnotes", "Notes", tuple(model_notes(analysis))),
        Section("replication", "Replication check", tuple(replication_blocks(analysis))),
        Section("discrepancies", "Cross-checks", tuple(discrepancy_blocks(analysis.discrepancies))),
        Section(
            "checklist",
            "CONSORT 2025 checklist (appendix)",
            tuple(checklist_blocks(analysis, *checklist)),
        ),
    ]
    return Document(
        plan.title,
        tuple(sections),
        footer=f"Generated by trialkit {__version__}.",
        machine=lambda: report_machine(analysis, checklist),
    )
