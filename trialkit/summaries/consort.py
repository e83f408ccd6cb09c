"""The CONSORT participant flow (CONSORT 2025 items 22a-b), derived from the data and the plan.

Stages and definitions:

Enrolment
    Assessed for eligibility and excluded with reasons, from the plan or a screening log
    (:mod:`trialkit.summaries.enrolment`). Randomised = the subjects in the data.
Allocation (per arm)
    Allocated = subjects randomised to the arm. Received / did not receive the allocated
    intervention from ``plan.disposition.received`` (a missing flag counts as not received),
    reasons from ``not_received_reason``.
Follow-up (per arm and post-baseline visit)
    Assessed = the assessment outcome observed at that visit (the primary outcome by
    default; ``assessed_by`` chooses another outcome or ``"any"``). Not assessed =
    allocated - assessed, with reasons: a withdrawn subject's withdrawal reason, otherwise
    "Missed assessment (not withdrawn)". Discontinued the intervention and withdrew from
    the study, with reasons, from ``plan.disposition``.
Analysis (per arm and model)
    Analysed = the subjects each fitted model actually used, and excluded with reasons,
    both from the model's :class:`~trialkit.models.accounting.SampleAccounting`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from trialkit.data.trial import Trial, arm_label, arm_order
from trialkit.models.accounting import SampleAccounting
from trialkit.summaries.assessment import (
    NO_REASON,
    AssessmentGrid,
    assessment_grid,
    count_reasons,
    flag_series,
    not_assessed_reasons,
    reason_series,
    subject_arms,
)
from trialkit.summaries.enrolment import EnrolmentFlow, enrolment_flow

Reasons = tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class VisitFollowUp:
    """Follow-up at one visit in one arm."""

    visit: str
    label: str
    assessed: int
    not_assessed: int
    reasons: Reasons


@dataclass(frozen=True)
class ModelAnalysis:
    """Analysis box for one model in one arm."""

    model: str
    analysed: int
    excluded: int
    reasons: Reasons


@dataclass(frozen=True)
class ArmFlow:
    """One allocation column of the diagram. ``None`` = the plan names no such column."""

    arm: str
    label: str
    allocated: int
    received: int | None
    not_received: int | None
    not_received_reasons: Reasons
    followup: tuple[VisitFollowUp, ...]
    discontinued: int | None
    discontinued_reasons: Reasons
    withdrew: int | None
    withdrew_reasons: Reasons
    analysis: tuple[ModelAnalysis, ...]

    def visit(self, visit: str) -> VisitFollowUp:
        for f in self.followup:
            if f.visit == visit:
                return f
        raise KeyError(visit)

    def model(self, name: str) -> ModelAnalysis:
        for m in self.analysis:
            if m.model == name:
                return m
        raise KeyError(name)


@dataclass(frozen=True)
class ConsortFlow:
    """The whole flow: enrolment, then one :class:`ArmFlow` per arm, the control first
    (``(control, treatment)`` in a two-arm trial)."""

    title: str
    enrolment: EnrolmentFlow
    arms: tuple[ArmFlow, ...]
    assessed_by: str

    @property
    def randomised(self) -> int:
        return self.enrolment.randomised

    def arm(self, which: Literal["control", "treatment"] | str) -> ArmFlow:
        """An arm's flow by role (``"control"``; ``"treatment"``: the first other arm) or
        arm value."""
        if which == "control":
            return self.arms[0]
        if which == "treatment":
            return self.arms[1]
        for a in self.arms:
            if a.arm == which:
                return a
        raise KeyError(which)

    def to_frame(self) -> pd.DataFrame:
        """Tidy view: ``stage, arm, visit, model, item, reason, n`` (one row per count)."""
        rows: list[tuple[object, ...]] = []
        e = self.enrolment
        rows.append(("enrolment", None, None, None, "assessed", None, e.assessed))
        rows.append(("enrolment", None, None, None, "excluded", None, e.excluded))
        rows += [("enrolment", None, None, None, "excluded", r, n) for r, n in e.excluded_reasons]
        rows.append(("enrolment", None, None, None, "randomised", None, e.randomised))
        for a in self.arms:
            rows.append(("allocation", a.arm, None, None, "allocated", None, a.allocated))
            rows.append(("allocation", a.arm, None, None, "received", None, a.received))
            rows.append(("allocation", a.arm, None, None, "not_received", None, a.not_received))
            rows += [
                ("allocation", a.arm, None, None, "not_received", r, n)
                for r, n in a.not_received_reasons
            ]
            for f in a.followup:
                rows.append(("follow_up", a.arm, f.visit, None, "assessed", None, f.assessed))
                rows.append(
                    ("follow_up", a.arm, f.visit, None, "not_assessed", None, f.not_assessed)
                )
                rows += [
                    ("follow_up", a.arm, f.visit, None, "not_assessed", r, n) for r, n in f.reasons
                ]
            for item, total, reasons in (
                ("discontinued", a.discontinued, a.discontinued_reasons),
                ("withdrew", a.withdrew, a.withdrew_reasons),
            ):
                rows.append(("follow_up", a.arm, None, None, item, None, total))
                rows += [("follow_up", a.arm, None, None, item, r, n) for r, n in reasons]
            for m in a.analysis:
                rows.append(("analysis", a.arm, None, m.model, "analysed", None, m.analysed))
                rows.append(("analysis", a.arm, None, m.model, "excluded", None, m.excluded))
                rows += [("analysis", a.arm, None, m.model, "excluded", r, n) for r, n in m.reasons]
        frame = pd.DataFrame(
            rows, columns=["stage", "arm", "visit", "model", "item", "reason", "n"]
        )
        frame["n"] = frame["n"].astype("Int64")
        return frame


def _reasons(counts: pd.DataFrame, arm: str) -> Reasons:
    sub = counts[counts["arm"] == arm]
    return tuple((str(r), int(n)) for r, n in zip(sub["reason"], sub["n"], strict=True))


def _flagged(
    trial: Trial, flag_col: str | None, reason_col: str | None, arms: tuple[str, ...], want: bool
) -> tuple[pd.Series | None, pd.DataFrame]:
    """Per-arm counts of subjects whose flag equals ``want``, and their reasons."""
    flag = flag_series(trial, flag_col)
    arm = trial.subjects[trial.arm_col].astype("string").astype(object)
    if flag is None:
        return None, count_reasons(arm, pd.Series(dtype=object), arms)
    hit = flag == want
    totals = arm[hit].value_counts().reindex(list(arms)).fillna(0).astype(int)
    reasons = reason_series(trial, reason_col, arm.index[hit.to_numpy()])
    return totals, count_reasons(arm, reasons, arms)


def _flag_applies(
    trial: Trial, flag_col: str | None, reason_col: str | None, arms: tuple[str, ...]
) -> pd.Series:
    """Per arm, whether a received flag applies: someone is flagged or a reason is given.

    A flag that is 0 for every subject of an arm, with no reason given, describes the other
    arm's intervention (e.g. ``received_intervention`` always 0 under standard care); the
    flow then shows receipt in that arm as not recorded rather than as nobody receiving.
    """
    arm = subject_arms(trial)
    flag = flag_series(trial, flag_col)
    if flag is None:
        return pd.Series(False, index=list(arms))
    any_reason = pd.Series(False, index=arm.index)
    if reason_col is not None:
        any_reason = reason_series(trial, reason_col, arm.index).ne(NO_REASON)
    return (flag | any_reason).groupby(arm).any().reindex(list(arms), fill_value=False)


def sample_of(model: SampleAccounting | object) -> SampleAccounting:
    """The SampleAccounting of a fitted model (or the accounting itself)."""
    if isinstance(model, SampleAccounting):
        return model
    sample = getattr(model, "sample", None)
    if not isinstance(sample, SampleAccounting):
        raise TypeError(f"{type(model).__name__} carries no SampleAccounting in `.sample`.")
    return sample


def _arm_key(counts: Mapping[str, int], arm: str, role: str) -> int:
    if arm in counts:
        return int(counts[arm])
    return int(counts.get(role, 0))


def _model_analysis(
    name: str, sample: SampleAccounting, arms: tuple[str, ...]
) -> tuple[ModelAnalysis, ...]:
    """One analysis box per arm (in ``arms`` order) from a model's sample accounting."""
    exc = sample.excluded
    roles = {"control": arms[0], "treatment": arms[1]}
    if exc.empty:
        exc_arm = pd.Series(dtype=object)
        reasons = pd.Series(dtype=object)
    else:
        exc = exc.reset_index(drop=True)
        exc_arm = exc["arm"].astype("string").astype(object).replace(roles)
        reasons = exc["reason"].astype("string").fillna(NO_REASON).astype(object)
    counts = count_reasons(exc_arm, reasons, arms)
    out = []
    for i, arm in enumerate(arms):
        role = ("control", "treatment")[i] if i < 2 else arm
        r = _reasons(counts, arm)
        out.append(
            ModelAnalysis(name, _arm_key(sample.n_subjects, arm, role), sum(n for _, n in r), r)
        )
    return tuple(out)


