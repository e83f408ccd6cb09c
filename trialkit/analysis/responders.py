"""Run the plan's ``[[responders]]``: each responder outcome analysed at its visits.

A responder is a binary column of the data (long layout: one column; wide layout: one column
per visit) or is derived from a continuous outcome by a threshold on its value, its change
from baseline, or its improvement (the change in the outcome's better direction). Each is
analysed by :func:`trialkit.models.responder.fit_responder`: numbers responding per arm, the
unadjusted risk difference with its Newcombe CI, and the covariate-adjusted risk difference,
risk ratio and odds ratio by g-computation (Ge or Ye variance). A responder that cannot be
analysed is recorded with its reason; the rest of the report still runs.

Validated against: the engine's references (R beeca 0.2.0, Newcombe 1998) and, end to end on
the sample trial, tests/reference/respplan (beeca and graphicalMCP on the same data).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from trialkit.analysis.frames import outcome_frame
from trialkit.core.errors import TrialkitError
from trialkit.data.trial import Trial, arm_order
from trialkit.models.responder import ResponderResult, fit_responder
from trialkit.plan.schema import Outcome
from trialkit.specs.responder import ResponderOutcomeSpec

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ResponderAnalysis:
    """One responder outcome: its definition and result, or the reason it was not analysed."""

    spec: ResponderOutcomeSpec
    label: str
    definition: str
    result: ResponderResult | None
    error: str | None = None

    @property
    def name(self) -> str:
        return self.spec.name

    def effects(self) -> pd.DataFrame:
        """The adjusted contrasts of the measures the plan asks for, in the plan's order."""
        if self.result is None:
            return pd.DataFrame()
        eff = self.result.effects
        eff = eff[eff["measure"].isin(self.spec.measures)]
        order = {m: i for i, m in enumerate(self.spec.measures)}
        visits = {v: i for i, v in enumerate(self.spec.visits)}
        key = eff["visit"].map(visits) * 10 + eff["measure"].map(order)
        return eff.assign(_k=key.to_numpy()).sort_values("_k", kind="stable").drop(columns="_k")


def _frame(trial: Trial, spec: ResponderOutcomeSpec) -> tuple[pd.DataFrame, str, str | None]:
    """Post-baseline data, the column holding the outcome or responder status, and the
    baseline column (derived responders)."""
    plan = trial.plan
    if spec.derived:
        outcome = plan.outcome(str(spec.outcome))
        frame, base_name = outcome_frame(trial, outcome)
        return frame, trial.outcome_column(outcome), base_name
    data = trial.data
    vcol = trial.visit_col
    post = data[data[vcol].astype(str).isin(plan.visits.post_baseline)].copy()
    if spec.column:
        return post, spec.column, None
    column = f"{spec.name} (responder)"
    visit = post[vcol].astype(str).to_numpy()
    values = pd.Series(np.full(len(post), None, dtype=object), index=post.index)
    for v, col in zip(plan.visits.order, spec.columns, strict=True):
        at = visit == v
        values[at] = post.loc[at, col].to_numpy(dtype=object)
    post[column] = values
    return post, column, None


def _column_labels(
    trial: Trial,
    covariates: list[str],
    column: str,
    label: str,
    outcome: Outcome | None,
    base: str | None,
) -> dict[str, str]:
    """Display names for the engine's exclusion reasons: the outcome's label (a binary
    responder column: the responder's label), its baseline and the covariates' labels."""
    names = {c: trial.label(c) for c in covariates}
    names[column] = outcome.label if outcome else label
    if outcome is not None and base:
        names[base] = outcome.label
    return names


def _in_arm_order(trial: Trial, arm: pd.Series) -> pd.Series:
    """The arm column as a Categorical in the trial's arm order (control first, then the
    plan's ``[arms] order`` or ascending dose), so the responder tables list the arms as
    every other table of the report does."""
    text = arm.astype(object).where(arm.isna(), arm.astype(str))
    return pd.Series(
        pd.Categorical(text, categories=list(arm_order(trial))), index=arm.index, name=arm.name
    )


def analyze_responder(trial: Trial, spec: ResponderOutcomeSpec) -> ResponderAnalysis:
    """Fit one responder outcome at its visits."""
    plan = trial.plan
    outcome = plan.outcome(str(spec.outcome)) if spec.derived else None
    label = spec.label or spec.name
    definition = spec.definition(
        outcome.label if outcome else None, outcome.lower_is_better if outcome else True
    )
    try:
        frame, column, base = _frame(trial, spec)
        frame[trial.arm_col] = _in_arm_order(trial, frame[trial.arm_col])
        covariates = [base if c == "baseline" and base else c for c in spec.covariates or ()]
        est = spec.estimation
        result = fit_responder(
            frame,
            outcome=column,
            arm=trial.arm_col,
            control=plan.arms.control,
            visit=trial.visit_col,
            subject=trial.subject_col,
            covariates=covariates,
            responder=spec.rule(outcome.lower_is_better) if outcome else None,
            baseline=base,
            visits=list(spec.visits),
            variance=est.variance,
            ge_type=est.ge_type,
            ye_mod=est.ye_mod,
            strata=list(est.strata),
            alpha=plan.analysis.alpha,
            labels=_column_labels(trial, covariates, column, label, outcome, base),
            visit_labels={v: plan.visits.label(v) for v in plan.visits.order},
        )
    except TrialkitError as exc:
        return ResponderAnalysis(spec, label, definition, None, str(exc))
    return ResponderAnalysis(spec, label, definition, result)


def analyze_responders(
    trial: Trial, progress: Progress | None = None
) -> tuple[ResponderAnalysis, ...]:
    """Every ``[[responders]]`` outcome of the plan (none when the plan has none)."""
    say = progress or (lambda _msg: None)
    out = []
    for spec in trial.plan.responders:
        say(f"Responders: {spec.label or spec.name}")
        out.append(analyze_responder(trial, spec))
    return tuple(out)
