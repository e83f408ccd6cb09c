"""The pooled analysis: :func:`meta_analysis` and its frozen result."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import norm

from trialkit.core.errors import DataError, ModelError
from trialkit.core.results import ReadOnlyResult
from trialkit.meta.bias import EggerTest, egger_test
from trialkit.meta.heterogeneity import heterogeneity
from trialkit.meta.influence import influence_diagnostics, leave_one_out
from trialkit.meta.pooling import METHODS, fit_rma
from trialkit.meta.presets import get_preset
from trialkit.meta.studies import MEASURES, compute_effects

__all__ = ["MetaAnalysisResult", "meta_analysis", "pool_effects"]

_MEASURE_ALIASES = {"GENERIC": "GEN", "GEN": "GEN"}


@dataclass(frozen=True, repr=False)
class MetaAnalysisResult(ReadOnlyResult):
    """One pooled analysis. Statistics only: rendering lives in ``trialkit.report``.

    ``i2`` is a percentage as metafor prints it; ``studies.weight`` is in percent as RevMan
    shows it. ``statistic`` is z, or t with ``df`` degrees of freedom under HKSJ.
    """

    measure: str
    method: str
    hksj: bool
    smd_variance: str | None
    level: float
    k: int
    estimate: float
    std_error: float
    statistic: float
    df: float | None
    p_value: float
    ci_lower: float
    ci_upper: float
    tau2: float
    tau2_ci_lower: float
    tau2_ci_upper: float
    i2: float
    i2_ci_lower: float
    i2_ci_upper: float
    h2: float
    h2_ci_lower: float
    h2_ci_upper: float
    q: float
    q_df: int
    q_p_value: float
    pi_lower: float
    pi_upper: float
    studies: pd.DataFrame = field(repr=False)
    excluded: tuple[str, ...] = ()
    preset: str | None = None
    label: str = ""

    _headline = ("measure", "method", "k", "estimate", "ci_lower", "ci_upper", "i2")

    def summary_frame(self) -> pd.DataFrame:
        """The studies with their effects and weights."""
        return self.studies

    @property
    def statistic_name(self) -> str:
        return "z" if self.df is None else "t"

    @property
    def tau(self) -> float:
        return float(np.sqrt(self.tau2))

    @property
    def n_participants(self) -> float | None:
        cols = [c for c in ("n1", "n2", "n") if c in self.studies.columns]
        return float(self.studies[cols].to_numpy().sum()) if cols else None

    def _arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        s = self.studies
        return s["yi"].to_numpy(float), s["vi"].to_numpy(float), s["study"].to_numpy(object)

    def summary(self) -> pd.DataFrame:
        """The pooled estimate as a tidy one-row DataFrame."""
        return pd.DataFrame(
            {
                "estimate": [self.estimate],
                "std_error": [self.std_error],
                "df": [np.nan if self.df is None else self.df],
                "ci_lower": [self.ci_lower],
                "ci_upper": [self.ci_upper],
                "p_value": [self.p_value],
            }
        )

    def leave_one_out(self) -> pd.DataFrame:
        """The analysis repeated without each study in turn (``study`` = the one left out)."""
        if self.k < 3:
            raise ModelError("Leave-one-out needs at least 3 studies.")
        yi, vi, study = self._arrays()
        return leave_one_out(yi, vi, study, self.method, self.hksj, self.level)

    def influence(self) -> pd.DataFrame:
        """Studentised deleted residuals, Cook's distances and metafor's other diagnostics."""
        if self.k < 3:
            raise ModelError("Influence diagnostics need at least 3 studies.")
        yi, vi, study = self._arrays()
        return influence_diagnostics(yi, vi, study, self.method, self.hksj)

    def egger(self, model: str = "rma") -> EggerTest:
        """Egger's regression test; ``model="rma"`` (metafor default) or ``"lm"`` (classic)."""
        yi, vi, _ = self._arrays()
        return egger_test(yi, vi, self.method, self.hksj, model, self.level)

    def outliers(self) -> tuple[str, ...]:
        """Studies whose |studentised deleted residual| exceeds z_0.975 (about 1.96)."""
        inf = self.influence()
        return tuple(inf.loc[inf["outlier"], "study"].astype(str))

    def without(self, names) -> MetaAnalysisResult:
        """The same analysis without the named studies (a sensitivity analysis)."""
        names = tuple(str(n) for n in names)
        known = set(self.studies["study"].astype(str))
        unknown = [n for n in names if n not in known]
        if unknown:
            raise DataError(
                f"Cannot exclude {', '.join(repr(n) for n in unknown)}: no such study "
                f"(studies are {', '.join(sorted(known))})."
            )
        keep = ~self.studies["study"].astype(str).isin(names).to_numpy()
        return pool_effects(
            self.studies.loc[keep, [c for c in self.studies.columns if c not in _DERIVED]],
            measure=self.measure,
            method=self.method,
            hksj=self.hksj,
            smd_variance=self.smd_variance,
            level=self.level,
            excluded=self.excluded + names,
            preset=self.preset,
            label=self.label,
        )


_DERIVED = ("se", "weight", "ci_lower", "ci_upper")


