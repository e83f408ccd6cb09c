"""Estimate each estimand of a plan with its main and sensitivity estimators.

For one estimand: the population is selected, each intercurrent event is applied by its
strategy (ICH E9(R1)), and every estimator is run on the same prepared data:

* ``hypothetical`` and ``while-on-treatment``: the outcome from the event's first affected
  visit on is set to missing; ``treatment-policy`` keeps what was observed after the event.
* ``mmrm``: the plan's MMRM on the prepared data (missing values handled under MAR).
* ``condmean`` / ``approxbayes``: :func:`trialkit.imputation.impute_and_analyse`, with the
  estimator's assumption (MAR, JR, CR, CIR, LMCF) for values missing from a hypothetical or
  treatment-policy event on, and MAR for all other missing values (while-on-treatment events
  are imputed under MAR). All arms enter one imputation model (every arm's reference is the
  control) and one analysis; every comparison of the plan (``[arms] comparisons``, default
  each arm vs the control) is reported. A ``delta`` shifts imputed values of the arms other
  than the control; a ``tipping_point`` grid finds, for each comparison, the shift of its
  first arm's imputed values at which the conclusion changes.

An estimator that cannot be run is recorded with its reason; the others still run.

Validated against: the engines' own references (R mmrm/emmeans for the MMRM, rbmi for the
imputation methods); the data handling here is tested on hand-made cases
(tests/test_estimands.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from trialkit.core.errors import TrialkitError
from trialkit.core.parallel import Execution, SchedulerError, connect
from trialkit.core.results import STAT_COLUMNS, ReadOnlyResult
from trialkit.data.estimands import event_table, population_mask
from trialkit.data.trial import Trial, arm_label, arm_order
from trialkit.data.values import text_values
from trialkit.specs.comparisons import comparison_label, resolve_comparisons
from trialkit.specs.estimand import (
    ANALYSES,
    ASSUMPTIONS,
    EVENT_STRATEGIES,
    METHODS,
    EstimandSpec,
    EstimatorSpec,
)

ESTIMATE_COLUMNS = ["comparison", "visit", *STAT_COLUMNS]


@dataclass(frozen=True, repr=False)
class EstimatorResult(ReadOnlyResult):
    """One estimator of an estimand: differences at the estimand's visits, or the reason it
    could not be run.

    ``differences`` has one row per comparison x visit (``comparison`` is ``"a - b"``).
    ``tipping`` (tipping-point estimators) has ``comparison, delta, estimate, std_error, df,
    ci_lower, ci_upper, p_value, significant``; ``tipping_points`` the deltas where p crosses
    alpha for the first comparison, ``tipping_by_comparison`` those of every comparison.
    ``not_estimable`` lists ``(visit, reason)`` for the estimand's visits the estimator has no
    estimate at (the reason names outcome, covariates and visits by their labels).
    """

    spec: EstimatorSpec
    label: str
    differences: pd.DataFrame
    n_subjects: int = 0
    n_imputed: int = 0
    notes: tuple[str, ...] = ()
    error: str | None = None
    tipping: pd.DataFrame | None = None
    tipping_points: tuple[float, ...] = ()
    tipping_visit: str | None = None
    tipping_by_comparison: tuple[tuple[str, tuple[float, ...]], ...] = ()
    not_estimable: tuple[tuple[str, str], ...] = ()

    _headline = ("label", "n_subjects", "n_imputed", "error")

    def summary_frame(self) -> pd.DataFrame:
        return self.differences


@dataclass(frozen=True, repr=False)
class EstimandResult(ReadOnlyResult):
    """An estimand's attributes, its intercurrent events in the data and its estimates."""

    spec: EstimandSpec
    attributes: pd.DataFrame  # attribute, description
    events: pd.DataFrame  # subject, arm, event, strategy, visit, visits_affected
    estimators: tuple[EstimatorResult, ...] = field(default_factory=tuple)
    n_population: int = 0
    arms: tuple[str, ...] = ()  # the control first, as the models order them

    _headline = ("n_population",)

    @property
    def main(self) -> EstimatorResult:
        return self.estimators[0]

    def comparison(self) -> pd.DataFrame:
        """Main and sensitivity estimates side by side: ``estimator, role`` + estimates."""
        frames = []
        for i, r in enumerate(self.estimators):
            d = r.differences
            d.insert(0, "role", "main" if i == 0 else "sensitivity")
            d.insert(0, "estimator", r.spec.name)
            frames.append(d)
        return pd.concat(frames, ignore_index=True)

    def summary_frame(self) -> pd.DataFrame:
        return self.comparison()


