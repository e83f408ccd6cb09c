"""Run every analysis a plan names on a trial: the whole statistical content of the report.

For each outcome (primary first): the MMRM on the post-baseline visits with the plan's
covariates (the token ``baseline`` is the outcome's own baseline value) and, as a
sensitivity analysis, ANCOVA at each post-baseline visit; then the CONSORT flow (with each
model's analysed N), the baseline table, adherence, attrition, the cross-checks between them,
and the replication check against published results.

Validated against: the component modules' references (R mmrm/emmeans, nlme, lm/emmeans, the
sample generator's known counts); see tests/test_analysis_runner.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from trialkit.analysis.estimands import EstimandResult, analyze_estimands
from trialkit.analysis.frames import covariates_for, outcome_frame, reason_names
from trialkit.analysis.multiplicity import MultiplicityAnalysis, analyze_multiplicity
from trialkit.analysis.observed import derived_summary, observed_summary
from trialkit.analysis.replication import replication_table
from trialkit.analysis.responders import ResponderAnalysis, analyze_responders
from trialkit.core.errors import ModelError
from trialkit.core.parallel import Execution
from trialkit.core.results import STAT_COLUMNS
from trialkit.data.trial import Trial
from trialkit.models.ancova import AncovaResult, fit_ancova
from trialkit.models.mmrm import MMRMResult, fit_mmrm
from trialkit.plan.schema import Outcome
from trialkit.specs.comparisons import comparison_label
from trialkit.summaries import (
    AdherenceSummary,
    AttritionSummary,
    BaselineSummary,
    ConsortFlow,
    Discrepancy,
    adherence_summary,
    attrition_summary,
    baseline_table,
    reconcile,
    summarize_consort,
)

Progress = Callable[[str], None]

SUMMARY_COLUMNS = (
    "outcome",
    "label",
    "role",
    "comparison",
    "visit",
    *STAT_COLUMNS,
    "cohens_d",
    "d_ci_lower",
    "d_ci_upper",
)


@dataclass(frozen=True)
class OutcomeAnalysis:
    """One outcome's models and observed summaries.

    ``mmrm_error`` / ``ancova_error`` hold the plain-language reason when a model could not
    be fitted (the rest of the report still runs).
    """

    outcome: Outcome
    mmrm: MMRMResult | None
    ancova: AncovaResult | None
    observed: pd.DataFrame  # arm, visit, n, mean, sd
    mmrm_error: str | None = None
    ancova_error: str | None = None
    #: arm, visit, n, mean, sd, median, min, max of the ANCOVA's column when it includes
    #: derived records (ADaM ``[adam] derived``, e.g. LOCF); None otherwise
    derived: pd.DataFrame | None = None

    @property
    def name(self) -> str:
        return self.outcome.name

    def not_estimable(self) -> tuple[tuple[str, str, str], ...]:
        """``(model, visit, reason)`` for every visit a fitted model could not estimate."""
        out = []
        for model, res in (("MMRM", self.mmrm), ("ANCOVA", self.ancova)):
            if res is not None:
                out += [(model, v, r) for v, r in res.not_estimable.items()]
        return tuple(out)


@dataclass(frozen=True)
class TrialAnalysis:
    """Everything ``trialkit analyze`` reports, as numbers."""

    trial: Trial
    outcomes: tuple[OutcomeAnalysis, ...]
    consort: ConsortFlow
    baseline: BaselineSummary
    adherence: AdherenceSummary | None
    attrition: AttritionSummary
    discrepancies: tuple[Discrepancy, ...]
    replication: pd.DataFrame | None
    settings: dict[str, object] = field(default_factory=dict)
    estimands: tuple[EstimandResult, ...] = ()
    responders: tuple[ResponderAnalysis, ...] = ()
    multiplicity: MultiplicityAnalysis | None = None

    def failed_models(self) -> tuple[tuple[str, str, str], ...]:
        """``(outcome label, model, reason)`` for every planned model that was not fitted."""
        out = []
        for o in self.outcomes:
            for model, err in (("MMRM", o.mmrm_error), ("ANCOVA", o.ancova_error)):
                if err is not None:
                    out.append((o.outcome.label, model, err))
        return tuple(out)

    def outcome(self, name: str) -> OutcomeAnalysis:
        for o in self.outcomes:
            if o.name == name:
                return o
        raise KeyError(name)

    def summary_frame(self) -> pd.DataFrame:
        """One row per outcome x comparison x visit: MMRM difference, CI, p and Cohen's d
        (abstract view; one comparison, treatment - control, in a two-arm trial)."""
        rows = []
        for oa in self.outcomes:
            if oa.mmrm is None:
                continue
            d = oa.mmrm.differences
            es = oa.mmrm.effect_sizes
            if es is not None:
                es = es.set_index(["comparison", "visit"])
            for r in d.itertuples():
                key = (r.comparison, r.visit)
                rows.append(
                    {
                        "outcome": oa.name,
                        "label": oa.outcome.label,
                        "role": oa.outcome.role,
                        "comparison": r.comparison,
                        "visit": r.visit,
                        "estimate": r.estimate,
                        "std_error": r.std_error,
                        "df": r.df,
                        "ci_lower": r.ci_lower,
                        "ci_upper": r.ci_upper,
                        "p_value": r.p_value,
                        "cohens_d": es.at[key, "estimate"] if es is not None else np.nan,
                        "d_ci_lower": es.at[key, "ci_lower"] if es is not None else np.nan,
                        "d_ci_upper": es.at[key, "ci_upper"] if es is not None else np.nan,
                    }
                )
        return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))

    def effects_frame(self) -> pd.DataFrame:
        """Per outcome x comparison x visit MMRM differences as study-level effects for
        ``trialkit meta`` (which analyses each comparison, outcome and visit apart).

        Columns: ``study, outcome, comparison, visit, measure, yi, se, n1, n2``
        (``comparison`` is ``"a - b"``; ``measure`` is ``MD``, the raw mean difference;
        ``n1`` the subjects of arm ``a``, ``n2`` those of arm ``b`` analysed by the MMRM).
        """
        s = self.summary_frame()
        out = pd.DataFrame(
            {
                "study": self.trial.plan.title,
                "outcome": s["outcome"],
                "comparison": s["comparison"],
                "visit": s["visit"],
                "measure": "MD",
                "yi": s["estimate"],
                "se": s["std_error"],
            }
        )
        n = {oa.name: oa.mmrm.sample.n_subjects for oa in self.outcomes if oa.mmrm is not None}
        pairs = {
            comparison_label(a, b): (a, b)
            for oa in self.outcomes
            if oa.mmrm is not None
            for a, b in oa.mmrm.comparisons
        }
        out["n1"] = [n[o][pairs[c][0]] for o, c in zip(s["outcome"], s["comparison"], strict=True)]
        out["n2"] = [n[o][pairs[c][1]] for o, c in zip(s["outcome"], s["comparison"], strict=True)]
        return out


def analyze_outcomes(
    trial: Trial,
    outcomes: tuple[Outcome, ...] | None = None,
    progress: Progress | None = None,
) -> tuple[OutcomeAnalysis, ...]:
    """Fit the plan's MMRM and ANCOVA for each outcome (default: all, primary first).

    A model that cannot be fitted is recorded with its plain-language reason
    (``mmrm_error`` / ``ancova_error``) instead of stopping the other analyses.
    """
    say = progress or (lambda _msg: None)
    plan = trial.plan
    spec = plan.analysis
    chosen = outcomes if outcomes is not None else plan.outcomes
    results = []
    for o in sorted(chosen, key=lambda o: o.name != plan.primary.name):
        say(f"MMRM and ANCOVA: {o.label}")
        frame, base_name = outcome_frame(trial, o)
        covs, vcovs = covariates_for(trial, base_name)
        names = reason_names(trial, o, [*covs, *vcovs], base_name)
        common = {
            "outcome": trial.outcome_column(o),
            "arm": trial.arm_col,
            "control": plan.arms.control,
            "visit": trial.visit_col,
            "subject": trial.subject_col,
            "comparisons": plan.arms.comparisons,
            "dose": plan.arms.dose_argument,
            "labels": names.columns,
            "visit_labels": names.visits,
        }
        mmrm = ancova = None
        mmrm_err = ancova_err = None
        try:
            mmrm = fit_mmrm(
                frame,
                **common,
                covariates=covs,
                visit_covariates=vcovs,
                spec=spec.mmrm,
                baseline=base_name,
                visits=list(plan.visits.post_baseline),
            )
        except ModelError as exc:
            mmrm_err = str(exc)
        if spec.ancova.enabled:
            try:
                ancova = fit_ancova(
                    frame,
                    **{**common, "outcome": trial.ancova_column(o)},
                    baseline=base_name,
                    covariates=[c for c in covs if c != base_name],
                    visits=list(plan.visits.post_baseline),
                    spec=spec.ancova,
                )
            except ModelError as exc:
                ancova_err = str(exc)
        results.append(
            OutcomeAnalysis(
                o,
                mmrm,
                ancova,
                observed_summary(trial, o),
                mmrm_err,
                ancova_err,
                derived_summary(trial, o) if spec.ancova.enabled else None,
            )
        )
    return tuple(results)


def model_samples(results: tuple[OutcomeAnalysis, ...], trial: Trial) -> dict[str, object]:
    """The fitted models whose analysed N the CONSORT flow shows: each outcome's MMRM and
    the ANCOVA at the final visit."""
    last = trial.plan.visits.label(trial.plan.visits.post_baseline[-1])
    out: dict[str, object] = {}
    for r in results:
        if r.mmrm is not None:
            out[f"MMRM: {r.outcome.label}"] = r.mmrm
        if r.ancova is not None:
            out[f"ANCOVA ({last}): {r.outcome.label}"] = r.ancova
    return out


def consort_with_models(trial: Trial, assessed_by: str | None = None) -> ConsortFlow:
    """The CONSORT flow with the analysed counts of the primary outcome's fitted models."""
    results = analyze_outcomes(trial, (trial.plan.primary,))
    return summarize_consort(trial, model_samples(results, trial), assessed_by=assessed_by)


