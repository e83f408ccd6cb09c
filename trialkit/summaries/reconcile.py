"""Cross-checks between the CONSORT flow, the baseline table, adherence and the models.

A report whose numbers disagree with each other loses a reader's trust; these checks find
the disagreement before a reader does. Each failed check is one frozen ``Discrepancy``:

``enrolment``
    assessed for eligibility - excluded != randomised.
``model_accounting``
    a model's analysed + excluded subjects != allocated, in an arm.
``baseline_n``
    the baseline table's N != allocated, in an arm (or overall != randomised).
``adherence_n``
    the adherence summary's randomised N != allocated, in an arm.
``adherence_started``
    subjects who attended >= 1 session != subjects who received the intervention.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from trialkit.summaries.adherence import AdherenceSummary
from trialkit.summaries.baseline import OVERALL, BaselineSummary
from trialkit.summaries.consort import ConsortFlow


@dataclass(frozen=True)
class Discrepancy:
    """One disagreement: ``expected`` (from the flow) vs ``observed`` (elsewhere)."""

    check: str
    arm: str | None
    model: str | None
    expected: int
    observed: int
    message: str


def _enrolment(flow: ConsortFlow) -> list[Discrepancy]:
    e = flow.enrolment
    if e.assessed is None or e.excluded is None or e.assessed - e.excluded == e.randomised:
        return []
    return [
        Discrepancy(
            "enrolment",
            None,
            None,
            e.randomised,
            e.assessed - e.excluded,
            f"Assessed for eligibility ({e.assessed}) minus excluded ({e.excluded}) is "
            f"{e.assessed - e.excluded}, but the data hold {e.randomised} randomised subjects.",
        )
    ]


def _models(flow: ConsortFlow) -> list[Discrepancy]:
    out = []
    for a in flow.arms:
        for m in a.analysis:
            total = m.analysed + m.excluded
            if total != a.allocated:
                out.append(
                    Discrepancy(
                        "model_accounting",
                        a.arm,
                        m.model,
                        a.allocated,
                        total,
                        f"Model '{m.model}' analysed {m.analysed} and excluded {m.excluded} "
                        f"subjects in arm '{a.label}', which adds to {total}, not the "
                        f"{a.allocated} allocated.",
                    )
                )
    return out


def _baseline(flow: ConsortFlow, baseline: BaselineSummary) -> list[Discrepancy]:
    out = []
    n = baseline.n
    pairs = [(a.arm, a.label, a.allocated) for a in flow.arms]
    pairs.append((OVERALL, "overall", flow.randomised))
    for key, label, expected in pairs:
        got = int(n.get(key, 0))
        if got != expected:
            out.append(
                Discrepancy(
                    "baseline_n",
                    None if key == OVERALL else key,
                    None,
                    expected,
                    got,
                    f"The baseline table counts {got} subjects ({label}), but the flow has "
                    f"{expected}.",
                )
            )
    return out


def _adherence(flow: ConsortFlow, adherence: AdherenceSummary) -> list[Discrepancy]:
    out = []
    for arm_adh in adherence.arms:
        a = flow.arm(arm_adh.arm)
        if arm_adh.n_randomised != a.allocated:
            out.append(
                Discrepancy(
                    "adherence_n",
                    a.arm,
                    None,
                    a.allocated,
                    arm_adh.n_randomised,
                    f"The adherence summary counts {arm_adh.n_randomised} randomised subjects "
                    f"in arm '{a.label}', but the flow allocated {a.allocated}.",
                )
            )
        if a.received is not None and arm_adh.n_started != a.received:
            out.append(
                Discrepancy(
                    "adherence_started",
                    a.arm,
                    None,
                    a.received,
                    arm_adh.n_started,
                    f"In arm '{a.label}', {arm_adh.n_started} subjects attended at least one "
                    f"session but {a.received} are recorded as receiving the intervention.",
                )
            )
    return out


def reconcile(
    flow: ConsortFlow,
    baseline: BaselineSummary | None = None,
    adherence: AdherenceSummary | None = None,
) -> tuple[Discrepancy, ...]:
    """Every disagreement between the flow and the other summaries (empty when none).

    The model checks use the analysis boxes in ``flow`` (built from each fitted model's
    ``SampleAccounting``).
    """
    found = _enrolment(flow) + _models(flow)
    if baseline is not None:
        found += _baseline(flow, baseline)
    if adherence is not None:
        found += _adherence(flow, adherence)
    return tuple(found)


def discrepancies_frame(found: tuple[Discrepancy, ...]) -> pd.DataFrame:
    """Tidy view: ``check, arm, model, expected, observed, message``."""
    cols = list(Discrepancy.__dataclass_fields__)
    return pd.DataFrame([d.__dict__ for d in found], columns=cols)
