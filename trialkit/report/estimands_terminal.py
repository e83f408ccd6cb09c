"""The estimand sections of the trial report: attributes, events, estimates and tipping point.

One section per ``[[estimands]]`` entry: the five ICH E9(R1) attributes as a table, the
intercurrent events found in the data, the main and sensitivity estimates side by side, and
the tipping-point table when one was asked for. The HTML and Markdown reports convert these
renderables; the figure (estimates per estimator, and the tipping-point curve) is drawn by
:mod:`trialkit.report.estimand_figures`.
"""

from __future__ import annotations

import pandas as pd
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from trialkit.analysis.estimands import EstimandResult
from trialkit.plan.schema import Plan
from trialkit.report.format import fmt_ci, fmt_int, fmt_num, fmt_p
from trialkit.specs.estimand import EVENT_STRATEGIES

MAR_NOTE = (
    "Missing data: the plan defines no estimand ([[estimands]]). The MMRM is valid when data "
    "are missing at random (MAR): missing outcomes are assumed to behave like those of "
    "similar patients in the same arm who were assessed. No sensitivity analysis of this "
    "assumption was run."
)


def _table(title: str, columns: list[tuple[str, str]]) -> Table:
    t = Table(title=title, title_justify="left")
    for name, justify in columns:
        t.add_column(name, justify=justify)  # type: ignore[arg-type]
    return t


def attributes_table(result: EstimandResult) -> Table:
    """The five attributes of the estimand."""
    t = _table("Estimand attributes (ICH E9(R1))", [("Attribute", "left"), ("", "left")])
    for r in result.attributes.itertuples():
        t.add_row(str(r.attribute), Text(str(r.description)))
    return t


def events_table(result: EstimandResult, plan: Plan) -> RenderableType:
    """Subjects with each intercurrent event, by arm and first visit affected."""
    ev = result.events
    if ev.empty:
        return Text("No subject had an intercurrent event in the estimand's population.")
    arms = [plan.arms.control, str(plan.arms.treatment)]
    labels = [plan.arms.control_label or arms[0], plan.arms.treatment_label or arms[1]]
    cols = [("Event", "left"), ("Strategy", "left"), ("First visit affected", "left")]
    t = _table("Intercurrent events in the data (subjects)", cols + [(a, "right") for a in labels])
    grouped = ev.groupby(["event", "strategy", "visit"], sort=False)
    for (event, strategy, visit), rows in grouped:
        counts = rows["arm"].value_counts()
        t.add_row(
            Text(str(event)),
            EVENT_STRATEGIES.label(str(strategy)),
            Text(plan.visits.label(str(visit))),
            *[fmt_int(int(counts.get(a, 0))) for a in arms],
        )
    return t


def estimates_table(result: EstimandResult, plan: Plan, digits: int, ci: str) -> Table:
    """Main and sensitivity estimates side by side, one row per estimator x visit."""
    t = _table(
        "Main and sensitivity estimates (treatment - control)",
        [
            ("Estimator", "left"),
            ("Method", "left"),
            ("Visit", "left"),
            (f"Difference ({ci})", "right"),
            ("p", "right"),
            ("Subjects", "right"),
            ("Imputed values", "right"),
        ],
    )
    for i, r in enumerate(result.estimators):
        role = "main" if i == 0 else "sensitivity"
        name = Text(f"{r.spec.name} ({role})")
        if r.error is not None:
            t.add_row(
                name, r.label, "-", Text(f"not estimated: {r.error}", style="red"), "", "", ""
            )
            continue
        for j, d in enumerate(r.differences.itertuples()):
            t.add_row(
                name if j == 0 else Text(""),
                r.label if j == 0 else "",
                Text(plan.visits.label(str(d.visit))),
                fmt_ci(d.estimate, d.ci_lower, d.ci_upper, digits),
                fmt_p(d.p_value),
                fmt_int(r.n_subjects),
                fmt_int(r.n_imputed) if r.spec.method != "mmrm" else "-",
            )
    return t


def tipping_renderables(
    result: EstimandResult, plan: Plan, digits: int, ci: str
) -> list[RenderableType]:
    """For each tipping-point estimator: the grid table and the tipping point in words."""
    out: list[RenderableType] = []
    alpha = plan.analysis.alpha
    for r in result.estimators:
        if r.tipping is None:
            continue
        visit = plan.visits.label(str(r.tipping_visit))
        t = _table(
            f"Tipping point: {r.spec.name} at {visit} (delta added to imputed values of "
            f"{plan.arms.treatment_label or plan.arms.treatment})",
            [
                ("Delta", "right"),
                (f"Difference ({ci})", "right"),
                ("p", "right"),
                (f"p < {alpha:g}", "left"),
            ],
        )
        for d in r.tipping.itertuples():
            t.add_row(
                fmt_num(d.delta, 2),
                fmt_ci(d.estimate, d.ci_lower, d.ci_upper, digits),
                fmt_p(d.p_value),
                "yes" if d.significant else "no",
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
        out += [t, Text(sentence)]
    return out


def estimand_parts(
    result: EstimandResult, plan: Plan, digits: int, ci: str
) -> list[RenderableType]:
    """Every part of one estimand's section, in order."""
    parts: list[RenderableType] = [
        attributes_table(result),
        events_table(result, plan),
        estimates_table(result, plan, digits, ci),
        *tipping_renderables(result, plan, digits, ci),
    ]
    notes = [n for r in result.estimators for n in r.notes if r.spec.method != "mmrm"]
    if notes:
        parts.append(Group(*[Text(f"Note: {n}") for n in dict.fromkeys(notes)]))
    return parts


def estimand_rows(result: EstimandResult) -> pd.DataFrame:
    """The estimates as one tidy frame (``estimator, role, method`` + statistics)."""
    out = result.comparison()
    out.insert(2, "method", [r.label for r in result.estimators for _ in r.differences.index])
    return out