def summarize_consort(
    trial: Trial,
    models: Mapping[str, SampleAccounting | object] | None = None,
    *,
    assessed_by: str | None = None,
) -> ConsortFlow:
    """Derive the CONSORT flow.

    Parameters
    ----------
    trial
        The trial.
    models
        Fitted models (or their ``SampleAccounting``) by display name, e.g.
        ``{"MMRM, DERS": fit}``; each gives an analysis box per arm.
    assessed_by
        Outcome that defines "assessed": ``None`` = the primary outcome, an outcome name, or
        ``"any"`` (see :mod:`trialkit.summaries.assessment`).

    Returns
    -------
    ConsortFlow

    Notes
    -----
    Validated against hand counts (tests/test_summaries_handmade.py) and the sample
    generator's known counts (tests/test_summaries_sample.py).
    """
    arms = arm_order(trial)
    grid: AssessmentGrid = assessment_grid(trial, assessed_by)
    arm = grid.arm
    allocated = arm.value_counts().reindex(list(arms)).fillna(0).astype(int)
    disp = trial.plan.disposition
    received, _ = _flagged(trial, disp.received, None, arms, True)
    not_received, nr_reasons = _flagged(trial, disp.received, disp.not_received_reason, arms, False)
    discontinued, dc_reasons = _flagged(
        trial, disp.discontinued, disp.discontinued_reason, arms, True
    )
    withdrew, wd_reasons = _flagged(trial, disp.withdrew, disp.withdrew_reason, arms, True)
    rec_applies = _flag_applies(trial, disp.received, disp.not_received_reason, arms)
    visits = trial.plan.visits
    assessed = grid.observed.groupby(arm.to_numpy()).sum().reindex(list(arms)).fillna(0)
    visit_reasons = {
        v: count_reasons(arm, not_assessed_reasons(trial, grid, v), arms)
        for v in visits.post_baseline
    }
    fitted = [_model_analysis(name, sample_of(m), arms) for name, m in (models or {}).items()]

    def arm_flow(i: int, a: str) -> ArmFlow:
        followup = tuple(
            VisitFollowUp(
                visit=v,
                label=visits.label(v),
                assessed=int(assessed.at[a, v]),
                not_assessed=int(allocated[a] - assessed.at[a, v]),
                reasons=_reasons(visit_reasons[v], a),
            )
            for v in visits.post_baseline
        )

        def opt(s: pd.Series | None) -> int | None:
            return None if s is None else int(s[a])

        rec_known = received is not None and bool(rec_applies[a])
        return ArmFlow(
            arm=a,
            label=arm_label(trial, a),
            allocated=int(allocated[a]),
            received=opt(received) if rec_known else None,
            not_received=opt(not_received) if rec_known else None,
            not_received_reasons=_reasons(nr_reasons, a) if rec_known else (),
            followup=followup,
            discontinued=opt(discontinued),
            discontinued_reasons=_reasons(dc_reasons, a),
            withdrew=opt(withdrew),
            withdrew_reasons=_reasons(wd_reasons, a),
            analysis=tuple(f[i] for f in fitted),
        )

    enrol = enrolment_flow(trial.plan, int(allocated.sum()))
    return ConsortFlow(
        title=trial.plan.title,
        enrolment=enrol,
        arms=tuple(arm_flow(i, a) for i, a in enumerate(arms)),
        assessed_by=grid.assessed_by,
    )
