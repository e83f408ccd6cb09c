"""The report's notes on the models: the model actually fitted (every covariate), the
covariance (and any fallback), df method, LS-means weights, effect size, the ANCOVA
sensitivity analysis and the N each MMRM used.

Read by the document builder (as :class:`~trialkit.report.document.Note` blocks) and by the
JSON report (as plain strings, ``footnotes``).
"""

from __future__ import annotations

from trialkit.analysis import TrialAnalysis
from trialkit.analysis.replication import DEFAULT_TOLERANCE
from trialkit.report.adam_notes import adam_notes
from trialkit.report.arms import model_trend, report_arms
from trialkit.report.csv_tables import models_frame
from trialkit.report.document import Note
from trialkit.report.format import covariance_name, df_method_name

MAR_NOTE = (
    "Missing data: the plan defines no estimand ([[estimands]]). The MMRM is valid when data "
    "are missing at random (MAR): missing outcomes are assumed to behave like those of "
    "similar patients in the same arm who were assessed. No sensitivity analysis of this "
    "assumption was run."
)


TREND_NOTE = (
    "Dose-response slope: the change in the outcome per unit of the arms' numeric dose at "
    "each visit, from the same model with the dose as a continuous variable in place of the "
    "arm factor; its p-value is the dose-response test."
)


def _ci_label(alpha: float) -> str:
    return f"{100 * (1 - alpha):g}% CI"


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def ancova_terms(analysis: TrialAnalysis) -> list[str]:
    """The ANCOVA's terms as fitted: arm, the outcome's baseline, the other covariates."""
    covs = [str(c) for c in analysis.settings.get("covariates", []) if str(c) != "baseline"]
    return ["arm", "baseline", *covs]


def model_notes(analysis: TrialAnalysis) -> list[Note]:
    """The notes in order; sub-items have ``indent=1``."""
    plan = analysis.trial.plan
    s = analysis.settings
    models = models_frame(analysis)
    fitted = models[models["error"].isna()] if "error" in models else models
    covs = ", ".join(str(c) for c in s["covariates"]) or "none"
    vcovs = ", ".join(f"{c} x visit" for c in s["visit_covariates"])
    notes = [
        Note(
            "Model: mixed model for repeated measures (MMRM) on the post-baseline visits, "
            f"fitted by {'REML' if s['reml'] else 'ML'}; fixed effects arm, visit, arm x visit, "
            f"{covs}{', ' + vcovs if vcovs else ''} ('baseline' = the outcome's own baseline "
            "value); no imputation: subjects contribute every visit they were assessed at."
        )
    ]
    changed = fitted[fitted["covariance_changed"].astype(bool)]
    requested = covariance_name(str(s["covariance_requested"]))
    if changed.empty:
        notes.append(Note(f"Covariance: {requested} for every outcome, as planned."))
    else:
        notes.append(Note(f"Covariance: {requested} as planned, except:"))
        for r in changed.itertuples():
            notes.append(
                Note(
                    f"{r.label}: {covariance_name(r.covariance)} used because the fallback "
                    f"ladder rejected {r.fallback_reasons}.",
                    indent=1,
                )
            )
    mm = plan.analysis.mmrm
    if mm.group_covariance:
        notes.append(Note("A separate covariance matrix is estimated for each arm (SAS GROUP=)."))
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
        Note(f"Degrees of freedom: {df_method_name(str(s['df_method']))}{kr_param}."),
        Note(
            f"LS means: {s['lsmeans_weights']} weights over the levels of categorical "
            "covariates; numeric covariates at their mean."
        ),
    ]
    definitions = {
        oa.mmrm.effect_size_definition for oa in analysis.outcomes if oa.mmrm is not None
    }
    notes += [Note(f"Effect size: {d}.") for d in sorted(definitions)]
    notes.append(
        Note(
            "Sensitivity analysis: ANCOVA at each visit of the visit's value on "
            f"{_join(ancova_terms(analysis))} (complete cases at that visit); robust SE: "
            f"{s['ancova_robust'] or 'no'}."
        )
    )
    arms = report_arms(analysis.trial)
    notes.append(
        Note(
            "N used by each MMRM (subjects / observations): "
            f"{'; '.join(a.label for a in arms)}; excluded subjects with reasons:"
        )
    )
    by_name = {oa.name: oa.mmrm for oa in analysis.outcomes}
    for r in fitted.itertuples():
        sample = by_name[r.outcome].sample  # type: ignore[union-attr]
        used = "; ".join(
            f"{sample.n_subjects.get(a.value, 0)}/{sample.n_observations.get(a.value, 0)}"
            for a in arms
        )
        notes.append(
            Note(
                f"{r.label}: {used}; {r.n_excluded} excluded"
                + (f": {r.excluded_reasons}" if r.n_excluded else ""),
                indent=1,
            )
        )
    if "error" in models:
        for r in models[models["error"].notna()].itertuples():
            notes.append(Note(f"{r.label}: not fitted: {r.error}", indent=1))
    direction = (
        "treatment minus control"
        if len(arms) == 2
        else "the first arm named minus the second (e.g. each arm minus the control)"
    )
    multiple = "outcomes" if len(arms) == 2 else "outcomes or comparisons"
    notes.append(
        Note(
            f"p-values are two-sided; CIs are {_ci_label(plan.analysis.alpha)}s; differences "
            f"are {direction}; no adjustment for multiple {multiple}."
        )
    )
    if any(model_trend(oa.mmrm) is not None for oa in analysis.outcomes):
        notes.append(Note(TREND_NOTE))
    if not plan.estimands:
        notes.append(Note(MAR_NOTE))
    return notes + adam_notes(analysis.trial)


def footnotes(analysis: TrialAnalysis) -> list[str]:
    """The notes as plain strings, sub-items indented by two spaces (the JSON report)."""
    return ["  " * n.indent + n.text for n in model_notes(analysis)]


#: What agreement means for data calibrated to the published figures (the synthetic sample).
CALIBRATED_NOTE = (
    "This agreement holds by construction: the data are synthetic and were generated to "
    "reproduce these published figures (calibrated_to_published = true in the plan), so the "
    "check tests trialkit's pipeline, not the published analysis."
)


#: What agreement means for real published figures (data not calibrated to them).
PUBLISHED_NOTE = (
    "These are real published figures and the data were not generated from them "
    "(calibrated_to_published = false), so agreement means trialkit reproduces the "
    "published analysis from the data."
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
    plan = analysis.trial.plan
    calibrated = f" {CALIBRATED_NOTE if plan.calibrated_to_published else PUBLISHED_NOTE}"
    printed = ""
    if any(p.digits is not None or p.p_digits is not None for p in plan.published):
        printed = (
            " Where the plan gives the decimals printed (digits, p_digits), the figure "
            "agrees only if trialkit's values rounded half up to them print the published "
            "ones exactly."
        )
    return (
        f"{n_ok} of {len(rep)} published figures agree.{calibrated} A figure agrees when the "
        f"estimate is within {DEFAULT_TOLERANCE:g} x scale of the published one (scale = the "
        "published SE recovered from its CI; without a CI, |published difference|) and both "
        "p-values fall on the same side of alpha (below the bound where the paper reported "
        f"p < bound).{printed}"
    )