def analyze_estimands(
    trial: Trial, execution: Execution | None = None, say: Callable[[str], None] | None = None
) -> tuple[EstimandResult, ...]:
    """Every estimand of the plan (none when the plan has no ``[[estimands]]``).

    ``execution`` says where the imputations run (a Dask scheduler address is connected to
    once, before the first estimand, so an unreachable one stops the run with one sentence);
    ``say`` receives the name of each estimator as it starts.
    """
    if not trial.plan.estimands:
        return ()
    run = execution or Execution()
    if isinstance(run.scheduler, str):
        client, _ = connect(run.scheduler, run.timeout)
        try:
            return analyze_estimands(trial, dataclasses.replace(run, scheduler=client), say)
        finally:
            client.close()
    return tuple(analyze_estimand(trial, e, run, say) for e in trial.plan.estimands)


def analyze_estimand(
    trial: Trial,
    spec: EstimandSpec,
    execution: Execution | None = None,
    say: Callable[[str], None] | None = None,
) -> EstimandResult:
    """Prepare the estimand's data once and run each of its estimators."""
    from trialkit.analysis.frames import covariates_for, outcome_frame

    plan = trial.plan
    outcome = plan.outcome(spec.outcome)
    subjects = trial.subjects
    in_pop = population_mask(subjects, spec)
    post_visits = tuple(plan.visits.post_baseline)
    events = event_table(subjects.loc[in_pop.to_numpy()], trial.arm_col, spec, post_visits)
    frame, base_name = outcome_frame(trial, outcome)
    keep_ids = set(subjects.index[in_pop.to_numpy()].astype(str))
    frame = frame[frame[trial.subject_col].astype(str).isin(keep_ids)].copy()
    frame = _apply_strategies(frame, trial, spec, events, post_visits)
    covs, vcovs = covariates_for(trial, base_name)
    attributes = _attributes(trial, spec, events)
    run = execution or Execution()
    # Tipping-point estimators run first: their delta = 0 result is the result of an
    # estimator with the same imputation settings and no delta, which then reuses it.
    shared: dict[tuple[object, ...], object] = {}
    order = sorted(range(len(spec.estimators)), key=lambda i: not spec.estimators[i].deltas)
    done: dict[int, EstimatorResult] = {}
    for i in order:
        est = spec.estimators[i]
        if say is not None:
            say(f"Estimand {spec.name}: {est.name} ({estimator_label(est)})")
        done[i] = _run(trial, spec, est, frame, events, covs, vcovs, base_name, run, shared)
    results = tuple(done[i] for i in range(len(spec.estimators)))
    return EstimandResult(
        spec, attributes, events, results, int(in_pop.sum()), arms=_arms_or_empty(trial)
    )


def _arms_or_empty(trial: Trial) -> tuple[str, ...]:
    try:
        return arm_order(trial)
    except TrialkitError:
        return ()


def _apply_strategies(
    frame: pd.DataFrame,
    trial: Trial,
    spec: EstimandSpec,
    events: pd.DataFrame,
    visits: tuple[str, ...],
) -> pd.DataFrame:
    """Set the outcome to missing from the event on for hypothetical / while-on-treatment."""
    drop = events[events["strategy"] != "treatment-policy"]
    if drop.empty:
        return frame
    order = {v: i for i, v in enumerate(visits)}
    first = drop.groupby("subject")["visit"].agg(lambda v: min(v, key=order.__getitem__))
    subj = frame[trial.subject_col].astype(str)
    vis_rank = text_values(frame[trial.visit_col].astype(str)).map(order)
    start = subj.map(first.map(order))
    after = (vis_rank >= start).fillna(False).to_numpy(dtype=bool)
    frame.loc[after, spec.outcome] = np.nan
    return frame


