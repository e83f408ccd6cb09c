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

from trialkit.core.problems import Problem, did_you_mean
from trialkit.specs.vocabulary import Choice, Option, Vocabulary, vocabulary

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

ASSUMPTIONS = vocabulary(
    (
        Choice("MAR", "missing at random", "Imputed from the patient's own arm (MAR)."),
        Choice("JR", "jump to reference", "From the event on, the reference arm's mean.", ("J2R",)),
        Choice("CR", "copy reference", "The reference arm's mean and covariance throughout."),
        Choice(
            "CIR",
            "copy increments from reference",
            "The patient's own mean at the last visit before the event, then the reference "
            "arm's increments.",
        ),
        Choice(
            "LMCF",
            "last mean carried forward",
            "The patient's own arm mean at the last visit before the event, carried forward.",
        ),
    )
)

METHODS = vocabulary(
    (
        Choice(
            "mmrm",
            "MMRM (likelihood-based, MAR)",
            "The plan's MMRM on the data the strategies leave (no imputation).",
        ),
        Choice(
            "condmean",
            "conditional mean imputation",
            "Conditional mean imputation with jackknife or bootstrap SEs (Wolbers et al. 2022).",
        ),
        Choice(
            "approxbayes",
            "approximate Bayesian multiple imputation",
            "Bootstrap, refit, impute; Rubin's rules with Barnard-Rubin df.",
        ),
    )
)

RESAMPLING = vocabulary(
    (
        Choice("jackknife", "jackknife", "Leave one subject out (deterministic)."),
        Choice("bootstrap", "bootstrap", "Resample subjects within arms (n_samples times)."),
    )
)

ANALYSES = vocabulary(
    (
        Choice("ancova", "ANCOVA per visit", "outcome ~ arm + covariates at each visit (rbmi)."),
        Choice("mmrm", "MMRM", "The plan's MMRM on each imputed data set."),
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
            _check_name(err, f"events[{i + 1}].strategy", e.strategy, EVENT_STRATEGIES)
        estimators = [("main.", self.main)] + [
            (f"sensitivity[{i + 1}].", s) for i, s in enumerate(self.sensitivity)
        ]
        for key, est in estimators:
            _check_name(err, key + "method", est.method, METHODS)
            _check_name(err, key + "assumption", est.assumption, ASSUMPTIONS)
            _check_name(err, key + "resampling", est.resampling, RESAMPLING)
            _check_name(err, key + "analysis", est.analysis, ANALYSES)
            method = METHODS.canonical(est.method)
            needs_n = method == "approxbayes" or (
                method == "condmean" and RESAMPLING.canonical(est.resampling) == "bootstrap"
            )
            if needs_n and (est.n_samples is None or est.n_samples < 2):
                err(
                    key + "n_samples",
                    f"'{prefix}{key}method' is '{est.method}' with "
                    f"resampling '{est.resampling}', which needs '{prefix}{key}n_samples' "
                    "of at least 2.",
                )
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


def _check_name(err, key: str, value: str, vocab: Vocabulary) -> None:  # type: ignore[no-untyped-def]
    if vocab.canonical(value) is None:
        dym = did_you_mean(value, vocab.accepted)
        allowed = "allowed: " + ", ".join(vocab.codes)
        err(
            key,
            f"'{key}' is '{value}', which is not known.",
            f"{dym} {allowed}" if dym else allowed,
        )


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
