"""Frozen results of reference-based imputation and of the tipping-point analysis.

Both are :class:`~trialkit.core.results.ReadOnlyResult`: every table comes back as a copy,
``repr`` is one line and :meth:`summary` gives the main table as text.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from trialkit.core.results import ReadOnlyResult


@dataclass(frozen=True, repr=False)
class ImputationResult(ReadOnlyResult):
    """Pooled treatment differences and LS means after imputation.

    Tidy frames use ``estimate, std_error, df, ci_lower, ci_upper, p_value``; ``df`` is
    infinite where a normal reference is used (jackknife, bootstrap).

    Attributes
    ----------
    method, resampling, analysis
        ``condmean`` + ``jackknife``/``bootstrap``, or ``approxbayes``; ``ancova``/``mmrm``.
    n_samples
        Resampled or imputed data sets combined (jackknife: one per subject).
    seed
        The entropy of the ``SeedSequence`` used (pass it back as ``seed=`` to reproduce).
    notes
        Plain sentences about the run (e.g. "no missing values, nothing was imputed").
    differences
        Treatment - control by visit; with more than two arms one row per comparison x visit
        (comparison-major) with a ``comparison`` column (``"a - b"``).
    lsmeans
        LS means by arm and visit.
    events
        Subjects with an intercurrent event: arm, first visit affected, strategy, number of
        values imputed from it on.
    per_dataset
        Approximate Bayesian MI: each imputed data set's differences by comparison and visit
        (``imputation, comparison, visit, estimate, std_error``); ``None`` for conditional
        mean.
    """

    outcome: str
    method: str
    resampling: str | None
    analysis: str
    n_samples: int
    reference: dict[str, str]
    alpha: float
    seed: int | None
    arms: tuple[str, ...]
    visits: tuple[str, ...]
    n_subjects: int
    n_imputed: int
    n_failed_fits: int
    imputation_loglik: float
    notes: tuple[str, ...]
    differences: pd.DataFrame
    lsmeans: pd.DataFrame
    events: pd.DataFrame
    per_dataset: pd.DataFrame | None = None

    def monte_carlo_se(self) -> pd.DataFrame | None:
        """Monte-Carlo SE of the pooled difference, sqrt(B / M) by comparison and visit
        (approximate Bayesian MI only): how much the estimate would move with another seed."""
        per = self.per_dataset
        if per is None:
            return None
        keys = [k for k in ("comparison", "visit") if k in per.columns]
        g = per.groupby(keys, sort=False)["estimate"]
        out = (g.var(ddof=1) / g.count()) ** 0.5
        return out.rename("mc_se").reset_index()

    @property
    def comparisons(self) -> tuple[str, ...]:
        """The comparison labels, in order (two arms: ``("treatment - control",)``)."""
        if "comparison" in self.differences.columns:
            return tuple(dict.fromkeys(self.differences["comparison"].astype(str)))
        return (f"{self.arms[1]} - {self.arms[0]}",)

    @property
    def label(self) -> str:
        if self.method == "condmean":
            return f"conditional mean imputation, {self.resampling} SEs"
        return f"approximate Bayesian MI ({self.n_samples} imputations, Rubin's rules)"

    def __repr__(self) -> str:
        last = self.differences.iloc[-1]
        return (
            f"ImputationResult({self.outcome}: {self.label}; {self.n_subjects} subjects, "
            f"{self.n_imputed} values imputed; last visit {last['visit']}: "
            f"{last['estimate']:.4g} (SE {last['std_error']:.3g}))"
        )

    def summary_frame(self) -> pd.DataFrame:
        """The differences by comparison and visit."""
        return self.differences


@dataclass(frozen=True, repr=False)
class TippingPointResult(ReadOnlyResult):
    """Treatment difference at one visit over a grid of delta shifts.

    ``comparison`` is the difference tested (``"a - b"``). ``table`` has ``delta, estimate,
    std_error, df, ci_lower, ci_upper, p_value, significant``; ``tipping_points`` the deltas
    (by root finding) at which ``p_value`` crosses ``alpha``; empty when the conclusion does
    not change on the grid. ``base`` is the analysis without a shift.
    """

    outcome: str
    visit: str
    alpha: float
    delta_arm: str
    method: str
    tipping_points: tuple[float, ...]
    table: pd.DataFrame
    base: ImputationResult
    comparison: str = ""

    @property
    def tipping_point(self) -> float | None:
        """The first delta at which the conclusion changes, or ``None``."""
        return self.tipping_points[0] if self.tipping_points else None

    def __repr__(self) -> str:
        tp = "none on the grid" if not self.tipping_points else f"{self.tipping_points[0]:.4g}"
        return (
            f"TippingPointResult({self.outcome} at {self.visit}, delta on {self.delta_arm}: "
            f"{len(self.table)} deltas, tipping point {tp})"
        )

    def summary_frame(self) -> pd.DataFrame:
        """The grid table."""
        return self.table
