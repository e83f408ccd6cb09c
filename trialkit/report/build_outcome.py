"""Document blocks of each outcome's results for any number of arms: one table per
post-baseline visit and the one-screen summary of all outcomes.

Numbers come from the models' tidy frames (``lsmeans``: ``arm, visit``; ``differences`` and
``effect_sizes``: ``comparison, visit``; ``trend``: ``visit``) and the observed summaries
(``arm, visit, n, mean, sd``), and keep their format in typed cells.

Layout: a column per arm (its label over its randomised N) and a difference column. With
one comparison (two arms) the difference sits on the model's LS-mean row, as it always has;
with several, each comparison is a row group under the LS-mean row (its label indented one
level, its p and Cohen's d two), followed by the dose-response trend when the model has one.
"""

from __future__ import annotations

from dataclasses import replace

from trialkit.analysis import OutcomeAnalysis, TrialAnalysis
from trialkit.models.ancova import AncovaResult
from trialkit.models.mmrm import MMRMResult
from trialkit.report.arms import (
    ReportArm,
    comparison_names,
    model_trend,
    report_arms,
)
from trialkit.report.build_multiplicity import (
    confirmatory_footnotes,
    confirmatory_marks,
    title_status,
)
from trialkit.report.document import (
    EMPTY,
    Block,
    Cell,
    Column,
    Count,
    Estimate,
    Label,
    MeanSpread,
    Number,
    Paragraph,
    PValue,
    Section,
    Table,
)
from trialkit.report.format import (
    fmt_int,
    fmt_median_range,
    fmt_paren,
    mean_digits,
    model_digits,
    visit_labels,
    visit_where,
)
from trialkit.report.rows import Record, lookup, value

TREND_LABEL = "Dose-response slope"  # per unit of dose: see the notes
Row = tuple[Cell, ...]


class _Model:
    """One fitted model's rows by arm x visit and by comparison x visit."""

    def __init__(
        self,
        result: MMRMResult | AncovaResult | None,
        arms: tuple[ReportArm, ...],
        effects: bool = True,
    ):
        self.ok = result is not None
        self.names = comparison_names(result, arms)
        if result is None:
            self.lsmean = self.diff = self.d = self.trend = lookup(None, ())
            return
        es = result.effect_sizes if effects and isinstance(result, MMRMResult) else None
        self.lsmean = lookup(result.lsmeans, ("arm", "visit"))
        self.diff = lookup(result.differences, ("comparison", "visit"))
        self.d = lookup(es, ("comparison", "visit"))
        self.trend = lookup(model_trend(result), ("visit",))

    def has_trend(self, visit: str) -> bool:
        return self.trend(visit) is not None


def _mean_sd(row: Record | None, digits: int) -> MeanSpread:
    return MeanSpread(value(row, "mean"), value(row, "sd"), digits)


def _estimate(
    row: Record | None, digits: int, emphasis: str | None = None, marks: tuple[str, ...] = ()
) -> Estimate:
    return Estimate(
        value(row, "estimate"),
        value(row, "ci_lower"),
        value(row, "ci_upper"),
        digits,
        emphasis=emphasis,  # type: ignore[arg-type]
        marks=marks,
    )


def _model_rows(
    name: str,
    model: _Model,
    arms: tuple[ReportArm, ...],
    visit: str,
    digits: int,
    effects: bool,
    bold: bool,
) -> list[Row]:
    """The LS-mean row of a model, its comparisons (with p and d) and its trend."""
    blank = [EMPTY] * len(arms)
    lsm = [
        MeanSpread(
            value(model.lsmean(a.value, visit), "estimate"),
            value(model.lsmean(a.value, visit), "std_error"),
            digits,
        )
        for a in arms
    ]
    emphasis = "bold" if bold else None
    single = len(model.names) == 1
    rows: list[Row] = []
    if single:
        key = next(iter(model.names))
        diff = model.diff(key, visit)
        rows.append((Label(name), *lsm, _estimate(diff, digits, emphasis)))
        rows.append((Label("p", indent=1), *blank, PValue(value(diff, "p_value"))))
        if effects:
            rows.append((Label("Cohen's d", indent=1), *blank, _estimate(model.d(key, visit), 2)))
    else:
        rows.append((Label(name), *lsm, EMPTY))
        for key, shown in model.names.items():
            diff = model.diff(key, visit)
            rows.append((Label(shown, indent=1), *blank, _estimate(diff, digits, emphasis)))
            rows.append((Label("p", indent=2), *blank, PValue(value(diff, "p_value"))))
            if effects:
                d = model.d(key, visit)
                rows.append((Label("Cohen's d", indent=2), *blank, _estimate(d, 2)))
    trend = model.trend(visit)
    if trend is not None:
        # a slope per unit of dose is small: two more decimals than a difference
        rows.append((Label(TREND_LABEL, indent=1), *blank, _estimate(trend, digits + 2)))
        rows.append((Label("p", indent=2), *blank, PValue(value(trend, "p_value"))))
    return rows


