"""The full trial report on the terminal (rich).

:func:`report_sections` builds the report as an ordered list of :class:`Section` objects
holding rich renderables; :func:`render_report` prints them. The HTML and Markdown renderers
convert the same sections, so every format shows the same tables with the same numbers.

Order: trial header; CONSORT flow; baseline table; adherence; attrition; one table per
post-baseline visit for each outcome (primary first); the one-screen summary of all outcomes;
footnotes on the models; the replication check against published results; the cross-checks
(discrepancies). Data strings are always wrapped in :class:`rich.text.Text`, so text such as
``"[red]"`` in a label prints literally.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from trialkit.analysis import OutcomeAnalysis, TrialAnalysis
from trialkit.analysis.replication import DEFAULT_TOLERANCE
from trialkit.core.version import __version__
from trialkit.report.csv_tables import models_frame, results_frame
from trialkit.report.estimands_terminal import MAR_NOTE, estimand_parts
from trialkit.report.format import (
    arm_labels,
    covariance_name,
    df_method_name,
    fmt_ci,
    fmt_int,
    fmt_num,
    fmt_p,
    fmt_paren,
    mean_digits,
    model_digits,
    visit_labels,
)
from trialkit.report.summaries_terminal import (
    adherence_renderable,
    attrition_renderable,
    baseline_renderable,
    consort_renderable,
    discrepancies_renderable,
)


@dataclass(frozen=True)
class Section:
    """One report section: a stable ``key``, a heading and its renderables in order.

    ``outcome`` is set on per-outcome sections (the HTML report places figures by it).
    """

    key: str
    title: str
    parts: list[RenderableType] = field(default_factory=list)
    outcome: str | None = None


def ci_label(alpha: float) -> str:
    """``95% CI`` for ``alpha = 0.05``."""
    return f"{100 * (1 - alpha):g}% CI"


def _header(analysis: TrialAnalysis) -> list[RenderableType]:
    plan = analysis.trial.plan
    subjects = analysis.trial.subjects
    n = subjects[analysis.trial.arm_col].astype(str).value_counts()
    primary = plan.primary
    t = Table(show_header=False, box=None, pad_edge=False)
    t.add_column("Item", style="bold")
    t.add_column("Value")
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
    for item, value in rows:
        t.add_row(item, Text(value))
    return [t]


def _visit_table(r: pd.Series, oa: OutcomeAnalysis, labels: tuple[str, str], ci: str) -> Table:
    md, dd = mean_digits(oa.outcome), model_digits(oa.outcome)
    t = Table(title=Text(f"{oa.outcome.label}: {r['visit_label']}"), title_justify="left")
    t.add_column("")
    t.add_column(Text(labels[0]), justify="right")
    t.add_column(Text(labels[1]), justify="right")
    t.add_column(f"Difference ({ci})", justify="right")

    def arms(fmt, *cols: str) -> list[str]:
        return [fmt(*(r[f"{c}_{a}"] for c in cols)) for a in ("control", "treatment")]

    t.add_row("n observed", *arms(fmt_int, "n"), "")
    t.add_row("Observed mean (SD)", *arms(lambda m, s: fmt_paren(m, s, md), "mean", "sd"), "")
    mm = fmt_ci(r["estimate"], r["ci_lower"], r["ci_upper"], dd)
    t.add_row(
        "MMRM LS mean (SE)",
        *arms(lambda m, s: fmt_paren(m, s, dd), "lsmean", "lsmean_se"),
        Text(mm, style="bold"),
    )
    t.add_row("  p", "", "", fmt_p(r["p_value"]))
    t.add_row("  Cohen's d", "", "", fmt_ci(r["d"], r["d_ci_lower"], r["d_ci_upper"], 2))
    an = fmt_ci(r["ancova_estimate"], r["ancova_ci_lower"], r["ancova_ci_upper"], dd)
    t.add_row(
        "ANCOVA LS mean (SE)",
        *arms(lambda m, s: fmt_paren(m, s, dd), "ancova_lsmean", "ancova_lsmean_se"),
        an,
    )
    t.add_row("  p", "", "", fmt_p(r["ancova_p_value"]))
    t.add_row("  n analysed", *arms(fmt_int, "ancova_n"), "")
    return t


def _outcome_section(
    analysis: TrialAnalysis, oa: OutcomeAnalysis, rows: pd.DataFrame, ci: str
) -> Section:
    plan = analysis.trial.plan
    labels = arm_labels(plan)
    md = mean_digits(oa.outcome)
    direction = "lower" if oa.outcome.lower_is_better else "higher"
    parts: list[RenderableType] = [
        Text(f"{oa.outcome.role.capitalize()} outcome; {direction} scores are better.")
    ]
    for b in rows[rows["is_baseline"]].itertuples():
        parts.append(
            Text(
                f"{b.visit_label} observed mean (SD): {labels[0]} "
                f"{fmt_paren(b.mean_control, b.sd_control, md)}, n = {fmt_int(b.n_control)}; "
                f"{labels[1]} {fmt_paren(b.mean_treatment, b.sd_treatment, md)}, "
                f"n = {fmt_int(b.n_treatment)}."
            )
        )
    for label, err in (("MMRM", oa.mmrm_error), ("ANCOVA", oa.ancova_error)):
        if err:
            parts.append(Text(f"{label} not fitted: {err}", style="red"))
    for model, visit, reason in oa.not_estimable():
        where = plan.visits.label(visit) if plan.visits.labels else f"visit {visit}"
        parts.append(Text(f"{model}: no estimate at {where}: {reason}.", style="red"))
    for _, r in rows[~rows["is_baseline"]].iterrows():
        parts.append(_visit_table(r, oa, labels, ci))
    return Section(f"outcome-{oa.name}", oa.outcome.label, parts, outcome=oa.name)


def _summary_table(analysis: TrialAnalysis, results: pd.DataFrame, ci: str) -> Table:
    plan = analysis.trial.plan
    post = results[~results["is_baseline"]]
    t = Table(
        title=f"Treatment - control at each visit: MMRM difference ({ci}), p, Cohen's d",
        title_justify="left",
    )
    t.add_column("Outcome")
    visits = [v for v in plan.visits.order if v != plan.visits.baseline]
    vlabels = visit_labels(plan)
    for v in visits:
        t.add_column(Text(f"{vlabels[v]}\ndifference ({ci})"), justify="right")
        t.add_column("p", justify="right")
        t.add_column("d", justify="right")
    for oa in analysis.outcomes:
        rows = post[post["outcome"] == oa.name].set_index("visit")
        dd = model_digits(oa.outcome)
        primary = oa.name == analysis.trial.plan.primary.name
        name = oa.outcome.label + (" (primary)" if primary else "")
        cells: list[RenderableType] = []
        for v in visits:
            r = rows.loc[v]
            bold = "bold" if r["p_value"] < plan.analysis.alpha else ""
            cells += [
                Text(fmt_ci(r["estimate"], r["ci_lower"], r["ci_upper"], dd), style=bold),
                Text(fmt_p(r["p_value"]), style=bold),
                fmt_num(r["d"], 2),
            ]
        t.add_row(Text(name), *cells)
    return t


def footnotes(analysis: TrialAnalysis) -> list[str]:
    """The model notes: model, covariance (and any fallback), df, LS-means weights, effect
    size and the N each outcome's MMRM used."""
    plan = analysis.trial.plan
    s = analysis.settings
    models = models_frame(analysis)
    fitted = models[models["error"].isna()]
    covs = ", ".join(str(c) for c in s["covariates"]) or "none"
    vcovs = ", ".join(f"{c} x visit" for c in s["visit_covariates"])
    notes = [
        "Model: mixed model for repeated measures (MMRM) on the post-baseline visits, "
        f"fitted by {'REML' if s['reml'] else 'ML'}; fixed effects arm, visit, arm x visit, "
        f"{covs}{', ' + vcovs if vcovs else ''} ('baseline' = the outcome's own baseline "
        "value); no imputation: subjects contribute every visit they were assessed at.",
    ]
    changed = fitted[fitted["covariance_changed"].astype(bool)]
    requested = covariance_name(str(s["covariance_requested"]))
    if changed.empty:
        notes.append(f"Covariance: {requested} for every outcome, as planned.")
    else:
        notes.append(f"Covariance: {requested} as planned, except:")
        for r in changed.itertuples():
            notes.append(
                f"  {r.label}: {covariance_name(r.covariance)} used because the fallback "
                f"ladder rejected {r.fallback_reasons}."
            )
    mm = analysis.trial.plan.analysis.mmrm
    if mm.group_covariance:
        notes.append("A separate covariance matrix is estimated for each arm (SAS GROUP=).")
    kr_param = ""
    if str(s["df_method"]) == "kenward-roger":
        kr_param = (
            " (second-derivative term in SAS PROC MIXED's covariance parametrisation, as DDFM=KR)"
            if mm.kr_parametrization == "sas"
            else " (second-derivative term in R mmrm's covariance parametrisation)"
        )
    if mm.robust:
        kr_param += "; empirical (sandwich) standard errors"
    notes += [
        f"Degrees of freedom: {df_method_name(str(s['df_method']))}{kr_param}.",
        f"LS means: {s['lsmeans_weights']} weights over the levels of categorical covariates; "
        "numeric covariates at their mean.",
    ]
    definitions = {
        oa.mmrm.effect_size_definition for oa in analysis.outcomes if oa.mmrm is not None
    }
    notes += [f"Effect size: {d}." for d in sorted(definitions)]
    notes.append(
        "Sensitivity analysis: ANCOVA at each visit of the visit's value on arm and baseline "
        f"(complete cases at that visit); robust SE: {s['ancova_robust'] or 'no'}."
    )
    notes.append(
        f"N used by each MMRM (subjects / observations): {arm_labels(plan)[0]}; "
        f"{arm_labels(plan)[1]}; excluded subjects with reasons:"
    )
    for r in fitted.itertuples():
        notes.append(
            f"  {r.label}: {r.n_subjects_control}/{r.n_observations_control}; "
            f"{r.n_subjects_treatment}/{r.n_observations_treatment}; {r.n_excluded} excluded"
            + (f": {r.excluded_reasons}" if r.n_excluded else "")
        )
    for r in models[models["error"].notna()].itertuples():
        notes.append(f"  {r.label}: not fitted: {r.error}")
    notes.append(
        f"p-values are two-sided; CIs are {ci_label(plan.analysis.alpha)}s; differences are "
        "treatment minus control; no adjustment for multiple outcomes."
    )
    if not plan.estimands:
        notes.append(MAR_NOTE)
    return notes


