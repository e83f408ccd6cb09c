"""Terminal rendering (rich) of a responder analysis: responders per arm and visit, the
g-computation risk difference / risk ratio / odds ratio against the control, the unadjusted
difference with its Newcombe CI, and the visits that could not be estimated.

Returns a rich renderable; nothing here prints or computes a statistic. Data strings are
:class:`rich.text.Text`, so they are never read as markup.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from trialkit.models.responder import ResponderResult
from trialkit.report.format import fmt_ci, fmt_p


def responder_renderable(result: ResponderResult) -> RenderableType:
    """Counts, adjusted effects, unadjusted differences and not-estimable visits."""
    title = f"Responders: {result.outcome}" + (f" ({result.rule})" if result.rule else "")
    counts = Table(title=Text(title), title_justify="left")
    counts.add_column("Visit")
    for arm in result.arms:
        counts.add_column(Text(f"{arm}\nn/N (%)"), justify="right")
    counts.add_column("Excluded", justify="right")
    c = result.counts
    for visit, rows in c.groupby("visit", sort=False):
        by_arm = rows.set_index("arm")
        cells = [
            f"{by_arm.loc[a, 'n_responders']}/{by_arm.loc[a, 'n_with_data']} "
            f"({by_arm.loc[a, 'percent']:.1f})"
            for a in result.arms
        ]
        counts.add_row(Text(str(visit)), *cells, str(int(rows["n_excluded"].sum())))
    effects = Table(
        title=Text(
            f"g-computation from logistic regression, {result.variance} variance "
            f"({100 * (1 - result.alpha):g}% CI)"
        ),
        title_justify="left",
    )
    for col in ("Visit", "Comparison", "Risk difference", "p", "Risk ratio", "Odds ratio"):
        effects.add_column(col, justify="left" if col in ("Visit", "Comparison") else "right")
    e = result.effects.set_index(["visit", "comparison", "measure"])
    for visit, comparison in dict.fromkeys(
        zip(e.index.get_level_values(0), e.index.get_level_values(1), strict=True)
    ):
        rd, rr, odds = (
            e.loc[(visit, comparison, m)] for m in ("risk difference", "risk ratio", "odds ratio")
        )
        effects.add_row(
            Text(str(visit)),
            Text(str(comparison)),
            fmt_ci(rd["estimate"], rd["ci_lower"], rd["ci_upper"], 3),
            fmt_p(rd["p_value"]),
            fmt_ci(rr["estimate"], rr["ci_lower"], rr["ci_upper"], 2),
            fmt_ci(odds["estimate"], odds["ci_lower"], odds["ci_upper"], 2),
        )
    unadjusted = Table(
        title="Unadjusted risk difference (Newcombe hybrid score CI)", title_justify="left"
    )
    for col in ("Visit", "Comparison", "Risk difference"):
        unadjusted.add_column(col, justify="right" if col == "Risk difference" else "left")
    for r in result.unadjusted.itertuples():
        unadjusted.add_row(
            Text(str(r.visit)),
            Text(str(r.comparison)),
            fmt_ci(r.estimate, r.ci_lower, r.ci_upper, 3),
        )
    parts: list[RenderableType] = [counts, effects, unadjusted]
    for r in result.not_estimable.itertuples():
        parts.append(Text(f"{r.visit}: no adjusted estimate ({r.reason}).", style="yellow"))
    return Group(*parts)
