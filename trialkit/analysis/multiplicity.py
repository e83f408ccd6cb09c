"""Run the plan's ``[multiplicity]`` strategy over the confirmatory results.

Each ``[[multiplicity.hypotheses]]`` entry names an outcome x visit x comparison (and, for a
responder, a measure). Its unadjusted p-value is taken from the analysis the report shows
for it: the MMRM treatment difference of a continuous outcome, the g-computation contrast of
a responder (the responder's first measure unless the hypothesis names one). The procedure
(Holm, Hochberg, Hommel, Bonferroni, fixed sequence or a graph) then gives adjusted p-values
and decisions at the family's alpha. A hypothesis whose analysis could not be estimated is
kept in the family with p = 1 (it cannot be rejected, and the procedure stays valid: every
procedure here is monotone in each p-value) and the report says so.

Every result not in the family is exploratory.

Validated against: the engine's references (R ``p.adjust``, statsmodels ``multipletests``,
graphicalMCP 0.2.5) and, end to end on the sample trial, tests/reference/respplan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from trialkit.analysis.responders import ResponderAnalysis
from trialkit.core.results import ReadOnlyResult
from trialkit.data.trial import Trial
from trialkit.inference.multiplicity import MultiplicityResult, adjust_multiplicity, graphical_test
from trialkit.specs.multiplicity import HypothesisSpec, MultiplicitySpec

if TYPE_CHECKING:
    from trialkit.analysis.runner import OutcomeAnalysis

HYPOTHESIS_COLUMNS = [
    "hypothesis",
    "outcome",
    "label",
    "visit",
    "comparison",
    "measure",
    "estimate",
    "ci_lower",
    "ci_upper",
    "p_value",
    "note",
]


@dataclass(frozen=True, repr=False)
class MultiplicityAnalysis(ReadOnlyResult):
    """The confirmatory family, where each p-value came from, and the procedure's result.

    Attributes
    ----------
    hypotheses
        ``hypothesis, outcome, label, visit, comparison, measure, estimate, ci_lower,
        ci_upper, p_value, note`` in testing order (``note`` says why a p-value is missing).
    result
        Raw and adjusted p-values and decisions (:class:`MultiplicityResult`).
    """

    spec: MultiplicitySpec
    alpha: float
    hypotheses: pd.DataFrame
    result: MultiplicityResult

    _headline = ("alpha",)

    def summary_frame(self) -> pd.DataFrame:
        return self.table()

    def table(self) -> pd.DataFrame:
        """Hypotheses with raw and adjusted p-values and the decision (``rejected``)."""
        res = self.result.table[["hypothesis", "adjusted_p", "rejected"]]
        return self.hypotheses.merge(res, on="hypothesis", how="left")

    def hypothesis_for(
        self, outcome: str, visit: str, comparison: str | None = None, measure: str | None = None
    ) -> str | None:
        """The hypothesis name of a result, or None when the result is exploratory.

        ``measure`` None matches a continuous outcome's MMRM difference; ``comparison`` None
        matches any comparison (two arms)."""
        h = self.hypotheses
        hit = (h["outcome"] == outcome) & (h["visit"] == str(visit))
        hit &= h["measure"].isna() if measure is None else h["measure"] == measure
        if comparison is not None:
            hit &= h["comparison"] == comparison
        names = h.loc[hit, "hypothesis"]
        return str(names.iloc[0]) if len(names) else None


def _continuous_row(
    outcomes: Sequence[OutcomeAnalysis], h: HypothesisSpec, arm: str, where: str
) -> dict[str, object]:
    oa = next(o for o in outcomes if o.outcome.name == h.outcome)
    if oa.mmrm is None:
        return {"note": f"MMRM not fitted: {oa.mmrm_error}"}
    d = oa.mmrm.differences
    hit = d["visit"].astype(str) == h.visit
    if "comparison" in d.columns:
        hit &= d["comparison"].astype(str).str.startswith(f"{arm} - ")
    if not hit.any() or not np.isfinite(d.loc[hit, "p_value"].iloc[0]):
        return {"note": f"no MMRM estimate at {where}"}
    r = d[hit].iloc[0]
    return {k: r[k] for k in ("estimate", "ci_lower", "ci_upper", "p_value")}


def _responder_row(
    ra: ResponderAnalysis, h: HypothesisSpec, arm: str, where: str
) -> dict[str, object]:
    measure = h.measure or ra.spec.measures[0]
    if ra.result is None:
        return {"measure": measure, "note": f"not analysed: {ra.error}"}
    e = ra.result.effects
    hit = (e["visit"] == h.visit) & (e["measure"] == measure)
    hit &= e["comparison"] == f"{arm} - {ra.result.control}"
    if not hit.any():
        reason = ra.result.not_estimable
        why = reason.loc[reason["visit"] == h.visit, "reason"]
        text = f": {why.iloc[0]}" if len(why) else ""
        return {"measure": measure, "note": f"no adjusted estimate at {where}{text}"}
    r = e[hit].iloc[0]
    out = {k: r[k] for k in ("estimate", "ci_lower", "ci_upper", "p_value")}
    return {"measure": measure, **out}


def analyze_multiplicity(
    trial: Trial,
    outcomes: Sequence[OutcomeAnalysis],
    responders: Sequence[ResponderAnalysis],
) -> MultiplicityAnalysis | None:
    """The plan's multiplicity procedure over its confirmatory hypotheses (None without a
    ``[multiplicity]`` table)."""
    plan = trial.plan
    spec = plan.multiplicity
    if spec is None:
        return None
    alpha = spec.alpha if spec.alpha is not None else plan.analysis.alpha
    by_name = {r.name: r for r in responders}
    labels = {o.name: o.label for o in plan.outcomes} | {r.name: r.label for r in responders}
    rows = []
    for h in spec.hypotheses:
        arm = h.comparison or str(plan.arms.treatment)
        ra = by_name.get(h.outcome)
        visits = plan.visits
        # the visit by its label when the plan has labels (as the report names visits)
        where = (
            visits.label(h.visit)
            if visits.labels and h.visit in visits.order
            else f"visit {h.visit}"
        )
        found = (
            _responder_row(ra, h, arm, where) if ra else _continuous_row(outcomes, h, arm, where)
        )
        rows.append(
            {
                "hypothesis": h.name,
                "outcome": h.outcome,
                "label": labels[h.outcome],
                "visit": h.visit,
                "comparison": f"{arm} - {plan.arms.control}",
                "measure": None,
                "estimate": np.nan,
                "ci_lower": np.nan,
                "ci_upper": np.nan,
                "p_value": np.nan,
                "note": None,
                **found,
            }
        )
    frame = pd.DataFrame(rows, columns=HYPOTHESIS_COLUMNS)
    p = frame["p_value"].fillna(1.0).to_numpy(dtype=float)
    names = list(frame["hypothesis"])
    if spec.procedure == "graphical":
        result = graphical_test(p, (spec.weights, spec.transitions), alpha=alpha, hypotheses=names)
    else:
        result = adjust_multiplicity(p, spec.procedure, alpha=alpha, hypotheses=names)
    return MultiplicityAnalysis(spec, alpha, frame, result)
