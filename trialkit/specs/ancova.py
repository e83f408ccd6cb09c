"""The ANCOVA specification: per-visit ANCOVA options, names, defaults and rules.

The plan's ``[analysis.ancova]`` keys and the report's labels for heteroscedasticity-
consistent standard errors are generated from :data:`HC_TYPES` and :data:`ANCOVA_OPTIONS`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from trialkit.core.errors import ModelError
from trialkit.core.problems import Problem, alpha_problems, did_you_mean
from trialkit.specs.mmrm import LSMEANS_WEIGHTS
from trialkit.specs.vocabulary import Choice, Option, vocabulary

HC_TYPES = vocabulary(
    (
        Choice("HC0", "HC0 sandwich", "White's heteroscedasticity-consistent SEs."),
        Choice("HC1", "HC1 sandwich", "HC0 times n / (n - p)."),
        Choice("HC2", "HC2 sandwich", "Residuals scaled by 1 / (1 - h_ii)."),
        Choice("HC3", "HC3 sandwich", "Residuals scaled by 1 / (1 - h_ii)^2."),
    )
)


@dataclass(frozen=True)
class AncovaSpec:
    """How the per-visit ANCOVA is fitted.

    Attributes
    ----------
    enabled
        Run the ANCOVA (in a plan, as a sensitivity analysis beside the MMRM).
    robust
        ``None`` for model-based SEs, or a code of :data:`HC_TYPES`.
    lsmeans_weights
        Weights of factor covariate levels in LS means.
    alpha
        Two-sided significance level.
    """

    enabled: bool = True
    robust: str | None = None
    lsmeans_weights: str = "equal"
    alpha: float = 0.05

    def check(self, prefix: str = "", file: str | None = None) -> tuple[Problem, ...]:
        """Every problem with this spec (an unknown HC type or weighting, alpha outside
        (0, 0.5))."""
        out: list[Problem] = []
        if self.robust is not None and HC_TYPES.canonical(self.robust) is None:
            out.append(
                Problem(
                    "error",
                    f"'{prefix}robust' is '{self.robust}', which is not known.",
                    file=file,
                    key=f"{prefix}robust",
                    hint=did_you_mean(self.robust, HC_TYPES.codes)
                    or "allowed: " + ", ".join(HC_TYPES.codes),
                )
            )
        if LSMEANS_WEIGHTS.canonical(self.lsmeans_weights) is None:
            out.append(
                Problem(
                    "error",
                    f"'{prefix}lsmeans_weights' is '{self.lsmeans_weights}', which is not known.",
                    file=file,
                    key=f"{prefix}lsmeans_weights",
                    hint="allowed: " + ", ".join(LSMEANS_WEIGHTS.codes),
                )
            )
        out += alpha_problems(self.alpha, f"{prefix}alpha", file)
        return tuple(out)

    def normalised(self) -> AncovaSpec:
        return dataclasses.replace(
            self,
            robust=None if self.robust is None else HC_TYPES.canonical(self.robust) or self.robust,
            lsmeans_weights=LSMEANS_WEIGHTS.canonical(self.lsmeans_weights) or self.lsmeans_weights,
        )

    @classmethod
    def from_options(cls, spec: AncovaSpec | None = None, **options: Any) -> AncovaSpec:
        """``spec`` with ``options`` replacing its fields, normalised; :class:`ModelError` on
        the first problem."""
        base = spec if spec is not None else cls()
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise ModelError(
                f"unknown ANCOVA option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        explicit = {"robust"}  # None is a real value for robust
        given = {k: v for k, v in options.items() if v is not None or k in explicit}
        spec = dataclasses.replace(base, **given)
        problems = spec.check()
        if problems:
            raise ModelError(problems[0].sentence())
        return spec.normalised()


_DEFAULT = AncovaSpec()

#: The options of :class:`AncovaSpec` as plan keys (``[analysis.ancova]``).
ANCOVA_OPTIONS: tuple[Option, ...] = (
    Option("enabled", "boolean", "Run the ANCOVA.", _DEFAULT.enabled),
    Option(
        "robust",
        "string",
        "Heteroscedasticity-consistent SEs; omit for model-based SEs.",
        _DEFAULT.robust,
        HC_TYPES,
    ),
    Option(
        "lsmeans_weights",
        "string",
        "Weighting of covariate levels in LS means.",
        _DEFAULT.lsmeans_weights,
        LSMEANS_WEIGHTS,
        plan_key=False,
    ),
    Option("alpha", "number", "Two-sided significance level.", _DEFAULT.alpha, plan_key=False),
)