def _attributes(trial: Trial, spec: EstimandSpec, events: pd.DataFrame) -> pd.DataFrame:
    plan = trial.plan
    pop = (
        "all randomised"
        if not spec.population
        else "randomised with " + ", ".join(f"{c} = {v}" for c, v in spec.population)
    )
    visits = ", ".join(plan.visits.label(v) for v in spec.visits)
    treat = plan.arms.treatment_label or str(plan.arms.treatment)
    control = plan.arms.control_label or plan.arms.control
    arms = f"{treat} vs {control}"
    summary = f"{spec.summary} ({treat} - {control})"
    order = _arms_or_empty(trial)
    if len(order) > 2:
        pairs = resolve_comparisons(order, plan.arms.comparisons)
        named = [comparison_label(arm_label(trial, a), arm_label(trial, b)) for a, b in pairs]
        arms = ", ".join(arm_label(trial, a) for a in order) + " (one model with all arms)"
        summary = f"{spec.summary} ({'; '.join(named)})"
    if spec.events:
        ice = "; ".join(
            f"{e.name}: {EVENT_STRATEGIES.label(e.strategy)} strategy "
            f"({int((events['event'] == e.name).sum())} subjects)"
            for e in spec.events
        )
    else:
        ice = "none defined"
    return pd.DataFrame(
        {
            "attribute": [
                "Population",
                "Variable",
                "Treatment condition",
                "Intercurrent events",
                "Population-level summary",
            ],
            "description": [
                pop,
                f"{plan.outcome(spec.outcome).label} at {visits}",
                arms,
                ice,
                summary,
            ],
        }
    )


def estimator_label(est: EstimatorSpec) -> str:
    """The method, assumption and analysis in words, e.g. ``conditional mean imputation,
    jump to reference, jackknife SEs, ANCOVA per visit on each imputed data set``."""
    method = METHODS.canonical(est.method)
    if method == "mmrm":
        return "MMRM (MAR)"
    parts = [METHODS.label(est.method), ASSUMPTIONS.label(est.assumption)]
    if method == "condmean":
        parts.append(f"{est.resampling} SEs")
    else:
        parts.append(f"{est.n_samples} imputations, Rubin's rules")
    parts.append(f"{ANALYSES.label(est.analysis)} on each imputed data set")
    if est.delta:
        parts.append(f"delta {est.delta:g} on imputed treatment values")
    return ", ".join(parts)


def _run(
    trial: Trial,
    spec: EstimandSpec,
    est: EstimatorSpec,
    frame: pd.DataFrame,
    events: pd.DataFrame,
    covs: list[str],
    vcovs: list[str],
    base_name: str,
    run: Execution,
    shared: dict[tuple[object, ...], object],
) -> EstimatorResult:
    label = estimator_label(est)
    empty = pd.DataFrame(columns=ESTIMATE_COLUMNS)
    try:
        if est.method == "mmrm":
            return _run_mmrm(trial, spec, est, frame, covs, vcovs, base_name, label)
        return _run_imputation(trial, spec, est, frame, events, covs, vcovs, label, run, shared)
    except SchedulerError:
        raise
    except TrialkitError as exc:
        return EstimatorResult(est, label, empty, error=str(exc))


def _run_mmrm(trial, spec, est, frame, covs, vcovs, base_name, label) -> EstimatorResult:  # type: ignore[no-untyped-def]
    from trialkit.analysis.frames import reason_names
    from trialkit.models.mmrm import fit_mmrm

    plan = trial.plan
    outcome = plan.outcome(spec.outcome)
    names = reason_names(trial, outcome, [*covs, *vcovs], base_name)
    fit = fit_mmrm(
        frame,
        outcome=spec.outcome,
        arm=trial.arm_col,
        control=plan.arms.control,
        visit=trial.visit_col,
        subject=trial.subject_col,
        covariates=covs,
        visit_covariates=vcovs,
        spec=plan.analysis.mmrm,
        visits=list(plan.visits.post_baseline),
        comparisons=plan.arms.comparisons,
        labels={**names.columns, spec.outcome: outcome.label},
        visit_labels=names.visits,
    )
    missing = tuple((str(v), r) for v, r in fit.not_estimable.items() if str(v) in spec.visits)
    d = fit.differences
    d = d[d["visit"].astype(str).isin(spec.visits)][ESTIMATE_COLUMNS].reset_index(drop=True)
    notes = (f"{fit.n_observations} observations of {fit.n_subjects} subjects",)
    return EstimatorResult(
        est, label, d, n_subjects=fit.n_subjects, notes=notes, not_estimable=missing
    )


