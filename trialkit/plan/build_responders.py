"""Build the plan's ``[[responders]]`` and ``[multiplicity]`` from checked TOML values.

Part of the second pass of :func:`trialkit.plan.load_plan`: the specs check their own keys
(:meth:`ResponderOutcomeSpec.check`, :meth:`MultiplicitySpec.check`); this module checks how
they fit the rest of the plan (outcome names, visits, the layout, names shared with
outcomes, hypotheses naming an outcome or responder and a measure it has).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from trialkit.core.problems import Problem, did_you_mean
from trialkit.plan.schema import Outcome, Visits
from trialkit.specs.multiplicity import MULTIPLICITY_METHODS, HypothesisSpec, MultiplicitySpec
from trialkit.specs.responder import (
    GE_COVARIANCES,
    RESPONDER_BASES,
    RESPONDER_MEASURES,
    RESPONDER_OPERATORS,
    RESPONDER_VARIANCES,
    ResponderOutcomeSpec,
    ResponderSpec,
)


def _err(problems: list[Problem], file: str, key: str, message: str, hint: str | None = None):  # type: ignore[no-untyped-def]
    problems.append(Problem("error", message, file=file, key=key, hint=hint))


def build_responders(
    items: Sequence[dict[str, Any]],
    outcomes: tuple[Outcome, ...],
    visits: Visits,
    layout: str,
    file: str,
    problems: list[Problem],
) -> tuple[ResponderOutcomeSpec, ...]:
    """One :class:`ResponderOutcomeSpec` per ``[[responders]]`` table, with its problems."""
    from trialkit.plan.build import _IDENT, BASELINE_TOKEN  # (build imports this module)

    out = []
    outcome_names = [o.name for o in outcomes]
    for i, r in enumerate(items):
        key = f"responders[{i + 1}]"
        name = r["name"]
        if name and not _IDENT.match(name):
            _err(
                problems,
                file,
                f"{key}.name",
                f"Responder name '{name}' must be letters, digits and '_' only.",
            )
        if name in outcome_names:
            _err(
                problems,
                file,
                f"{key}.name",
                f"Responder name '{name}' is also an outcome "
                "name; hypotheses refer to either by name, so give it another.",
            )
        est = ResponderSpec(
            variance=r["variance"],
            ge_type=r["ge_type"],
            ye_mod=r["ye_mod"],
            strata=tuple(r["strata"] or ()),
        )
        spec = ResponderOutcomeSpec(
            name=name,
            label=r["label"],
            outcome=r["outcome"],
            column=r["column"],
            columns=tuple(r["columns"] or ()),
            on=RESPONDER_BASES.canonical(r["on"]) or r["on"],
            operator=RESPONDER_OPERATORS.canonical(r["operator"]) or r["operator"],
            threshold=float(r["threshold"]) if r["threshold"] is not None else None,
            visits=tuple(r["visits"] or ()) or visits.post_baseline,
            measures=tuple(RESPONDER_MEASURES.canonical(m) or m for m in r["measures"]),
            covariates=tuple(r["covariates"]) if r["covariates"] is not None else None,
            estimation=est,
        )
        problems.extend(spec.check(prefix=f"{key}.", file=file))
        _fit_plan(spec, key, outcome_names, visits, layout, file, problems)
        if spec.covariates is None:
            spec = dataclasses.replace(spec, covariates=(BASELINE_TOKEN,) if spec.derived else ())
        est = dataclasses.replace(
            est,
            variance=RESPONDER_VARIANCES.canonical(est.variance) or est.variance,
            ge_type=GE_COVARIANCES.canonical(est.ge_type) or est.ge_type,
        )
        out.append(dataclasses.replace(spec, estimation=est))
    names = [s.name for s in out]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        _err(problems, file, "responders", f"Responder name '{dup}' is used more than once.")
    return tuple(out)


def _fit_plan(
    spec: ResponderOutcomeSpec,
    key: str,
    outcome_names: list[str],
    visits: Visits,
    layout: str,
    file: str,
    problems: list[Problem],
) -> None:
    if spec.outcome is not None and spec.outcome not in outcome_names:
        _err(
            problems,
            file,
            f"{key}.outcome",
            f"Key '{key}.outcome' is '{spec.outcome}', which is not an outcome name.",
            did_you_mean(spec.outcome, outcome_names),
        )
    for v in spec.visits:
        if v not in visits.post_baseline:
            _err(
                problems,
                file,
                f"{key}.visits",
                f"Key '{key}.visits' has '{v}', which is not a post-baseline visit.",
                did_you_mean(v, visits.post_baseline),
            )
    if spec.column and layout != "long":
        _err(
            problems,
            file,
            f"{key}.column",
            f"Key '{key}.column' is for the long layout; [trial] layout is 'wide'.",
            "use 'columns' (one column per visit)",
        )
    if spec.columns and layout != "wide":
        _err(
            problems,
            file,
            f"{key}.columns",
            f"Key '{key}.columns' is for the wide layout; [trial] layout is 'long'.",
            "use 'column' (one column holding every visit)",
        )
    elif spec.columns and len(spec.columns) != len(visits.order):
        _err(
            problems,
            file,
            f"{key}.columns",
            f"Key '{key}.columns' has "
            f"{len(spec.columns)} columns but 'visits.order' has {len(visits.order)} visits.",
        )
    if not spec.derived and spec.covariates and "baseline" in spec.covariates:
        _err(
            problems,
            file,
            f"{key}.covariates",
            f"Key '{key}.covariates' has 'baseline', "
            f"but responder '{spec.name}' is a binary column with no baseline outcome.",
            "name the baseline column instead",
        )
    not_adjusted = [s for s in spec.estimation.strata if s not in (spec.covariates or ())]
    if not_adjusted:
        _err(
            problems,
            file,
            f"{key}.strata",
            f"Key '{key}.strata' has "
            f"{', '.join(repr(s) for s in not_adjusted)}, not in '{key}.covariates'; "
            "the Ye variance adjusts for strata that the logistic model includes.",
        )


def build_multiplicity(
    m: dict[str, Any] | None,
    outcomes: tuple[Outcome, ...],
    responders: tuple[ResponderOutcomeSpec, ...],
    visits: Visits,
    file: str,
    problems: list[Problem],
) -> MultiplicitySpec | None:
    """The ``[multiplicity]`` table as a :class:`MultiplicitySpec` (None when absent)."""
    if m is None:
        return None
    hyps = tuple(
        HypothesisSpec(
            name=h["name"] or f"H{i + 1}",
            outcome=h["outcome"],
            visit=h["visit"],
            comparison=h["comparison"],
            measure=RESPONDER_MEASURES.canonical(h["measure"]) if h["measure"] else None,
        )
        for i, h in enumerate(m["hypotheses"])
    )
    spec = MultiplicitySpec(
        procedure=MULTIPLICITY_METHODS.canonical(m["procedure"]) or m["procedure"],
        alpha=float(m["alpha"]) if m["alpha"] is not None else None,
        weights=tuple(float(w) for w in m["weights"] or ()),
        transitions=tuple(tuple(float(x) for x in row) for row in m["transitions"] or ()),
        hypotheses=hyps,
    )
    problems.extend(spec.check(prefix="multiplicity.", file=file))
    outcome_names = [o.name for o in outcomes]
    by_name = {r.name: r for r in responders}
    known = outcome_names + list(by_name)
    for i, h in enumerate(hyps):
        key = f"multiplicity.hypotheses[{i + 1}]"
        if h.outcome not in known:
            _err(
                problems,
                file,
                f"{key}.outcome",
                f"Key '{key}.outcome' is '{h.outcome}', "
                "which is neither an outcome nor a responder name.",
                did_you_mean(h.outcome, known),
            )
            continue
        resp = by_name.get(h.outcome)
        allowed = resp.visits if resp is not None else visits.post_baseline
        if h.visit not in allowed:
            _err(
                problems,
                file,
                f"{key}.visit",
                f"Key '{key}.visit' is '{h.visit}', which "
                f"is not a visit analysed for '{h.outcome}'.",
                did_you_mean(h.visit, allowed),
            )
        if h.measure is not None and resp is None:
            _err(
                problems,
                file,
                f"{key}.measure",
                f"Key '{key}.measure' applies to "
                f"responders; '{h.outcome}' is a continuous outcome (MMRM difference).",
            )
        elif h.measure is not None and resp is not None and h.measure not in resp.measures:
            _err(
                problems,
                file,
                f"{key}.measure",
                f"Key '{key}.measure' is '{h.measure}', "
                f"which is not among the measures of responder '{h.outcome}'.",
            )
    return spec