def replication_renderable(analysis: TrialAnalysis) -> RenderableType:
    """Published vs estimated side by side, their difference, and the agreement flag."""
    rep = analysis.replication
    if rep is None or rep.empty:
        return Text("The plan lists no published results ([[published]]).")
    plan = analysis.trial.plan
    ci = ci_label(plan.analysis.alpha)
    vlabels = visit_labels(plan)
    t = Table(
        title="Replication of published results (MMRM; outcomes by their plan name)",
        title_justify="left",
    )
    for col in (
        "Outcome",
        "Visit",
        f"Published ({ci})",
        "Published p",
        f"trialkit ({ci})",
        "trialkit p",
        "Difference",
        "Scale",
        "Agrees",
    ):
        t.add_column(col, justify="left" if col in ("Outcome", "Visit") else "right")
    for r in rep.itertuples():
        bound = "" if r.published_p_bound == "=" else str(r.published_p_bound)
        pub_p = "-" if pd.isna(r.published_p_value) else f"{bound}{r.published_p_value:g}"
        t.add_row(
            Text(r.outcome),
            Text(vlabels.get(r.visit, r.visit)),
            fmt_ci(r.published_estimate, r.published_ci_lower, r.published_ci_upper, sep="\n"),
            pub_p,
            fmt_ci(r.estimate, r.ci_lower, r.ci_upper, sep="\n"),
            fmt_p(r.p_value),
            fmt_num(r.difference, 3),
            fmt_num(r.scale, 3),
            Text("yes" if r.agrees else f"NO: {r.reason}", style="green" if r.agrees else "red"),
        )
    note = replication_note(analysis)
    assert note is not None
    return Group(t, Text(note))