class _OutcomeRows:
    """One outcome's observed summaries, MMRM and ANCOVA rows, read once for every visit."""

    def __init__(self, oa: OutcomeAnalysis, arms: tuple[ReportArm, ...], derived_types: str = ""):
        self.oa = oa
        self.obs = lookup(oa.observed, ("arm", "visit"))
        self.derived_types = derived_types or "derived"  # e.g. "LOCF"
        self.derived = lookup(oa.derived, ("arm", "visit")) if oa.derived is not None else None
        self.mmrm, self.ancova = _Model(oa.mmrm, arms), _Model(oa.ancova, arms, effects=False)
        self.samples = oa.ancova.samples if oa.ancova is not None else {}


def _derived_rows(
    rows_of: _OutcomeRows, visit: str, arms: tuple[ReportArm, ...], digits: int
) -> list[Row]:
    """The ANCOVA's data when it includes derived records (ADaM ``DTYPE``, e.g. LOCF): n,
    mean (SD) and median (range), as the descriptive rows of a regulatory efficacy table."""
    d = rows_of.derived
    if d is None:
        return []
    with_ = f"with {rows_of.derived_types} records"
    return [
        (
            Label(f"n ({with_})", indent=1),
            *[Count(value(d(a.value, visit), "n")) for a in arms],
            EMPTY,
        ),
        (
            Label(f"Mean (SD) ({with_})", indent=1),
            *[_mean_sd(d(a.value, visit), digits) for a in arms],
            EMPTY,
        ),
        (
            Label(f"Median (range) ({with_})", indent=1),
            *[
                Label(
                    fmt_median_range(
                        value(d(a.value, visit), "median"),  # type: ignore[arg-type]
                        value(d(a.value, visit), "min"),  # type: ignore[arg-type]
                        value(d(a.value, visit), "max"),  # type: ignore[arg-type]
                        digits,
                    )
                )
                for a in arms
            ],
            EMPTY,
        ),
    ]


def visit_table(
    rows_of: _OutcomeRows, visit: str, visit_label: str, arms: tuple[ReportArm, ...], ci: str
) -> Table:
    """One outcome at one visit: observed, MMRM (differences, p, d), ANCOVA (p, n)."""
    oa, obs, mmrm, ancova = rows_of.oa, rows_of.obs, rows_of.mmrm, rows_of.ancova
    md, dd = mean_digits(oa.outcome), model_digits(oa.outcome)
    n_ancova = rows_of.samples[visit].n_subjects if visit in rows_of.samples else {}
    rows: list[Row] = [
        (Label("n observed"), *[Count(value(obs(a.value, visit), "n")) for a in arms], EMPTY),
        (Label("Observed mean (SD)"), *[_mean_sd(obs(a.value, visit), md) for a in arms], EMPTY),
        *_model_rows("MMRM LS mean (SE)", mmrm, arms, visit, dd, True, True),
        *_model_rows("ANCOVA LS mean (SE)", ancova, arms, visit, dd, False, False),
        (
            Label("n analysed", indent=1),
            *[Count(n_ancova.get(a.value) if ancova.ok and n_ancova else None) for a in arms],
            EMPTY,
        ),
        *_derived_rows(rows_of, visit, arms, md),
    ]
    return Table(
        f"{oa.outcome.label}: {visit_label}",
        (
            Column(""),
            *[Column(a.header, "right") for a in arms],
            Column(f"Difference ({ci})", "right"),
        ),
        tuple(rows),
    )


