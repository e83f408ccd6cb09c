"""Document blocks of one estimand section: attributes, events, estimates, tipping point.

One section per ``[[estimands]]`` entry: the five ICH E9(R1) attributes, the intercurrent
events found in the data, the main and sensitivity estimates side by side, and the
tipping-point table when one was asked for.
"""

from __future__ import annotations

import pandas as pd

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
from trialkit.report.format import visit_where
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
    arms = list(result.arms) or [plan.arms.control, str(plan.arms.treatment)]
    labels = [_arm_label(plan, a) for a in arms]
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


def _arm_label(plan: Plan, arm: str) -> str:
    if arm == plan.arms.control:
        return plan.arms.control_label or arm
    if arm == plan.arms.treatment:
        return plan.arms.treatment_label or arm
    return arm


def _several(result: EstimandResult) -> bool:
    """More than two arms: the tables show each row's comparison."""
    return len(result.arms) > 2


def estimates_table(result: EstimandResult, plan: Plan, digits: int, ci: str) -> Table:
    """Main and sensitivity estimates side by side, one row per estimator x visit (with more
    than two arms, per estimator x comparison x visit, the comparison named on its first
    row)."""
    several = _several(result)
    cols = (
        Column("Estimator"),
        Column("Method"),
        *((Column("Comparison"),) if several else ()),
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
                    *((Label("-"),) if several else ()),
                    Label("-"),
                    Label(f"not estimated: {r.error}", emphasis="flag"),
                    EMPTY,
                    EMPTY,
                    EMPTY,
                )
            )
            continue
        previous = None
        for j, d in enumerate(r.differences.itertuples()):
            comparison: tuple[Cell, ...] = ()
            if several:
                new = d.comparison != previous
                comparison = (Label(str(d.comparison)) if new else EMPTY,)
                previous = d.comparison
            rows.append(
                (
                    name if j == 0 else EMPTY,
                    Label(r.label) if j == 0 else EMPTY,
                    *comparison,
                    Label(plan.visits.label(str(d.visit))),
                    Estimate(d.estimate, d.ci_lower, d.ci_upper, digits),
                    PValue(d.p_value),
                    Count(r.n_subjects),
                    Count(r.n_imputed) if r.spec.method != "mmrm" else Label("-"),
                )
            )
    what = "each comparison" if several else "treatment - control"
    return Table(f"Main and sensitivity estimates ({what})", cols, tuple(rows))


def tipping_blocks(result: EstimandResult, plan: Plan, digits: int, ci: str) -> list[Block]:
    """For each tipping-point estimator: the grid table and the tipping point in words."""
    out: list[Block] = []
    alpha = plan.analysis.alpha
    cols = (
        Column("Delta", "right"),
        Column(f"Difference ({ci})", "right"),
        Column("p", "right"),
        Column(f"p < {alpha:g}"),
    )
    for r in result.estimators:
        if r.tipping is None:
            continue
        visit = plan.visits.label(str(r.tipping_visit))
        if "comparison" in r.tipping.columns and _several(result):
            parts = [
                (c, r.tipping[r.tipping["comparison"] == c], points)
                for c, points in r.tipping_by_comparison
            ]
        else:
            parts = [(None, r.tipping, r.tipping_points)]
        for comparison, table, points in parts:
            shifted = (
                plan.arms.treatment_label or plan.arms.treatment
                if comparison is None
                else str(comparison).split(" - ")[0]
            )
            what = "" if comparison is None else f", {comparison}"
            title = (
                f"Tipping point: {r.spec.name}{what} at {visit} (delta added to imputed values "
                f"of {shifted})"
            )
            out += [
                Table(title, cols, _tipping_rows(table, digits)),
                Paragraph(_tipping_sentence(visit, points, alpha)),
            ]
    return out


def _tipping_rows(table: pd.DataFrame, digits: int) -> tuple[tuple[Cell, ...], ...]:
    return tuple(
        (
            Number(d.delta, 2),
            Estimate(d.estimate, d.ci_lower, d.ci_upper, digits),
            PValue(d.p_value),
            Label("yes" if d.significant else "no"),
        )
        for d in table.itertuples()
    )


def _tipping_sentence(visit: str, points: tuple[float, ...], alpha: float) -> str:
    if points:
        words = ", ".join(f"{x:.3f}" for x in points)
        return (
            f"The conclusion at {visit} changes at delta = {words} (found by root finding "
            f"between grid points): a shift of that size in the imputed values reverses "
            f"the conclusion at alpha = {alpha:g}."
        )
    return f"The conclusion at {visit} does not change anywhere on the grid."


def estimand_blocks(result: EstimandResult, plan: Plan, digits: int, ci: str) -> list[Block]:
    """Every block of one estimand's section, in order."""
    blocks: list[Block] = [
        attributes_table(result),
        events_block(result, plan),
        estimates_table(result, plan, digits, ci),
        *tipping_blocks(result, plan, digits, ci),
    ]
    blocks += [
        Paragraph(f"{r.spec.name}: no estimate at {visit_where(plan, v)}: {reason}.", "flag")
        for r in result.estimators
        for v, reason in r.not_estimable
    ]
    notes = [n for r in result.estimators for n in r.notes if r.spec.method != "mmrm"]
    blocks += [Note(f"Note: {n}") for n in dict.fromkeys(notes)]
    return blocks