def _run_imputation(
    trial: Trial,
    spec: EstimandSpec,
    est: EstimatorSpec,
    frame: pd.DataFrame,
    events: pd.DataFrame,
    covs: list[str],
    vcovs: list[str],
    label: str,
    run: Execution,
    shared: dict[tuple[object, ...], object],
) -> EstimatorResult:
    """Impute and analyse (or run the tipping-point grid). ``shared`` maps the imputation
    settings to the undeltaed result already computed with them (imputation is
    deterministic given its settings and seed), so that it is not computed twice."""
    from trialkit.imputation import impute_and_analyse, tipping_point

    plan = trial.plan
    assumption = ASSUMPTIONS.canonical(est.assumption) or est.assumption
    ev = events.assign(
        strategy=np.where(events["strategy"] == "while-on-treatment", "MAR", assumption)
    )
    ev = ev.sort_values(["subject", "visit"]).drop_duplicates("subject")
    kwargs = dict(
        outcome=spec.outcome,
        arm=trial.arm_col,
        control=plan.arms.control,
        visit=trial.visit_col,
        subject=trial.subject_col,
        covariates=[c for c in covs if c not in vcovs],
        visit_covariates=vcovs,
        events=ev[["subject", "visit", "strategy"]] if not ev.empty else None,
        reference=None,  # every arm's reference is the control
        visits=list(plan.visits.post_baseline),
        comparisons=plan.arms.comparisons,
        visit_labels=(
            {v: plan.visits.label(v) for v in plan.visits.order} if plan.visits.labels else None
        ),
        spec=dataclasses.replace(
            est.imputation,
            alpha=plan.analysis.alpha,
            group_covariance=plan.analysis.mmrm.group_covariance,
        ),
        n_jobs=run.n_jobs,
        scheduler=run.scheduler,
        timeout=run.timeout,
        progress=run.progress,
    )
    key = (kwargs["spec"], assumption)
    by: list[tuple[str, tuple[float, ...]]] = []
    if est.deltas:
        tables = []
        res = None
        for comparison in _comparison_labels(trial):
            tp = tipping_point(
                frame,
                deltas=np.asarray(est.deltas),
                target_visit=spec.visits[-1],
                comparison=comparison,
                **kwargs,
            )
            res = res or tp.base
            tables.append(tp.table.assign(comparison=tp.comparison))
            by.append((tp.comparison, tuple(tp.tipping_points)))
            tvis = tp.visit
        shared.setdefault(key, res)
        tipping = pd.concat(tables, ignore_index=True)
        tipping = tipping[["comparison", *[c for c in tipping.columns if c != "comparison"]]]
        points = by[0][1]
    else:
        tipping, points, tvis = None, (), None
        if est.delta:
            from trialkit.imputation import delta_shift

            treated = [a for a in _arms_or_empty(trial) if a != plan.arms.control]
            delta = delta_shift(est.delta, arms=treated or [plan.arms.treatment])
            res = impute_and_analyse(frame, delta=delta, **kwargs)
        else:
            if key not in shared:
                shared[key] = impute_and_analyse(frame, **kwargs)
            res = shared[key]
    d = res.differences
    if "comparison" not in d.columns:  # two arms: the one comparison
        d = d.assign(comparison=res.comparisons[0])
    d = d[d["visit"].astype(str).isin(spec.visits)][ESTIMATE_COLUMNS].reset_index(drop=True)
    return EstimatorResult(
        est,
        label,
        d,
        n_subjects=res.n_subjects,
        n_imputed=res.n_imputed,
        notes=tuple(res.notes),
        tipping=tipping,
        tipping_points=tuple(points),
        tipping_visit=tvis,
        tipping_by_comparison=tuple(by),
    )


def _comparison_labels(trial: Trial) -> list[str]:
    """The plan's comparisons as labels ``"a - b"`` of the imputation results."""
    order = _arms_or_empty(trial)
    if len(order) < 2:
        return [comparison_label(str(trial.plan.arms.treatment), trial.plan.arms.control)]
    return [
        comparison_label(a, b) for a, b in resolve_comparisons(order, trial.plan.arms.comparisons)
    ]
