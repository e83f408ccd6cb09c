"""The imputation specification: methods, resampling, strategies, analyses, written once.

:class:`ImputationSpec` holds the statistical options of
:func:`trialkit.impute_and_analyse` and :func:`trialkit.tipping_point` (the data's column
roles, the events and the execution options are passed beside it). Its vocabularies are the
only place the names below are written; the estimand spec (:mod:`trialkit.specs.estimand`),
the plan keys and the report labels use them.

Strategies for values missing after an intercurrent event (:data:`STRATEGIES`) follow rbmi:
MAR, jump to reference (JR), copy reference (CR), copy increments from reference (CIR), last
mean carried forward (LMCF); a user-defined strategy is added through the ``strategies=`` hook
(:mod:`trialkit.imputation.strategies`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

from trialkit.core.errors import DataError
from trialkit.core.problems import Problem, alpha_problems, did_you_mean
from trialkit.specs.vocabulary import Choice, Vocabulary, vocabulary

STRATEGIES = vocabulary(
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

IMPUTATION_METHODS = vocabulary(
    (
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

BOOTSTRAP_CI = vocabulary(
    (
        Choice("normal", "normal", "SE = SD of the bootstrap estimates; normal CI."),
        Choice("percentile", "percentile", "CI from the quantiles of the bootstrap estimates."),
    )
)

POST_EVENT = vocabulary(
    (
        Choice(
            "keep",
            "kept",
            "Observed values after an event stay in the analysed data (treatment policy).",
        ),
        Choice(
            "discard",
            "discarded",
            "Observed values after an event are set to missing and imputed (hypothetical).",
        ),
    )
)


@dataclass(frozen=True)
class ImputationSpec:
    """How missing outcomes are imputed, analysed and pooled.

    Attributes
    ----------
    method
        A code of :data:`IMPUTATION_METHODS`.
    resampling
        SEs of conditional mean imputation (:data:`RESAMPLING`); ignored by approxbayes.
    n_samples
        Bootstrap samples or imputations (approxbayes and the bootstrap need at least 2).
    analysis
        Analysis of each imputed data set (:data:`ANALYSES`).
    group_covariance
        One covariance matrix per arm in the imputation model.
    reml
        Fit the imputation model by REML (else ML).
    bootstrap_ci
        Bootstrap CI (:data:`BOOTSTRAP_CI`).
    post_event
        Observed values after an event (:data:`POST_EVENT`).
    alpha
        Two-sided significance level.
    seed
        Seed of the ``numpy.random.SeedSequence``, or a ``SeedSequence`` (e.g. a child of a
        simulation's); the same seed gives the same result.
    """

    method: str = "condmean"
    resampling: str = "jackknife"
    n_samples: int | None = None
    analysis: str = "ancova"
    group_covariance: bool = False
    reml: bool = True
    bootstrap_ci: str = "normal"
    post_event: str = "keep"
    alpha: float = 0.05
    seed: int | np.random.SeedSequence | None = None

    @property
    def needs_samples(self) -> bool:
        """Approximate Bayesian MI and the bootstrap draw ``n_samples`` samples."""
        return IMPUTATION_METHODS.canonical(self.method) == "approxbayes" or (
            RESAMPLING.canonical(self.resampling) == "bootstrap"
        )

    def check(self, prefix: str = "", file: str | None = None) -> tuple[Problem, ...]:
        """Every problem with this spec: unknown names, ``n_samples`` below 2 where samples
        are drawn, ``alpha`` outside (0, 0.5)."""
        out: list[Problem] = []
        for name, vocab in (
            ("method", IMPUTATION_METHODS),
            ("resampling", RESAMPLING),
            ("analysis", ANALYSES),
            ("bootstrap_ci", BOOTSTRAP_CI),
            ("post_event", POST_EVENT),
        ):
            problem = unknown_name(f"{prefix}{name}", getattr(self, name), vocab, file)
            if problem is not None:
                out.append(problem)
        if self.needs_samples and (
            not isinstance(self.n_samples, int)
            or isinstance(self.n_samples, bool)
            or self.n_samples < 2
        ):
            out.append(
                Problem(
                    "error",
                    f"method '{self.method}' (resampling '{self.resampling}') needs "
                    f"'{prefix}n_samples' of at least 2, not {self.n_samples}.",
                    file=file,
                    key=f"{prefix}n_samples",
                )
            )
        out += alpha_problems(self.alpha, f"{prefix}alpha", file)
        return tuple(out)

    def normalised(self) -> ImputationSpec:
        """The spec with every name replaced by its canonical code."""
        return dataclasses.replace(
            self,
            method=IMPUTATION_METHODS.canonical(self.method) or self.method,
            resampling=RESAMPLING.canonical(self.resampling) or self.resampling,
            analysis=ANALYSES.canonical(self.analysis) or self.analysis,
            bootstrap_ci=BOOTSTRAP_CI.canonical(self.bootstrap_ci) or self.bootstrap_ci,
            post_event=POST_EVENT.canonical(self.post_event) or self.post_event,
        )

    @classmethod
    def from_options(cls, spec: ImputationSpec | None = None, **options: Any) -> ImputationSpec:
        """``spec`` (default: the defaults) with ``options`` replacing its fields (``None``
        leaves a field as it is), checked and normalised.

        Raises
        ------
        DataError
            On an unknown option or the first problem of :meth:`check`, in one sentence.
        """
        base = spec if spec is not None else cls()
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise DataError(
                f"unknown imputation option(s) {', '.join(unknown)}; known: "
                f"{', '.join(sorted(known))}"
            )
        out = dataclasses.replace(base, **{k: v for k, v in options.items() if v is not None})
        problems = out.check()
        if problems:
            raise DataError(problems[0].sentence())
        return out.normalised()


def unknown_name(key: str, value: str, vocab: Vocabulary, file: str | None) -> Problem | None:
    """A problem naming ``key`` when ``value`` is not a code or alias of ``vocab``."""
    if vocab.canonical(value) is not None:
        return None
    dym = did_you_mean(str(value), vocab.accepted)
    allowed = "allowed: " + ", ".join(vocab.codes)
    return Problem(
        "error",
        f"'{key}' is '{value}', which is not known.",
        file=file,
        key=key,
        hint=f"{dym} {allowed}" if dym else allowed,
    )
