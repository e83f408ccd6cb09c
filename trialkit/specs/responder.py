"""The responder specification: g-computation variance names, defaults and rules.

:data:`RESPONDER_VARIANCES`, :data:`GE_COVARIANCES` and :data:`RESPONDER_OPTIONS` are the
one place these names and defaults are written (for a plan section, the docs and report
labels).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from trialkit.core.errors import ModelError
from trialkit.core.problems import Problem, did_you_mean
from trialkit.specs.ancova import HC_TYPES
from trialkit.specs.vocabulary import Choice, Option, vocabulary

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
        out: list[Problem] = []
        for key, value, vocab in (
            ("variance", self.variance, RESPONDER_VARIANCES),
            ("ge_type", self.ge_type, GE_COVARIANCES),
        ):
            if vocab.canonical(value) is None:
                out.append(
                    _error(
                        f"'{prefix}{key}' is '{value}', which is not known.",
                        f"{prefix}{key}",
                        file,
                        did_you_mean(value, vocab.codes) or "allowed: " + ", ".join(vocab.codes),
                    )
                )
        if self.strata and RESPONDER_VARIANCES.canonical(self.variance) == "ge":
            out.append(
                _error(
                    "strata adjust the Ye variance only; use variance 'ye' or drop strata.",
                    f"{prefix}strata",
                    file,
                )
            )
        if not 0 < self.alpha < 0.5:
            out.append(
                _error(f"alpha is {self.alpha}; use a value in (0, 0.5).", f"{prefix}alpha", file)
            )
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
