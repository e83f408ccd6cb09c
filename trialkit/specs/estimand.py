"""Estimands (ICH E9(R1)) and their estimators: names, defaults and rules, written once.

An :class:`EstimandSpec` states the five attributes of an estimand -- population, variable
(outcome and visits), treatment condition (the arms), intercurrent events with their
strategies, and the population-level summary -- plus the main estimator and the sensitivity
estimators. The plan's ``[[estimands]]`` keys and ``docs/plan.md`` are generated from
:data:`ESTIMAND_OPTIONS`, :data:`EVENT_OPTIONS` and :data:`ESTIMATOR_OPTIONS`.

Strategies for an intercurrent event (:data:`EVENT_STRATEGIES`):

* ``treatment-policy``: the outcome is used as observed after the event; values missing after
  it are imputed under the estimator's assumption.
* ``hypothetical``: values from the event on are set to missing and imputed under the
  assumption (MAR: as if the event had not occurred; JR/CR/CIR: as if the patient had been on
  the reference arm).
* ``while-on-treatment``: only values before the event are used (MAR for what is missing).

Imputation assumptions (:data:`ASSUMPTIONS`) follow rbmi: MAR, jump to reference (JR), copy
reference (CR), copy increments from reference (CIR), last mean carried forward (LMCF).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from trialkit.core.problems import Problem
from trialkit.specs.imputation import (
    ANALYSES,
    IMPUTATION_METHODS,
    RESAMPLING,
    STRATEGIES,
    ImputationSpec,
    unknown_name,
)
from trialkit.specs.vocabulary import Choice, Option, vocabulary

EVENT_STRATEGIES = vocabulary(
    (
        Choice(
            "treatment-policy",
            "treatment policy",
            "Use the outcome as observed after the event; impute what is missing after it "
            "under the estimator's assumption.",
            ("treatment_policy",),
        ),
        Choice(
            "hypothetical",
            "hypothetical",
            "Set values from the event on to missing and impute them under the assumption.",
        ),
        Choice(
            "while-on-treatment",
            "while on treatment",
            "Use only the values before the event.",
            ("while_on_treatment",),
        ),
    )
)

#: Imputation assumptions: the imputation spec's strategies (rbmi's names).
ASSUMPTIONS = STRATEGIES

METHODS = vocabulary(
    (
        Choice(
            "mmrm",
            "MMRM (likelihood-based, MAR)",
            "The plan's MMRM on the data the strategies leave (no imputation).",
        ),
        *IMPUTATION_METHODS.choices,
    )
)

SUMMARY_MEASURES = vocabulary(
    (
        Choice(
            "difference in means",
            "difference in means",
            "Treatment minus control mean at each visit.",
        ),
    )
)


@dataclass(frozen=True)
class EventSpec:
    """An intercurrent event: a subject-level column holding the first visit it affects."""

    name: str
    column: str
    strategy: str = "hypothetical"


@dataclass(frozen=True)
class EstimatorSpec:
    """How an estimand is estimated: the main analysis or a sensitivity analysis."""

    name: str = "Main"
    method: str = "mmrm"
    assumption: str = "MAR"
    resampling: str = "jackknife"
    n_samples: int | None = None
    analysis: str = "ancova"
    delta: float = 0.0
    tipping_point: tuple[float, ...] = ()
    seed: int = 20250101

    @property
    def imputation(self) -> ImputationSpec:
        """The imputation options of this estimator (imputation methods only)."""
        return ImputationSpec(
            method=self.method,
            resampling=self.resampling,
            n_samples=self.n_samples,
            analysis=self.analysis,
            seed=self.seed,
        )

    @property
    def deltas(self) -> tuple[float, ...]:
        """The tipping-point grid ``[start, stop, step]`` expanded (stop included)."""
        if len(self.tipping_point) != 3:
            return ()
        start, stop, step = self.tipping_point
        n = int(round((stop - start) / step)) + 1 if step else 0
        return tuple(start + i * step for i in range(max(n, 0)))


@dataclass(frozen=True)
class EstimandSpec:
    """An estimand and its estimators (the five ICH E9(R1) attributes)."""

    name: str
    outcome: str
    visits: tuple[str, ...] = ()
    population: tuple[tuple[str, str], ...] = ()
    summary: str = "difference in means"
    events: tuple[EventSpec, ...] = ()
    main: EstimatorSpec = field(default_factory=EstimatorSpec)
    sensitivity: tuple[EstimatorSpec, ...] = ()

    @property
    def estimators(self) -> tuple[EstimatorSpec, ...]:
        return (self.main, *self.sensitivity)

    def check(self, prefix: str, file: str | None = None) -> tuple[Problem, ...]:
        """Problems with names and the rules between options (the data are checked later).

        Rules: a method needs ``n_samples`` >= 2 for approximate Bayesian MI or the bootstrap;
        an MMRM estimator assumes MAR and takes no delta; a tipping-point grid is
        ``[start, stop, step]`` with ``step > 0`` and ``start <= stop``; event names are
        unique.
        """
        out: list[Problem] = []

        def err(key: str, message: str, hint: str | None = None) -> None:
            out.append(Problem("error", message, file=file, key=f"{prefix}{key}", hint=hint))

        names = [e.name for e in self.events]
        for dup in sorted({n for n in names if names.count(n) > 1}):
            err(
                "events",
                f"Intercurrent event name '{dup}' is used more than once in '{prefix}events'.",
            )
        for i, e in enumerate(self.events):
            key = f"{prefix}events[{i + 1}].strategy"
            problem = unknown_name(key, e.strategy, EVENT_STRATEGIES, file)
            if problem is not None:
                out.append(problem)
        estimators = [("main.", self.main)] + [
            (f"sensitivity[{i + 1}].", s) for i, s in enumerate(self.sensitivity)
        ]
        for key, est in estimators:
            problems = [unknown_name(f"{prefix}{key}method", est.method, METHODS, file)]
            problems.append(
                unknown_name(f"{prefix}{key}assumption", est.assumption, ASSUMPTIONS, file)
            )
            method = METHODS.canonical(est.method)
            if method in IMPUTATION_METHODS.codes:
                problems.extend(est.imputation.check(f"{prefix}{key}", file))
            else:
                problems.append(
                    unknown_name(f"{prefix}{key}resampling", est.resampling, RESAMPLING, file)
                )
                problems.append(
                    unknown_name(f"{prefix}{key}analysis", est.analysis, ANALYSES, file)
                )
            out.extend(p for p in problems if p is not None)
            if method == "mmrm" and ASSUMPTIONS.canonical(est.assumption) not in (None, "MAR"):
                err(
                    key + "assumption",
                    f"'{prefix}{key}method' is 'mmrm', which assumes "
                    f"MAR, but '{prefix}{key}assumption' is '{est.assumption}'.",
                    'use method = "condmean" or "approxbayes" for reference-based imputation',
                )
            if method == "mmrm" and (est.delta or est.tipping_point):
                err(
                    key + "delta",
                    f"'{prefix}{key}method' is 'mmrm', which imputes nothing, "
                    "so a delta or tipping point cannot be applied.",
                    'use method = "condmean" or "approxbayes"',
                )
            if est.tipping_point:
                tp = est.tipping_point
                if len(tp) != 3 or tp[2] <= 0 or tp[0] > tp[1]:
                    err(
                        key + "tipping_point",
                        f"'{prefix}{key}tipping_point' must be "
                        "[start, stop, step] with start <= stop and step > 0.",
                    )
        return tuple(out)


_E = EstimatorSpec()

#: ``[[estimands]]`` keys (the nested tables are declared in the plan's key table).
ESTIMAND_OPTIONS: tuple[Option, ...] = (
    Option("name", "string", "Name of the estimand, shown as its section title.", required=True),
    Option("outcome", "string", "The variable: an outcome `name`.", required=True),
    Option("visits", "texts", "Visits of interest (default: every post-baseline visit)."),
    Option(
        "population",
        "labels",
        "Subject-level column = value that selects the population "
        '(default: all randomised), e.g. `{ itt = "1" }`.',
    ),
    Option(
        "summary", "string", "Population-level summary.", "difference in means", SUMMARY_MEASURES
    ),
)

#: ``[[estimands.events]]`` keys.
EVENT_OPTIONS: tuple[Option, ...] = (
    Option(
        "name", "string", "Name of the intercurrent event, e.g. `Discontinued DBT`.", required=True
    ),
    Option(
        "column",
        "string",
        "Subject-level column holding the first visit the event "
        "affects (a value of `visits.order`); empty when the subject had no event.",
        required=True,
    ),
    Option("strategy", "string", "How the event is handled.", "hypothetical", EVENT_STRATEGIES),
)

#: ``[estimands.main]`` and ``[[estimands.sensitivity]]`` keys.
ESTIMATOR_OPTIONS: tuple[Option, ...] = (
    Option("name", "string", "Name shown in the report (default: `Main`, `Sensitivity N`)."),
    Option("method", "string", "Estimation method.", _E.method, METHODS),
    Option(
        "assumption",
        "string",
        "Imputation assumption for values missing after an event "
        "(and MAR for other missing values).",
        _E.assumption,
        ASSUMPTIONS,
    ),
    Option(
        "resampling",
        "string",
        "Standard errors of conditional mean imputation.",
        _E.resampling,
        RESAMPLING,
    ),
    Option("n_samples", "integer", "Bootstrap samples or imputations (approxbayes, bootstrap)."),
    Option("analysis", "string", "Analysis of each imputed data set.", _E.analysis, ANALYSES),
    Option("delta", "number", "Shift added to imputed values in the treatment arm.", _E.delta),
    Option(
        "tipping_point",
        "numbers",
        "Tipping-point grid of deltas `[start, stop, step]` added to imputed treatment-arm values.",
    ),
    Option("seed", "integer", "Random seed (the same seed gives the same report).", _E.seed),
)
