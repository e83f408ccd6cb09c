"""The MMRM specification: the one place its options, names, defaults and rules are written.

Like R mmrm's ``mmrm_control()``, :class:`MMRMSpec` is a frozen value checked once, before
any fitting: :meth:`MMRMSpec.check` returns every problem (an unknown covariance structure,
Kenward-Roger degrees of freedom with an ML fit, sandwich standard errors with a df method
that assumes the model-based covariance, ...). The plan's ``[analysis.mmrm]`` keys, the
starter plan, ``docs/plan.md`` and the report's method labels are generated from
:data:`COVARIANCES`, :data:`DF_METHODS` and :data:`MMRM_OPTIONS`; a test fails if any of them
disagrees with this module.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from trialkit.core.errors import ModelError
from trialkit.core.problems import Problem, alpha_problems, did_you_mean
from trialkit.specs.vocabulary import Choice, Option, vocabulary

COVARIANCES = vocabulary(
    (
        Choice(
            "us",
            "unstructured",
            "A separate variance per visit and covariance per pair of visits (SAS `UN`).",
            ("un",),
        ),
        Choice("cs", "compound symmetry", "One variance, one common correlation."),
        Choice(
            "csh",
            "heterogeneous compound symmetry",
            "A variance per visit, one common correlation.",
        ),
        Choice("ar1", "AR(1)", "One variance, correlation rho^|i-j|."),
        Choice(
            "ar1h", "heterogeneous AR(1)", "A variance per visit, correlation rho^|i-j|.", ("arh1",)
        ),
        Choice("toep", "Toeplitz", "One variance, a correlation per lag."),
        Choice("toeph", "heterogeneous Toeplitz", "A variance per visit, a correlation per lag."),
        Choice("ad", "ante-dependence", "One variance, a correlation per pair of adjacent visits."),
        Choice(
            "adh",
            "heterogeneous ante-dependence",
            "A variance per visit, a correlation per pair of adjacent visits (SAS `ANTE(1)`).",
            ("ante",),
        ),
        Choice(
            "sp_exp",
            "spatial exponential",
            "Correlation rho^d for the distance d between visits (SAS `SP(EXP)`).",
            ("spexp",),
        ),
    )
)

DF_METHODS = vocabulary(
    (
        Choice(
            "kenward-roger-linear",
            "Kenward-Roger (linear)",
            "Kenward-Roger with the covariance linear in its parameters (SAS "
            "`DDFM=KR(LINEAR)`; equals SAS `DDFM=KR` for an unstructured covariance).",
        ),
        Choice(
            "kenward-roger",
            "Kenward-Roger",
            "Kenward-Roger adjusted covariance and df (R mmrm `Kenward-Roger`, SAS `DDFM=KR`).",
        ),
        Choice("satterthwaite", "Satterthwaite", "Satterthwaite df (R mmrm's default)."),
        Choice("between-within", "between-within", "SAS `DDFM=BW`."),
        Choice("residual", "residual", "n - rank(X), as for a linear model."),
    )
)

LSMEANS_WEIGHTS = vocabulary(
    (
        Choice("equal", "equal", "Equal weights over factor covariate levels (SAS LSMEANS)."),
        Choice(
            "proportional",
            "proportional",
            "Weights proportional to the observed levels (SAS `OM`).",
        ),
    )
)

KR_PARAMETRIZATIONS = vocabulary(
    (
        Choice("mmrm", "R mmrm", "R mmrm's log-variance parametrisation."),
        Choice("sas", "SAS", "SAS PROC MIXED's parametrisation (`DDFM=KR`)."),
    )
)

#: Methods whose df do not assume the model-based covariance: the ones that go with sandwich SEs.
ROBUST_DF_METHODS: tuple[str, ...] = ("between-within", "residual")
#: Methods that need the REML likelihood.
REML_DF_METHODS: tuple[str, ...] = ("kenward-roger", "kenward-roger-linear")


@dataclass(frozen=True)
class MMRMSpec:
    """How an MMRM is fitted and tested.

    Attributes
    ----------
    covariance
        Residual covariance structure: a code of :data:`COVARIANCES`.
    df_method
        Denominator degrees of freedom: a code of :data:`DF_METHODS`.
    reml
        REML (True) or maximum likelihood (False).
    fallback
        Structures tried in order when ``covariance`` does not converge; ``()`` disables it.
    lsmeans_weights
        Weights of factor covariate levels in LS means: a code of :data:`LSMEANS_WEIGHTS`.
    robust
        Empirical (sandwich, CR0) standard errors.
    group_covariance
        A separate covariance matrix per arm (SAS ``GROUP=``).
    kr_parametrization
        Parametrisation of the Kenward-Roger second-derivative term.
    alpha
        Two-sided significance level; confidence intervals are ``1 - alpha``.
    """

    covariance: str = "us"
    df_method: str = "kenward-roger-linear"
    reml: bool = True
    fallback: tuple[str, ...] = ("us", "toeph", "ar1h", "csh", "cs")
    lsmeans_weights: str = "equal"
    robust: bool = False
    group_covariance: bool = False
    kr_parametrization: str = "mmrm"
    alpha: float = 0.05

    def normalised(self) -> MMRMSpec:
        """The same spec with aliases turned into codes (``un`` -> ``us``); unknown names stay."""
        return dataclasses.replace(
            self,
            covariance=COVARIANCES.canonical(self.covariance) or self.covariance,
            df_method=DF_METHODS.canonical(self.df_method) or self.df_method,
            fallback=tuple(COVARIANCES.canonical(s) or s for s in self.fallback),
            lsmeans_weights=LSMEANS_WEIGHTS.canonical(self.lsmeans_weights) or self.lsmeans_weights,
            kr_parametrization=KR_PARAMETRIZATIONS.canonical(self.kr_parametrization)
            or self.kr_parametrization,
        )

    def check(self, prefix: str = "", file: str | None = None) -> tuple[Problem, ...]:
        """Every problem with this spec, as plan problems keyed ``prefix + field``.

        Checks each name against its vocabulary and the rules between options:
        Kenward-Roger needs REML; sandwich SEs need a df method that does not assume the
        model-based covariance (between-within or residual); alpha lies in (0, 0.5).
        """
        out: list[Problem] = []

        def err(name: str, message: str, hint: str | None = None) -> None:
            out.append(Problem("error", message, file=file, key=f"{prefix}{name}", hint=hint))

        for name, value, vocab in (
            ("covariance", self.covariance, COVARIANCES),
            ("df_method", self.df_method, DF_METHODS),
            ("lsmeans_weights", self.lsmeans_weights, LSMEANS_WEIGHTS),
            ("kr_parametrization", self.kr_parametrization, KR_PARAMETRIZATIONS),
        ):
            if vocab.canonical(value) is None:
                err(
                    name,
                    f"'{prefix}{name}' is '{value}', which is not known.",
                    _choices_hint(value, vocab.accepted),
                )
        for s in self.fallback:
            if COVARIANCES.canonical(s) is None:
                err(
                    "fallback",
                    f"'{prefix}fallback' has '{s}', which is not a covariance structure.",
                    _choices_hint(s, COVARIANCES.accepted),
                )
        df = DF_METHODS.canonical(self.df_method)
        if df in REML_DF_METHODS and not self.reml:
            err(
                "reml",
                f"'{prefix}df_method' is '{df}', which needs a REML fit, but "
                f"'{prefix}reml' is false.",
                'set reml = true, or use df_method = "satterthwaite" with ML',
            )
        if self.robust and df is not None and df not in ROBUST_DF_METHODS:
            err(
                "robust",
                f"'{prefix}robust' is true, but sandwich standard errors go with "
                f'df_method "between-within" or "residual", not \'{df}\'.',
                'set df_method = "between-within"',
            )
        out += alpha_problems(self.alpha, f"{prefix}alpha", file)
        return tuple(out)

    def validated(self) -> MMRMSpec:
        """The normalised spec, or :class:`ModelError` naming the first problem."""
        problems = self.check()
        if problems:
            raise ModelError(problems[0].sentence())
        return self.normalised()

    def ladder(self) -> tuple[str, ...]:
        """Structures to try, in order: ``covariance``, then ``fallback`` without repeats."""
        spec = self.normalised()
        return tuple(dict.fromkeys((spec.covariance, *spec.fallback)))

    @classmethod
    def from_options(cls, spec: MMRMSpec | None = None, **options: Any) -> MMRMSpec:
        """``spec`` (default: the defaults) with ``options`` replacing its fields, validated.

        Raises
        ------
        ModelError
            An option that is not a field, or any problem :meth:`check` finds.
        """
        base = spec if spec is not None else cls()
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise ModelError(
                f"unknown MMRM option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        given = {k: v for k, v in options.items() if v is not None}
        if "fallback" in given:
            given["fallback"] = tuple(given["fallback"])
        return dataclasses.replace(base, **given).validated()


def _choices_hint(value: str, accepted: tuple[str, ...]) -> str:
    dym = did_you_mean(str(value), accepted)
    allowed = "allowed: " + ", ".join(accepted)
    return f"{dym} {allowed}" if dym else allowed


_DEFAULT = MMRMSpec()

#: The options of :class:`MMRMSpec` as plan keys (``[analysis.mmrm]``), in plan order.
MMRM_OPTIONS: tuple[Option, ...] = (
    Option(
        "covariance",
        "string",
        "Residual covariance structure.",
        _DEFAULT.covariance,
        COVARIANCES,
        starter=True,
    ),
    Option(
        "df_method",
        "string",
        "Denominator degrees of freedom.",
        _DEFAULT.df_method,
        DF_METHODS,
        starter=True,
    ),
    Option(
        "reml",
        "boolean",
        "Fit by REML (true) or maximum likelihood (false); Kenward-Roger needs REML.",
        _DEFAULT.reml,
    ),
    Option(
        "fallback",
        "strings",
        "Covariance structures tried in order when the first does not converge.",
        list(_DEFAULT.fallback),
        COVARIANCES,
    ),
    Option(
        "lsmeans_weights",
        "string",
        "Weighting of covariate levels in least-squares means.",
        _DEFAULT.lsmeans_weights,
        LSMEANS_WEIGHTS,
    ),
    Option(
        "robust",
        "boolean",
        "Use sandwich (empirical) standard errors (with df_method between-within or residual).",
        _DEFAULT.robust,
    ),
    Option(
        "group_covariance",
        "boolean",
        "A separate covariance matrix per arm (SAS `GROUP=`).",
        _DEFAULT.group_covariance,
    ),
    Option(
        "kr_parametrization",
        "string",
        "Covariance parametrisation of the Kenward-Roger "
        'second-derivative term (df_method "kenward-roger").',
        _DEFAULT.kr_parametrization,
        KR_PARAMETRIZATIONS,
    ),
    Option("alpha", "number", "Two-sided significance level.", _DEFAULT.alpha, plan_key=False),
)
