"""Document blocks of one estimand section: attributes, events, estimates, tipping point.

One section per ``[[estimands]]`` entry: the five ICH E9(R1) attributes, the intercurrent
events found in the data, the main and sensitivity estimates side by side, and the
tipping-point table when one was asked for.
"""

from __future__ import annotations

from trialkit.analysis.estimands import EstimandResult
from trialkit.plan.schema import Plan
from trialkit.report.document import (
    EMPTY,
    Block,
    Cell,
    Column,
    Count,
    Estimate,
    Label,
    Note,
    Number,
    Paragraph,
    PValue,
    Table,
)
from trialkit.specs.estimand import EVENT_STRATEGIES


def attributes_table(result: EstimandResult) -> Table:
    """The five attributes of the estimand."""
    return Table(
        "Estimand attributes (ICH E9(R1))",
        (Column("Attribute"), Column("")),
        tuple(
            (Label(str(r.attribute)), Label(str(r.description)))
            for r in result.attributes.itertuples()
        ),
    )


def events_block(result: EstimandResult, plan: Plan) -> Block:
    """Subjects with each intercurrent event, by arm and first visit affected."""
    ev = result.events
    if ev.empty:
        return Paragraph("No subject had an intercurrent event in the estimand's population.")
    arms = [plan.arms.control, str(plan.arms.treatment)]
    labels = [plan.arms.control_label or arms[0], plan.arms.treatment_label or arms[1]]
    rows = []
    for (event, strategy, visit), g in ev.groupby(["event", "strategy", "visit"], sort=False):
        counts = g["arm"].value_counts()
        rows.append(
            (
                Label(str(event)),
                Label(EVENT_STRATEGIES.label(str(strategy))),
                Label(plan.visits.label(str(visit))),
                *[Count(int(counts.get(a, 0))) for a in arms],
            )
        )
    cols = (Column("Event"), Column("Strategy"), Column("First visit affected"))
    return Table(
        "Intercurrent events in the data (subjects)",
        (*cols, *[Column(a, "right") for a in labels]),
        tuple(rows),
    )


def estimates_table(result: EstimandResult, plan: Plan, digits: int, ci: str) -> Table:
    """Main and sensitivity estimates side by side, one row per estimator x visit."""
    cols = (
        Column("Estimator"),
        Column("Method"),
        Column("Visit"),
        Column(f"Difference ({ci})", "right"),
        Column("p", "right"),
        Column("Subjects", "right"),
        Column("Imputed values", "right"),
    )
    rows: list[tuple[Cell, ...]] = []
    for i, r in enumerate(result.estimators):
        name = Label(f"{r.spec.name} ({'main' if i == 0 else 'sensitivity'})")
        if r.error is not None:
            rows.append(
                (
                    name,
                    Label(r.label),
                    Label("-"),
                    Label(f"not estimated: {r.error}", emphasis="flag"),
                    EMPTY,
                    EMPTY,
                    EMPTY,
                )
            )
            continue
        for j, d in enumerate(r.differences.itertuples()):
            rows.append(
                (
                    name if j == 0 else EMPTY,
                    Label(r.label) if j == 0 else EMPTY,
                    Label(plan.visits.label(str(d.visit))),
                    Estimate(d.estimate, d.ci_lower, d.ci_upper, digits),
                    PValue(d.p_value),
                    Count(r.n_subjects),
                    Count(r.n_imputed) if r.spec.method != "mmrm" else Label("-"),
                )
            )
    return Table("Main and sensitivity estimates (treatment - control)", cols, tuple(rows))


def tipping_blocks(result: EstimandResult, plan: Plan, digits: int, ci: str) -> list[Block]:
    """For each tipping-point estimator: the grid table and the tipping point in words."""
    out: list[Block] = []
    alpha = plan.analysis.alpha
    for r in result.estimators:
        if r.tipping is None:
            continue
        visit = plan.visits.label(str(r.tipping_visit))
        title = (
            f"Tipping point: {r.spec.name} at {visit} (delta added to imputed values of "
            f"{plan.arms.treatment_label or plan.arms.treatment})"
        )
        cols = (
            Column("Delta", "right"),
            Column(f"Difference ({ci})", "right"),
            Column("p", "right"),
            Column(f"p < {alpha:g}"),
        )
        rows = tuple(
            (
                Number(d.delta, 2),
                Estimate(d.estimate, d.ci_lower, d.ci_upper, digits),
                PValue(d.p_value),
                Label("yes" if d.significant else "no"),
            )
            for d in r.tipping.itertuples()
        )
        if r.tipping_points:
            words = ", ".join(f"{x:.3f}" for x in r.tipping_points)
            sentence = (
                f"The conclusion at {visit} changes at delta = {words} (found by root finding "
                f"between grid points): a shift of that size in the imputed values reverses "
                f"the conclusion at alpha = {alpha:g}."
            )
        else:
            sentence = f"The conclusion at {visit} does not change anywhere on the grid."
        out += [Table(title, cols, rows), Paragraph(sentence)]
    return out


def estimand_blocks(result: EstimandResult, plan: Plan, digits: int, ci: str) -> list[Block]:
    """Every block of one estimand's section, in order."""
    blocks: list[Block] = [
        attributes_table(result),
        events_block(result, plan),
        estimates_table(result, plan, digits, ci),
        *tipping_blocks(result, plan, digits, ci),
    ]
    notes = [n for r in result.estimators for n in r.notes if r.spec.method != "mmrm"]
    blocks += [Note(f"Note: {n}") for n in dict.fromkeys(notes)]
    return blocks
