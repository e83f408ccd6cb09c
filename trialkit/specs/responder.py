"""The responder specification: g-computation variance names, defaults and rules.

:data:`RESPONDER_VARIANCES`, :data:`GE_COVARIANCES` and :data:`RESPONDER_OPTIONS` are the
one place these names and defaults are written (for a plan section, the docs and report
labels).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from trialkit.core.errors import ModelError
from trialkit.core.problems import Problem, alpha_problems, did_you_mean
from trialkit.specs.ancova import HC_TYPES
from trialkit.specs.vocabulary import Choice, Option, Vocabulary, vocabulary

RESPONDER_VARIANCES = vocabulary(
    (
        Choice(
            "ye",
            "Ye et al. (2023) robust variance",
            "Robust for the population-average effect (beeca method 'Ye').",
        ),
        Choice(
            "ge",
            "Ge et al. (2011) delta method",
            "Delta method from the coefficient covariance (beeca method 'Ge').",
        ),
    )
)

GE_COVARIANCES = vocabulary(
    (
        *HC_TYPES,
        Choice("model-based", "model-based", "The inverse information of the logistic model."),
    )
)


def _error(message: str, key: str, file: str | None, hint: str | None = None) -> Problem:
    return Problem("error", message, file=file, key=key, hint=hint)


def _unknown_names(
    items: Iterable[tuple[str, str, Vocabulary]], prefix: str, file: str | None
) -> list[Problem]:
    """A problem for each ``(key, value, vocabulary)`` whose value is not a known name."""
    out = []
    for key, value, vocab in items:
        if vocab.canonical(value) is None:
            out.append(
                _error(
                    f"'{prefix}{key}' is '{value}', which is not known.",
                    f"{prefix}{key}",
                    file,
                    did_you_mean(value, vocab.accepted) or "allowed: " + ", ".join(vocab.codes),
                )
            )
    return out


@dataclass(frozen=True)
class ResponderSpec:
    """How the responder g-computation is estimated.

    Attributes
    ----------
    variance
        A code of :data:`RESPONDER_VARIANCES`.
    ge_type
        Ge only: a code of :data:`GE_COVARIANCES` (beeca's default HC0).
    ye_mod
        Ye only: beeca's ``mod`` (``False``: the RobinCar form; ``True``: the paper's form).
    strata
        Ye only: randomisation strata (each must also be a covariate).
    alpha
        Two-sided significance level.
    """

    variance: str = "ye"
    ge_type: str = "HC0"
    ye_mod: bool = False
    strata: tuple[str, ...] = ()
    alpha: float = 0.05

    def check(self, prefix: str = "", file: str | None = None) -> tuple[Problem, ...]:
        """Every problem: an unknown variance or Ge type, strata without Ye, alpha outside
        (0, 0.5)."""
        out: list[Problem] = _unknown_names(
            (
                ("variance", self.variance, RESPONDER_VARIANCES),
                ("ge_type", self.ge_type, GE_COVARIANCES),
            ),
            prefix,
            file,
        )
        if self.strata and RESPONDER_VARIANCES.canonical(self.variance) == "ge":
            out.append(
                _error(
                    "strata adjust the Ye variance only; use variance 'ye' or drop strata.",
                    f"{prefix}strata",
                    file,
                )
            )
        out += alpha_problems(self.alpha, f"{prefix}alpha", file)
        return tuple(out)

    @classmethod
    def from_options(cls, **options: Any) -> ResponderSpec:
        """A spec from keyword options, normalised; :class:`ModelError` on the first problem."""
        spec = cls(**{**options, "strata": tuple(options.get("strata", ()))})
        problems = spec.check()
        if problems:
            raise ModelError(problems[0].sentence())
        return dataclasses.replace(
            spec,
            variance=RESPONDER_VARIANCES.canonical(spec.variance) or spec.variance,
            ge_type=GE_COVARIANCES.canonical(spec.ge_type) or spec.ge_type,
        )

    @property
    def label(self) -> str:
        """``"Ye"``, ``"Ye (mod)"`` or ``"Ge (HC0)"`` etc., for a report."""
        if self.variance == "ge":
            return f"Ge ({self.ge_type})"
        return "Ye (mod)" if self.ye_mod else "Ye"


_DEFAULT = ResponderSpec()

#: The options of :class:`ResponderSpec` as plan keys.
RESPONDER_OPTIONS: tuple[Option, ...] = (
    Option(
        "variance",
        "string",
        "Variance of the marginal effects.",
        _DEFAULT.variance,
        RESPONDER_VARIANCES,
    ),
    Option(
        "ge_type",
        "string",
        "Coefficient covariance of the Ge variance.",
        _DEFAULT.ge_type,
        GE_COVARIANCES,
    ),
    Option(
        "ye_mod", "boolean", "Ye variance in the paper's form (beeca mod = TRUE).", _DEFAULT.ye_mod
    ),
    Option(
        "strata",
        "strings",
        "Randomisation strata (Ye variance; also covariates).",
        list(_DEFAULT.strata),
    ),
    Option("alpha", "number", "Two-sided significance level.", _DEFAULT.alpha, plan_key=False),
)


# -- responder outcomes in a plan ----------------------------------------------------------

RESPONDER_MEASURES = vocabulary(
    (
        Choice("risk difference", "risk difference", "Treatment minus control risk.", ("RD",)),
        Choice("risk ratio", "risk ratio", "Treatment over control risk.", ("RR",)),
        Choice("odds ratio", "odds ratio", "Treatment over control odds.", ("OR",)),
    )
)

RESPONDER_BASES = vocabulary(
    (
        Choice("value", "value", "The outcome's value at the visit."),
        Choice("change", "change from baseline", "The value minus the baseline value."),
        Choice(
            "improvement",
            "improvement from baseline",
            "The change in the better direction of the outcome (`lower_is_better`): "
            "an improvement of at least X.",
        ),
    )
)

RESPONDER_OPERATORS = vocabulary(
    (
        Choice(">=", "at least", "Respond when the quantity is at least the threshold."),
        Choice(">", "more than", "Respond when the quantity exceeds the threshold."),
        Choice("<=", "at most", "Respond when the quantity is at most the threshold."),
        Choice("<", "less than", "Respond when the quantity is below the threshold."),
    )
)


@dataclass(frozen=True)
class ResponderOutcomeSpec:
    """A responder outcome of a plan: a binary column, or a threshold on a continuous outcome.

    Attributes
    ----------
    name, label
        Short name (used by ``[multiplicity]`` hypotheses) and display name.
    outcome
        A continuous outcome's ``name``: responder status is derived by ``on``, ``operator``
        and ``threshold``.
    column, columns
        A binary column (0/1, yes/no, true/false): one column (long layout) or one per visit
        (wide layout).
    on, operator, threshold
        ``value``, ``change`` (from baseline) or ``improvement`` (change in the outcome's
        better direction; operator ``>=`` or ``>``), compared with ``threshold``.
    visits
        Visits analysed (default: every post-baseline visit).
    measures
        Adjusted measures reported (codes of :data:`RESPONDER_MEASURES`).
    covariates
        Covariates of the logistic model (``baseline`` = the outcome's baseline value); None
        for the default (``["baseline"]`` for a derived responder, none for a binary column).
    estimation
        The g-computation variance (:class:`ResponderSpec`).
    """

    name: str
    label: str | None = None
    outcome: str | None = None
    column: str | None = None
    columns: tuple[str, ...] = ()
    on: str = "change"
    operator: str = ">="
    threshold: float | None = None
    visits: tuple[str, ...] = ()
    measures: tuple[str, ...] = RESPONDER_MEASURES.codes
    covariates: tuple[str, ...] | None = None
    estimation: ResponderSpec = ResponderSpec()

    @property
    def derived(self) -> bool:
        return self.outcome is not None

    def rule(self, lower_is_better: bool = True) -> str | None:
        """The engine's rule text (``"change <= -10"``), or None for a binary column.

        An improvement of at least X is a change of at most -X when lower values are
        better, of at least X otherwise.
        """
        if not self.derived or self.threshold is None:
            return None
        t = float(self.threshold)
        if self.on == "improvement":
            if lower_is_better:
                return f"change {self.operator.replace('>', '<')} {-t:g}"
            return f"change {self.operator} {t:g}"
        return f"{self.on} {self.operator} {t:g}"

    def definition(self, outcome_label: str | None = None, lower_is_better: bool = True) -> str:
        """The responder definition in words, for a report."""
        if not self.derived:
            cols = self.column or ", ".join(self.columns)
            return f"binary column {cols} (1/yes = responder)"
        what = outcome_label or str(self.outcome)
        op = RESPONDER_OPERATORS.label(self.operator)
        t = f"{self.threshold:g}"
        if self.on == "value":
            return f"{what} {op} {t}"
        if self.on == "change":
            return f"change from baseline in {what} {op} {t}"
        return f"improvement from baseline in {what} of {op} {t} ({self.rule(lower_is_better)})"

    def check(self, prefix: str = "", file: str | None = None) -> tuple[Problem, ...]:
        """Problems among this responder's own keys (outcomes and visits are checked by the
        plan): one source (``outcome`` or a binary ``column``/``columns``), a threshold with
        ``outcome`` only, known names, ``improvement`` with ``>=`` or ``>``."""
        out: list[Problem] = []
        sources = [k for k in ("outcome", "column", "columns") if getattr(self, k)]
        if len(sources) != 1:
            given = " and ".join(f"'{prefix}{k}'" for k in sources) or "none"
            out.append(
                _error(
                    f"Responder '{self.name}' needs exactly one of '{prefix}outcome' (a "
                    f"threshold on a continuous outcome) or '{prefix}column' (a binary "
                    f"column); given: {given}.",
                    f"{prefix}outcome",
                    file,
                )
            )
        if self.derived and self.threshold is None:
            out.append(
                _error(
                    f"Responder '{self.name}' is derived from outcome '{self.outcome}' and "
                    f"needs '{prefix}threshold'.",
                    f"{prefix}threshold",
                    file,
                )
            )
        if not self.derived and self.threshold is not None:
            out.append(
                _error(
                    f"'{prefix}threshold' applies to a responder derived from an outcome; "
                    f"responder '{self.name}' is a binary column.",
                    f"{prefix}threshold",
                    file,
                )
            )
        out += _unknown_names(
            (
                ("on", self.on, RESPONDER_BASES),
                ("operator", self.operator, RESPONDER_OPERATORS),
                *(("measures", m, RESPONDER_MEASURES) for m in self.measures),
            ),
            prefix,
            file,
        )
        if self.on == "improvement" and self.operator in ("<=", "<"):
            out.append(
                _error(
                    f"Responder '{self.name}': an improvement of at least X is written "
                    f"operator '>=' (or '>'), not '{self.operator}'.",
                    f"{prefix}operator",
                    file,
                    "use on = 'change' for a change of at most X",
                )
            )
        if not self.measures:
            out.append(_error(f"'{prefix}measures' lists no measure.", f"{prefix}measures", file))
        out.extend(self.estimation.check(prefix=prefix, file=file))
        return tuple(out)


_R = ResponderOutcomeSpec(name="")

#: ``[[responders]]`` keys (besides the variance keys of :data:`RESPONDER_OPTIONS`).
RESPONDER_OUTCOME_OPTIONS: tuple[Option, ...] = (
    Option(
        "name",
        "string",
        "Short name (letters, digits, `_`), used by `[[multiplicity.hypotheses]]`.",
        required=True,
    ),
    Option("label", "string", "Display name (default: `name`)."),
    Option(
        "outcome",
        "string",
        "A continuous outcome `name`: responders are derived by `on`, `operator` and `threshold`.",
    ),
    Option("column", "string", "Long layout: a binary column (0/1, yes/no, true/false) instead."),
    Option("columns", "strings", "Wide layout: binary columns, one per visit in `visits.order`."),
    Option("on", "string", "What the threshold applies to.", _R.on, RESPONDER_BASES),
    Option(
        "operator", "string", "Comparison with the threshold.", _R.operator, RESPONDER_OPERATORS
    ),
    Option("threshold", "number", "The threshold (needed with `outcome`)."),
    Option("visits", "texts", "Visits analysed (default: every post-baseline visit)."),
    Option(
        "measures",
        "strings",
        "Covariate-adjusted measures reported (g-computation).",
        list(_R.measures),
        RESPONDER_MEASURES,
    ),
    Option(
        "covariates",
        "strings",
        "Covariates of the logistic model; `baseline` is the outcome's baseline value "
        '(default: `["baseline"]` with `outcome`, none with `column`).',
    ),
)