def analyze_trial(
    trial: Trial, progress: Progress | None = None, execution: Execution | None = None
) -> TrialAnalysis:
    """Fit every model in the plan and build every summary.

    Parameters
    ----------
    trial
        A validated trial (:func:`trialkit.read_trial`).
    progress
        Optional callback receiving a short description of each step as it starts.
    execution
        Where the estimands' imputations run (workers, a Dask scheduler, a callback
        ``progress(done, total)`` over their draws); the results do not depend on it.
    """
    say = progress or (lambda _msg: None)
    plan = trial.plan
    spec = plan.analysis
    results = analyze_outcomes(trial, progress=progress)
    say("CONSORT flow, baseline table, adherence and attrition")
    # CONSORT's analysis boxes report the primary outcome's models; every outcome's table
    # states its own N and exclusions.
    primary = tuple(r for r in results if r.outcome.name == plan.primary.name)
    flow = summarize_consort(trial, model_samples(primary, trial))
    base = baseline_table(trial)
    adh = adherence_summary(trial) if plan.adherence is not None else None
    attr = attrition_summary(trial)
    disc = reconcile(flow, base, adh)
    rep = (
        replication_table(
            plan,
            {r.name: r.mmrm for r in results},
            ancova_fits={r.name: r.ancova for r in results},
        )
        if plan.published
        else None
    )
    if plan.estimands:
        say("Estimands: main and sensitivity estimators")
    estimands = analyze_estimands(trial, execution, say)
    responders = analyze_responders(trial, progress)
    multiplicity = analyze_multiplicity(trial, results, responders)
    settings = {
        "covariance_requested": spec.mmrm.covariance,
        "df_method": spec.mmrm.df_method,
        "reml": spec.mmrm.reml,
        "lsmeans_weights": spec.mmrm.lsmeans_weights,
        "alpha": spec.alpha,
        "covariates": list(plan.model.covariates),
        "visit_covariates": list(plan.model.visit_covariates),
        "ancova_robust": spec.ancova.robust,
    }
    return TrialAnalysis(
        trial,
        tuple(results),
        flow,
        base,
        adh,
        attr,
        disc,
        rep,
        settings,
        estimands,
        responders=responders,
        multiplicity=multiplicity,
    )
