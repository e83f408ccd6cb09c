"""Document blocks of the multiplicity section, and the confirmatory / exploratory marks.

The section lists the confirmatory family in testing order with the estimate each p-value
comes from, the raw and adjusted p-values and the decision; for a graph (or a fixed
sequence) the initial weights and transition matrix as a table and the graph drawn as a
figure with the decisions. :func:`status_label` is the one place a result is called
confirmatory or exploratory; the other builders ask it.
"""

from __future__ import annotations

import pandas as pd

from trialkit.analysis import TrialAnalysis
from trialkit.report.document import (
    Block,
    Cell,
    Column,
    Estimate,
    Figure,
    Label,
    Number,
    Paragraph,
    PValue,
    Section,
    Table,
)
from trialkit.report.format import arm_labels
from trialkit.specs.multiplicity import MULTIPLICITY_METHODS

FIGURE_CAPTION = (
    "Multiplicity graph (Bretz et al. 2009): initial weights in the nodes, transition weights "
    "on the arrows; rejected hypotheses shaded, with raw and adjusted p-values."
)
#: Footnote mark on confirmatory results in tables that show many results at once.
CONFIRMATORY_MARK = "C"


def has_graph(analysis: TrialAnalysis) -> bool:
    """The plan's procedure is a graph (or a fixed sequence): the report draws it."""
    return analysis.multiplicity is not None and analysis.multiplicity.result.graph is not None


def status_label(
    analysis: TrialAnalysis,
    outcome: str,
    visit: str,
    comparison: str | None = None,
    measure: str | None = None,
) -> str:
    """``"confirmatory (H1)"`` or ``"exploratory"``; empty without ``[multiplicity]``."""
    mult = analysis.multiplicity
    if mult is None:
        return ""
    name = mult.hypothesis_for(outcome, visit, comparison, measure)
    return f"confirmatory ({name})" if name else "exploratory"


def title_status(analysis: TrialAnalysis, outcome: str, visit: str) -> str:
    """A table-title suffix for a continuous outcome's MMRM result at one visit."""
    status = status_label(analysis, outcome, visit)
    return f" [{status}]" if status else ""


def confirmatory_marks(
    analysis: TrialAnalysis, outcome: str, visit: str, comparison: str | None = None
) -> tuple[str, ...]:
    """Footnote marks of an MMRM result in a summary table (``comparison`` None: any)."""
    status = status_label(analysis, outcome, visit, comparison)
    return (CONFIRMATORY_MARK,) if status.startswith("conf") else ()


def confirmatory_footnotes(analysis: TrialAnalysis) -> tuple[str, ...]:
    """The footnote explaining :data:`CONFIRMATORY_MARK` (none without ``[multiplicity]``)."""
    if analysis.multiplicity is None:
        return ()
    return (
        f"{CONFIRMATORY_MARK}: confirmatory result (tested in the multiplicity family; see "
        "'Multiplicity'); every other result is exploratory.",
    )


def hypotheses_table(analysis: TrialAnalysis, ci: str) -> Table:
    """The family in testing order: estimate (CI), raw and adjusted p, decision."""
    mult = analysis.multiplicity
    assert mult is not None
    plan = analysis.trial.plan
    cols = (
        Column("Hypothesis"),
        Column("Outcome"),
        Column("Visit"),
        Column("Measure"),
        Column(f"Estimate ({ci})", "right"),
        Column("p", "right"),
        Column("Adjusted p", "right"),
        Column("Decision"),
    )
    rows: list[tuple[Cell, ...]] = []
    for r in mult.table().itertuples():
        measure = "MMRM difference" if pd.isna(r.measure) else str(r.measure)
        digits = 3 if measure == "risk difference" else 2
        decision = "rejected" if r.rejected else "not rejected"
        rows.append(
            (
                Label(str(r.hypothesis), emphasis="bold"),
                Label(str(r.label)),
                Label(plan.visits.label(str(r.visit))),
                Label(measure),
                Estimate(r.estimate, r.ci_lower, r.ci_upper, digits),
                PValue(r.p_value),
                PValue(r.adjusted_p, emphasis="bold" if r.rejected else None),
                Label(decision, emphasis="ok" if r.rejected else None),
            )
        )
    labels = arm_labels(plan)
    return Table(f"Confirmatory hypotheses ({labels[1]} vs {labels[0]})", cols, tuple(rows))


def graph_table(analysis: TrialAnalysis) -> Table | None:
    """Initial weights and the transition matrix (graphical and fixed-sequence procedures)."""
    mult = analysis.multiplicity
    assert mult is not None
    graph = mult.result.graph
    if graph is None:
        return None
    names = graph.hypotheses
    cols = (
        Column("Hypothesis"),
        Column("Initial weight", "right"),
        *(Column(f"to {n}", "right") for n in names),
    )
    rows = tuple(
        (
            Label(n),
            Number(float(graph.weights[i]), 3),
            *(Number(float(graph.transitions[i, j]), 3) for j in range(len(names))),
        )
        for i, n in enumerate(names)
    )
    return Table("Graph: initial weights and transition weights", cols, rows)


def multiplicity_section(analysis: TrialAnalysis, ci: str) -> Section | None:
    """The multiplicity section (None without ``[multiplicity]``)."""
    mult = analysis.multiplicity
    if mult is None:
        return None
    res = mult.result
    procedure = MULTIPLICITY_METHODS.label(res.method)
    n = len(mult.hypotheses)
    blocks: list[Block] = [
        Paragraph(
            f"Confirmatory family: {n} hypotheses tested by the {procedure} procedure with "
            f"familywise error rate {mult.alpha:g} (two-sided p-values). Every other result "
            "in this report is exploratory: its p-value is not adjusted for multiplicity."
        ),
        hypotheses_table(analysis, ci),
    ]
    for r in mult.hypotheses.itertuples():
        if r.note:
            blocks.append(
                Paragraph(
                    f"{r.hypothesis}: {r.note}; it is kept in the family with p = 1 "
                    "(cannot be rejected).",
                    "flag",
                )
            )
    order = ", ".join(res.rejection_sequence) or "none"
    blocks.append(
        Paragraph(
            f"Decision: {len(res.rejection_sequence)} of {n} hypotheses rejected at "
            f"alpha = {mult.alpha:g}, in the order {order}."
            if res.rejection_sequence
            else f"Decision: no hypothesis rejected at alpha = {mult.alpha:g}."
        )
    )
    table = graph_table(analysis)
    if table is not None:
        blocks += [table, Figure("multiplicity", FIGURE_CAPTION)]
    return Section("multiplicity", "Multiplicity", tuple(blocks))