#: What agreement means for data calibrated to the published figures (the synthetic sample).
CALIBRATED_NOTE = (
    "This agreement holds by construction: the data are synthetic and were generated to "
    "reproduce these published figures (calibrated_to_published = true in the plan), so the "
    "check tests trialkit's pipeline, not the published analysis."
)


def replication_note(analysis: TrialAnalysis) -> str | None:
    """The sentence under the replication table (None without published results).

    It counts the figures that agree, says what agreeing means, and for data calibrated to
    the published figures (``[trial] calibrated_to_published``) that agreement holds by
    construction. Every report format shows it.
    """
    rep = analysis.replication
    if rep is None or rep.empty:
        return None
    n_ok = int(rep["agrees"].sum())
    calibrated = f" {CALIBRATED_NOTE}" if analysis.trial.plan.calibrated_to_published else ""
    return (
        f"{n_ok} of {len(rep)} published figures agree.{calibrated} A figure agrees when the "
        f"estimate is within {DEFAULT_TOLERANCE:g} x scale of the published one (scale = the "
        "published SE recovered from its CI; without a CI, |published difference|) and both "
        "p-values fall on the same side of alpha (below the bound where the paper reported "
        "p < bound)."
    )


def report_sections(analysis: TrialAnalysis) -> list[Section]:
    """The whole report as ordered sections of rich renderables."""
    ci = ci_label(analysis.trial.plan.analysis.alpha)
    results = results_frame(analysis)
    sections = [
        Section("header", analysis.trial.plan.title, _header(analysis)),
        Section("consort", "CONSORT flow", [consort_renderable(analysis.consort)]),
        Section("baseline", "Baseline characteristics", [baseline_renderable(analysis.baseline)]),
        Section(
            "adherence",
            "Adherence",
            [
                adherence_renderable(analysis.adherence)
                if analysis.adherence is not None
                else Text("The plan defines no adherence measure.")
            ],
        ),
        Section("attrition", "Attrition", [attrition_renderable(analysis.attrition)]),
    ]
    for oa in analysis.outcomes:
        sections.append(_outcome_section(analysis, oa, results[results["outcome"] == oa.name], ci))
    plan = analysis.trial.plan
    for i, est in enumerate(analysis.estimands):
        digits = model_digits(plan.outcome(est.spec.outcome))
        sections.append(
            Section(
                f"estimand-{i + 1}",
                f"Estimand: {est.spec.name}",
                estimand_parts(est, plan, digits, ci),
            )
        )
    sections += [
        Section("summary", "Summary of all outcomes", [_summary_table(analysis, results, ci)]),
        Section("footnotes", "Notes", [Text(n) for n in footnotes(analysis)]),
        Section("replication", "Replication check", [replication_renderable(analysis)]),
        Section(
            "discrepancies", "Cross-checks", [discrepancies_renderable(analysis.discrepancies)]
        ),
    ]
    return sections