def outcome_section(analysis: TrialAnalysis, oa: OutcomeAnalysis, ci: str) -> Section:
    """One outcome: direction, observed baseline, failures, one table per visit."""
    plan = analysis.trial.plan
    arms = report_arms(analysis.trial)
    md = mean_digits(oa.outcome)
    direction = "lower" if oa.outcome.lower_is_better else "higher"
    blocks: list[Block] = [
        Paragraph(f"{oa.outcome.role.capitalize()} outcome; {direction} scores are better.")
    ]
    adam = plan.adam
    rows_of = _OutcomeRows(oa, arms, ", ".join(adam.derived) if adam is not None else "")
    base = plan.visits.baseline
    parts = []
    for a in arms:
        row = rows_of.obs(a.value, base)
        mean_sd = fmt_paren(value(row, "mean"), value(row, "sd"), md)  # type: ignore[arg-type]
        parts.append(f"{a.label} {mean_sd}, n = {fmt_int(value(row, 'n'))}")
    blocks.append(Paragraph(f"{plan.visits.label(base)} observed mean (SD): {'; '.join(parts)}."))
    for label, err in (("MMRM", oa.mmrm_error), ("ANCOVA", oa.ancova_error)):
        if err:
            blocks.append(Paragraph(f"{label} not fitted: {err}", "flag"))
    for model, visit, reason in oa.not_estimable():
        where = visit_where(plan, visit)
        blocks.append(Paragraph(f"{model}: no estimate at {where}: {reason}.", "flag"))
    for v in plan.visits.post_baseline:
        t = visit_table(rows_of, v, plan.visits.label(v), arms, ci)
        blocks.append(replace(t, title=t.title + title_status(analysis, oa.name, v)))
    return Section(f"outcome-{oa.name}", oa.outcome.label, tuple(blocks), outcome=oa.name)


def summary_table(analysis: TrialAnalysis, ci: str) -> Table:
    """Every outcome x comparison x visit: MMRM difference (CI), p and d; significant
    results in bold. With several comparisons each outcome is a row group."""
    plan = analysis.trial.plan
    arms = report_arms(analysis.trial)
    visits = list(plan.visits.post_baseline)
    vlabels = visit_labels(plan)
    cols = [Column("Outcome")]
    for v in visits:
        cols += [
            Column(f"{vlabels[v]}\ndifference ({ci})", "right"),
            Column("p", "right"),
            Column("d", "right"),
        ]
    rows: list[Row] = []
    several = False
    for oa in analysis.outcomes:
        model = _Model(oa.mmrm, arms)
        dd = model_digits(oa.outcome)
        primary = oa.name == plan.primary.name
        name = oa.outcome.label + (" (primary)" if primary else "")
        several = several or len(model.names) > 1
        if len(model.names) > 1:
            rows.append((Label(name), *[EMPTY] * (3 * len(visits))))
        for key, shown in model.names.items():
            cells: list[Cell] = [Label(shown, indent=1) if len(model.names) > 1 else Label(name)]
            for v in visits:
                diff = model.diff(key, v)
                p = value(diff, "p_value")
                bold = "bold" if p is not None and p < plan.analysis.alpha else None
                # one comparison: any hypothesis at the outcome x visit (as for two arms)
                which = key if len(model.names) > 1 else None
                cells += [
                    _estimate(diff, dd, bold, confirmatory_marks(analysis, oa.name, v, which)),
                    PValue(p, emphasis=bold),  # type: ignore[arg-type]
                    Number(value(model.d(key, v), "estimate"), 2),
                ]
            rows.append(tuple(cells))
    what = "Differences between arms" if several else "Treatment - control"
    return Table(
        f"{what} at each visit: MMRM difference ({ci}), p, Cohen's d",
        tuple(cols),
        tuple(rows),
        footnotes=confirmatory_footnotes(analysis),
    )
