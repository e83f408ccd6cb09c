"""Document blocks of the responder sections: one section per ``[[responders]]`` outcome.

Each section states the responder definition, the logistic model's covariates and the
variance; then, per visit, the numbers responding per arm with the unadjusted risk
difference and its Newcombe CI, and the covariate-adjusted measures (g-computation) with
their CIs and p-values. When the plan has a ``[multiplicity]`` table every row says whether
the result is confirmatory (with its hypothesis) or exploratory. Subjects not analysed at a
visit are counted by reason.
"""

from __future__ import annotations

from collections.abc import Callable

from trialkit.analysis import TrialAnalysis
from trialkit.analysis.responders import ResponderAnalysis
from trialkit.plan.schema import Plan
from trialkit.report.build_multiplicity import status_label
from trialkit.report.document import (
    Block,
    Cell,
    Column,
    Estimate,
    Label,
    Note,
    Paragraph,
    PValue,
    Section,
    Table,
)
from trialkit.report.format import arm_labels

MEASURE_DIGITS = {"risk difference": 3, "risk ratio": 2, "odds ratio": 2}


def _count_text(n: int, total: int, percent: float) -> str:
    return f"{n}/{total} ({percent:.1f}%)" if total else "0/0"


def _arm_label(plan: Plan, arm: str) -> str:
    """The plan's display label of the control or treatment arm, else the arm value."""
    labels = arm_labels(plan)
    return {plan.arms.control: labels[0], str(plan.arms.treatment): labels[1]}.get(arm, arm)


def _comparison_label(plan: Plan, comparison: str, control: str) -> str:
    arm = comparison.removesuffix(f" - {control}")
    return f"{_arm_label(plan, arm)} vs {_arm_label(plan, control)}"


def counts_table(analysis: TrialAnalysis, ra: ResponderAnalysis, ci: str) -> Table:
    """Per visit: responders / analysed (%) per arm and the unadjusted risk difference of each
    arm against the control (Newcombe CI)."""
    plan = analysis.trial.plan
    res = ra.result
    assert res is not None
    cnt, un = res.counts, res.unadjusted
    comparisons = list(dict.fromkeys(un["comparison"]))
    cols = [Column("Visit")]
    cols += [Column(f"{_arm_label(plan, a)}\nresponders (%)", "right") for a in res.arms]
    if len(comparisons) == 1:
        cols.append(Column(f"Unadjusted risk difference\n({ci}, Newcombe)", "right"))
    else:
        cols += [
            Column(f"{_comparison_label(plan, c, res.control)}\nunadjusted RD ({ci})", "right")
            for c in comparisons
        ]
    rows: list[tuple[Cell, ...]] = []
    for v in res.visits:
        c = cnt[cnt["visit"] == v].set_index("arm")
        u = un[un["visit"] == v].set_index("comparison")
        cells: list[Cell] = [Label(plan.visits.label(v))]
        for arm in res.arms:
            r = c.loc[arm]
            cells.append(
                Label(_count_text(int(r["n_responders"]), int(r["n_with_data"]), r["percent"]))
            )
        for comp in comparisons:
            r = u.loc[comp]
            cells.append(Estimate(r["estimate"], r["ci_lower"], r["ci_upper"], 3))
        rows.append(tuple(cells))
    title = f"{ra.label}: responders by visit"
    mult = analysis.multiplicity is not None
    foot = () if not mult else ("The unadjusted difference is descriptive (exploratory).",)
    return Table(title, tuple(cols), tuple(rows), footnotes=foot)


def effects_table(analysis: TrialAnalysis, ra: ResponderAnalysis, ci: str) -> Table:
    """Per visit, comparison and measure: the covariate-adjusted estimate (CI), p, and its
    status (confirmatory or exploratory)."""
    plan = analysis.trial.plan
    res = ra.result
    assert res is not None
    mult = analysis.multiplicity
    effects = ra.effects()
    several = effects["comparison"].nunique() > 1
    cols = [Column("Visit")]
    cols += [Column("Comparison")] if several else []
    cols += [Column("Measure"), Column(f"Estimate ({ci})", "right"), Column("p", "right")]
    if mult is not None:
        cols.append(Column("Result"))
    rows: list[tuple[Cell, ...]] = []
    last = None
    for e in effects.itertuples():
        status = status_label(analysis, ra.name, str(e.visit), str(e.comparison), str(e.measure))
        bold = "bold" if status.startswith("confirmatory") else None
        cells: list[Cell] = [Label(plan.visits.label(str(e.visit)) if e.visit != last else "")]
        if several:
            cells.append(Label(_comparison_label(plan, str(e.comparison), res.control)))
        cells += [
            Label(str(e.measure)),
            Estimate(
                e.estimate, e.ci_lower, e.ci_upper, MEASURE_DIGITS[str(e.measure)], emphasis=bold
            ),
            PValue(e.p_value, emphasis=bold),
        ]
        if mult is not None:
            cells.append(Label(status, emphasis=bold))
        rows.append(tuple(cells))
        last = e.visit
    versus = (
        ""
        if several
        else f"{_comparison_label(plan, effects['comparison'].iloc[0], res.control)}; "
    )
    title = (
        f"{ra.label}: covariate-adjusted effects ({versus}g-computation, {res.variance} variance)"
    )
    return Table(title, tuple(cols), tuple(rows))


def _exclusion_notes(ra: ResponderAnalysis, label: Callable[[str], str]) -> list[Block]:
    res = ra.result
    assert res is not None
    out: list[Block] = []
    ex = res.excluded
    for v in res.visits:
        at = ex[ex["visit"] == v]
        n_all = int(res.counts.loc[res.counts["visit"] == v, "n_subjects"].sum())
        if at.empty:
            out.append(Note(f"{label(v)}: all {n_all} randomised subjects analysed."))
            continue
        reasons = at["reason"].value_counts()
        words = "; ".join(f"{reason}: {n}" for reason, n in reasons.items())
        out.append(
            Note(
                f"{label(v)}: {n_all - len(at)} of {n_all} randomised subjects analysed; "
                f"{len(at)} not analysed ({words})."
            )
        )
    return out


def responder_section(analysis: TrialAnalysis, ra: ResponderAnalysis, ci: str) -> Section:
    """One responder outcome's section."""
    spec = ra.spec
    covs = ", ".join(spec.covariates or ()) or "none"
    blocks: list[Block] = [
        Paragraph(
            f"Responder: {ra.definition}. Logistic working model: arm + {covs} "
            "(covariate 'baseline' is the outcome's baseline value); marginal effects by "
            "g-computation."
        )
    ]
    if ra.result is None:
        blocks.append(Paragraph(f"Not analysed: {ra.error}", "flag"))
        return Section(f"responder-{ra.name}", f"Responder: {ra.label}", tuple(blocks))
    plan = analysis.trial.plan
    for ne in ra.result.not_estimable.itertuples():
        blocks.append(
            Paragraph(
                f"No adjusted estimate at {plan.visits.label(str(ne.visit))}: {ne.reason}.",
                "flag",
            )
        )
    blocks += [counts_table(analysis, ra, ci), effects_table(analysis, ra, ci)]
    blocks += _exclusion_notes(ra, plan.visits.label)
    return Section(f"responder-{ra.name}", f"Responder: {ra.label}", tuple(blocks))


def responder_sections(analysis: TrialAnalysis, ci: str) -> list[Section]:
    """Every responder section, in plan order (none without ``[[responders]]``)."""
    return [responder_section(analysis, ra, ci) for ra in analysis.responders]