def render_report(analysis: TrialAnalysis, console: Console) -> None:
    """Print every section of the report to ``console``."""
    for s in report_sections(analysis):
        if s.key == "header":
            console.print(Text(s.title, style="bold underline"))
        else:
            console.rule(Text(s.title), align="left")
        for part in s.parts:
            console.print(part)


# --------------------------------------------------------------------------- conversion
# The HTML and Markdown renderers convert these renderables rather than rebuilding them.


@dataclass(frozen=True)
class TableData:
    """A rich table's text: title, header row, body rows, alignment and bold rows."""

    title: str
    headers: list[str]
    rows: list[list[str]]
    justify: list[str]
    show_header: bool = True


def plain(cell: object) -> str:
    """The text a renderable cell shows (markup in plain ``str`` cells is interpreted, as
    rich does; data strings arrive as :class:`~rich.text.Text` and stay literal)."""
    if cell is None:
        return ""
    if isinstance(cell, Text):
        return cell.plain
    return Text.from_markup(str(cell)).plain


def table_data(table: Table) -> TableData:
    """The text of every cell of ``table``."""
    columns = list(table.columns)
    cells = [[plain(c) for c in col.cells] for col in columns]
    n = max((len(c) for c in cells), default=0)
    rows = [[col[i] if i < len(col) else "" for col in cells] for i in range(n)]
    return TableData(
        title=plain(table.title),
        headers=[plain(c.header).replace("\n", " ") for c in columns],
        rows=rows,
        justify=[str(c.justify) for c in columns],
        show_header=table.show_header,
    )


def flatten(part: RenderableType) -> list[Table | Tree | Text]:
    """Groups unpacked into their tables, trees and text lines, in order."""
    if isinstance(part, Group):
        return [x for p in part.renderables for x in flatten(p)]
    if isinstance(part, Table | Tree | Text):
        return [part]
    return [Text(plain(part))]


def render_parts(
    part: RenderableType,
    table: Callable[[Table], str],
    tree: Callable[[Tree], str],
    text: Callable[[Text], str],
) -> list[str]:
    """Each table, tree and text line of ``part``, in order, through its format's renderer
    (shared by the HTML and Markdown reports)."""
    out = []
    for p in flatten(part):
        if isinstance(p, Table):
            out.append(table(p))
        elif isinstance(p, Tree):
            out.append(tree(p))
        else:
            out.append(text(p))
    return out