def pool_effects(
    effects: pd.DataFrame,
    measure: str,
    method: str = "DL",
    hksj: bool = False,
    smd_variance: str | None = None,
    level: float = 0.95,
    excluded: tuple[str, ...] = (),
    preset: str | None = None,
    label: str = "",
) -> MetaAnalysisResult:
    """Pool a table of effects (``study, yi, vi`` + optional extra columns).

    Fixed effect: ``mu = sum w y / sum w`` with ``w = 1/v``; random effects: the same with
    ``w = 1/(v + tau2)`` and tau2 from :func:`trialkit.meta.pooling.estimate_tau2`.
    Prediction interval (metafor ``predict.rma``): ``mu +/- c sqrt(SE^2 + tau2)`` where ``c``
    is z_{1-alpha/2}, or t_{k-1} under HKSJ (then SE is the HKSJ SE).

    Validated against metafor 3.8-1 ``rma`` / ``predict`` / ``confint`` (tests/reference/metafor).
    """
    if method not in METHODS:
        raise DataError(f"Method must be one of {', '.join(METHODS)}, not {method!r}.")
    k = len(effects)
    if k < 1:
        raise DataError("No studies are left to pool.")
    yi = effects["yi"].to_numpy(float)
    vi = effects["vi"].to_numpy(float)
    fit = fit_rma(yi, vi, method, hksj)
    est, se = float(fit.beta[0]), float(fit.se[0])
    crit = fit.crit(level)
    stat, p = fit.test()
    het = heterogeneity(yi, vi, fit.tau2, method, level)
    pi_half = crit * np.sqrt(se**2 + fit.tau2)
    z = norm.ppf(0.5 + level / 2)
    studies = effects.reset_index(drop=True).assign(
        se=np.sqrt(vi),
        weight=100 * fit.weights / fit.weights.sum(),
        ci_lower=yi - z * np.sqrt(vi),
        ci_upper=yi + z * np.sqrt(vi),
    )
    return MetaAnalysisResult(
        measure=measure,
        method=method,
        hksj=hksj,
        smd_variance=smd_variance if measure == "SMD" else None,
        level=level,
        k=k,
        estimate=est,
        std_error=se,
        statistic=stat,
        df=fit.df,
        p_value=p,
        ci_lower=est - crit * se,
        ci_upper=est + crit * se,
        tau2=fit.tau2,
        tau2_ci_lower=het.tau2_ci_lower,
        tau2_ci_upper=het.tau2_ci_upper,
        i2=het.i2,
        i2_ci_lower=het.i2_ci_lower,
        i2_ci_upper=het.i2_ci_upper,
        h2=het.h2,
        h2_ci_lower=het.h2_ci_lower,
        h2_ci_upper=het.h2_ci_upper,
        q=het.q,
        q_df=het.q_df,
        q_p_value=het.q_p_value,
        pi_lower=est - pi_half,
        pi_upper=est + pi_half,
        studies=studies,
        excluded=tuple(excluded),
        preset=preset,
        label=label,
    )


def resolve_options(
    measure: str, method: str | None, hksj: bool | None, smd_variance: str | None, preset
) -> dict:
    """Merge explicit options over a preset's defaults (explicit options win).

    Returns a dict with ``measure, method, hksj, smd_variance``.
    """
    measure = _MEASURE_ALIASES.get(measure.upper(), measure.upper())
    if measure not in MEASURES:
        raise DataError(f"Measure must be one of MD, SMD, SMCR, SMCC, generic; not {measure!r}.")
    p = get_preset(preset) if preset else None
    return {
        "measure": measure,
        "method": (method or (p.method if p else "DL")).upper(),
        "hksj": bool(hksj if hksj is not None else (p.hksj if p else False)),
        "smd_variance": smd_variance or (p.smd_variance if p else "metafor"),
    }


def meta_analysis(
    studies: pd.DataFrame,
    measure: str = "SMD",
    method: str | None = None,
    hksj: bool | None = None,
    smd_variance: str | None = None,
    *,
    preset: str | None = None,
    prepost_r: float = 0.5,
    exclude=(),
    level: float = 0.95,
    label: str = "",
    source: str = "the study table",
    row_offset: int = 0,
) -> MetaAnalysisResult:
    """Pool studies the way Cochrane reviews do, validated against metafor.

    Parameters
    ----------
    studies
        One row per study: ``study, n1, m1, sd1, n2, m2, sd2`` (arm 1 = treatment), or
        ``study, n, m_pre, sd_pre, m_post[, sd_post][, r]`` (pre-post), or ``study, yi, se``.
    measure
        ``MD``, ``SMD`` (Hedges' g), ``SMCR``/``SMCC`` (pre-post) or ``GEN`` (generic).
    method
        ``FE``, ``DL``, ``REML`` or ``PM``; ``None`` means the preset's, else ``DL``.
    hksj
        Hartung-Knapp-Sidik-Jonkman CI and test (t with k - 1 df); ``None`` means the
        preset's, else ``False``.
    smd_variance
        ``metafor`` (large-sample) or ``revman5``; ``None`` means the preset's, else
        ``metafor``.
    preset
        ``revman5`` or ``revman-web``: supplies the options left at ``None``.
    prepost_r
        Assumed pre-post correlation for studies without an ``r`` column value.
    exclude
        Names of studies to leave out (recorded in ``excluded``).

    Validated against metafor 3.8-1 (tests/reference/metafor/README.md).
    """
    opts = resolve_options(measure, method, hksj, smd_variance, preset)
    eff = compute_effects(
        studies, opts["measure"], opts["smd_variance"], prepost_r, source, row_offset
    )
    res = pool_effects(eff, **opts, level=level, preset=preset, label=label)
    return res.without(exclude) if len(exclude) else res
