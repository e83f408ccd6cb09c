"""Attrition: who was followed up, why not, and whether drop-out differed by arm.

"Assessed" is the assessment outcome observed at a visit (primary outcome by default; see
:mod:`trialkit.summaries.assessment`). Per arm the summary gives

* per visit: n assessed and its percentage of those randomised;
* reasons: withdrawal reasons, and per visit the reasons for not being assessed;
* missing-data patterns: a string over the visits (``X`` observed, ``.`` missing, e.g.
  ``"XX."``) and its kind: **complete** (all observed), **none** (nothing observed),
  **monotone** (observed up to some visit, missing at every later one) or **intermittent**
  (an observed visit after a missing one);
* per post-baseline visit and each arm vs the control (``comparison`` ``"arm - control"``;
  one comparison in a two-arm trial), differential attrition: Fisher's exact test on the
  2 x 2 table (arm x not assessed / assessed) of the two arms. ``estimate`` is the
  conditional maximum-likelihood odds ratio of *not* being assessed, arm vs control, with
  its exact conditional CI (as R ``fisher.test``); ``sample_odds_ratio`` is
  ``(a d) / (b c)`` (all from :mod:`trialkit.inference.fisher`).
  The exact CI costs time that grows with the table (n^1.4); when the top-left cell can take
  more than :data:`EXACT_CI_MAX_SUPPORT` + 1 values given the margins (e.g. more than 200
  subjects not assessed at that visit, in large trials), the CI is Woolf's logit interval
  ``exp(log OR_s +/- z sqrt(1/a + 1/b + 1/c + 1/d))`` around the sample odds ratio (0.5
  added to every cell when one is zero), and ``ci_method`` says ``"woolf"`` instead of
  ``"exact"``. The estimate and p-value stay exact (cheap at any size);
* completers vs non-completers: completer = assessment outcome observed at the final
  visit. Baseline-table variables are described in both groups with standardised
  differences (non-completers minus completers);
* time of last assessment: subjects by the last visit with an observed outcome.

Validated against R 4.x ``fisher.test`` and R's Woolf interval (tests/reference/summaries/)
and hand counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtri

from trialkit.data.trial import Trial, arm_label, arm_order
from trialkit.inference.fisher import fisher_test
from trialkit.specs.comparisons import comparison_label
from trialkit.summaries.assessment import (
    assessment_grid,
    count_reasons,
    flag_series,
    not_assessed_reasons,
    reason_series,
)
from trialkit.summaries.baseline import baseline_frame, baseline_specs
from trialkit.summaries.describe import GroupDescription, describe_groups

COMPLETER = "Completer"
NON_COMPLETER = "Non-completer"
PATTERN_KINDS = ("complete", "monotone", "intermittent", "none")
TIDY = ["estimate", "std_error", "df", "ci_lower", "ci_upper", "p_value"]
#: Largest number of support points - 1 of the conditional distribution for the exact CI.
EXACT_CI_MAX_SUPPORT = 200


@dataclass(frozen=True)
class VisitAttrition:
    arm: str
    visit: str
    label: str
    n_randomised: int
    n_assessed: int
    percent_assessed: float


@dataclass(frozen=True)
class DifferentialAttrition:
    """Fisher's exact test of not being assessed at ``visit``, an arm vs control.

    The ``treatment`` counts are those of the compared arm (``comparison`` is
    ``"arm - control"``).
    """

    visit: str
    n_missing_control: int
    n_control: int
    n_missing_treatment: int
    n_treatment: int
    estimate: float
    ci_lower: float
    ci_upper: float
    sample_odds_ratio: float
    p_value: float
    std_error: float = math.nan
    df: float = math.nan
    ci_method: str = "exact"  # "exact" (conditional, fisher.test) or "woolf" (logit)
    comparison: str = ""


@dataclass(frozen=True)
class AttritionSummary:
    """Attrition results; every part has a tidy DataFrame view."""

    arms: tuple[str, ...]
    arm_labels: dict[str, str]
    visits: tuple[str, ...]
    assessed_by: str
    by_visit: tuple[VisitAttrition, ...]
    reasons: pd.DataFrame
    patterns: pd.DataFrame
    differential: tuple[DifferentialAttrition, ...]
    completers: GroupDescription
    last_assessment: pd.DataFrame

    def by_visit_frame(self) -> pd.DataFrame:
        return pd.DataFrame([v.__dict__ for v in self.by_visit])

    def differential_frame(self) -> pd.DataFrame:
        """Tidy: ``comparison, visit, estimate, std_error, df, ci_lower, ci_upper, p_value``
        + counts (comparison-major)."""
        cols = list(DifferentialAttrition.__dataclass_fields__)
        frame = pd.DataFrame([d.__dict__ for d in self.differential], columns=cols)
        rest = [c for c in frame.columns if c not in ("comparison", "visit", *TIDY)]
        return frame[["comparison", "visit", *TIDY, *rest]]

    def pattern_kinds(self) -> pd.DataFrame:
        """Counts of each pattern kind per arm: ``arm, kind, n`` (all four kinds listed)."""
        counts = self.patterns.groupby(["arm", "kind"], sort=False)["n"].sum()
        full = pd.MultiIndex.from_product(
            [list(self.arms), list(PATTERN_KINDS)], names=["arm", "kind"]
        )
        return counts.reindex(full, fill_value=0).astype("int64").rename("n").reset_index()

    def differential_at(self, visit: str, comparison: str | None = None) -> DifferentialAttrition:
        """The test at ``visit`` (of ``comparison``, default the first arm vs control)."""
        for d in self.differential:
            if d.visit == visit and (comparison is None or d.comparison == comparison):
                return d
        raise KeyError((visit, comparison))


def classify_patterns(observed: np.ndarray) -> np.ndarray:
    """Kind of each row of a subjects x visits observed matrix (see module docstring)."""
    obs = np.asarray(observed, dtype=bool)
    seen_missing = np.logical_or.accumulate(~obs, axis=1)
    intermittent = (seen_missing & obs).any(axis=1)
    kind = np.where(intermittent, "intermittent", "monotone").astype(object)
    kind[obs.all(axis=1)] = "complete"
    kind[~obs.any(axis=1)] = "none"
    return kind


def fisher_attrition(
    table: np.ndarray, alpha: float = 0.05
) -> tuple[float, float, float, float, float, str]:
    """Conditional MLE odds ratio, its CI, the sample odds ratio, the p-value and CI method.

    ``table`` is ``[[missing_t, assessed_t], [missing_c, assessed_c]]``. The CI is the exact
    conditional one (R ``fisher.test``) while the top-left cell has at most
    :data:`EXACT_CI_MAX_SUPPORT` + 1 possible values given the margins, else Woolf's logit
    interval around the sample odds ratio (0.5 added to every cell if one is zero).

    Validated against R ``fisher.test`` (exact) and R's Woolf interval
    (tests/reference/summaries/attrition_large.R).
    """
    t = np.asarray(table, dtype=int)
    col, row = int(t[:, 0].sum()), int(t[0].sum())
    support = min(col, row) - max(0, row - int(t[:, 1].sum()))
    exact = support <= EXACT_CI_MAX_SUPPORT
    res = fisher_test(t, alpha, ci=exact)
    lo, hi = (res.ci_lower, res.ci_upper) if exact else woolf_ci(t, alpha)
    method = "exact" if exact else "woolf"
    return res.estimate, lo, hi, res.sample_odds_ratio, res.p_value, method


def woolf_ci(table: np.ndarray, alpha: float = 0.05) -> tuple[float, float]:
    """Woolf's (logit) CI for the odds ratio ``(a d)/(b c)`` of a 2 x 2 table.

    ``exp(log(ad/bc) +/- z_{1-alpha/2} sqrt(1/a + 1/b + 1/c + 1/d))``, with 0.5 added to
    every cell when one is zero (Haldane-Anscombe).
    """
    cells = np.asarray(table, dtype=float).ravel()
    if np.any(cells == 0):
        cells = cells + 0.5
    a, b, c, d = cells
    log_or = math.log(a * d / (b * c))
    half = float(ndtri(1 - alpha / 2)) * math.sqrt(float(np.sum(1 / cells)))
    return math.exp(log_or - half), math.exp(log_or + half)


def attrition_summary(trial: Trial, *, assessed_by: str | None = None) -> AttritionSummary:
    """Summarise attrition.

    Parameters
    ----------
    trial
        The trial.
    assessed_by
        Outcome that defines "assessed" (``None`` = primary; an outcome name; ``"any"``).

    Returns
    -------
    AttritionSummary

    Notes
    -----
    Validated against R ``fisher.test`` (odds ratio, exact CI, p), hand counts and the
    sample generator's known patterns (tests/test_summaries_*.py).
    """
    arms = arm_order(trial)
    grid = assessment_grid(trial, assessed_by)
    arm = grid.arm
    visits = trial.plan.visits
    randomised = arm.value_counts().reindex(list(arms)).fillna(0).astype(int)
    assessed = grid.observed.groupby(arm.to_numpy()).sum().reindex(list(arms)).fillna(0).astype(int)
    by_visit = tuple(
        VisitAttrition(
            a,
            v,
            visits.label(v),
            int(randomised[a]),
            int(assessed.at[a, v]),
            100.0 * assessed.at[a, v] / randomised[a] if randomised[a] else math.nan,
        )
        for a in arms
        for v in visits.order
    )

    disp = trial.plan.disposition
    reason_parts = []
    withdrew = flag_series(trial, disp.withdrew)
    if withdrew is not None:
        idx = withdrew.index[withdrew.to_numpy()]
        w = count_reasons(arm, reason_series(trial, disp.withdrew_reason, idx), arms)
        reason_parts.append(w.assign(kind="withdrawal", visit=None))
    for v in visits.post_baseline:
        c = count_reasons(arm, not_assessed_reasons(trial, grid, v), arms)
        reason_parts.append(c.assign(kind="not_assessed", visit=v))
    reasons = pd.concat(reason_parts, ignore_index=True)[["arm", "kind", "visit", "reason", "n"]]

    kinds = classify_patterns(grid.observed.to_numpy())
    pat = pd.DataFrame(
        {"arm": arm.to_numpy(), "pattern": grid.pattern_strings().to_numpy(), "kind": kinds}
    )
    patterns = pat.groupby(["arm", "pattern", "kind"], sort=False).size().rename("n").reset_index()
    patterns["arm"] = pd.Categorical(patterns["arm"], categories=list(arms))
    patterns = patterns.sort_values(["arm", "n", "pattern"], ascending=[True, False, False])
    patterns = patterns.astype({"arm": object}).reset_index(drop=True)

    missing = assessed.rsub(randomised, axis=0)
    differential = []
    for other in arms[1:]:
        for v in visits.post_baseline:
            mt, mc = int(missing.at[other, v]), int(missing.at[arms[0], v])
            nt, nc = int(randomised[other]), int(randomised[arms[0]])
            est, lo, hi, sor, p, how = fisher_attrition(
                np.array([[mt, nt - mt], [mc, nc - mc]]), trial.plan.analysis.alpha
            )
            differential.append(
                DifferentialAttrition(
                    v,
                    mc,
                    nc,
                    mt,
                    nt,
                    est,
                    lo,
                    hi,
                    sor,
                    p,
                    ci_method=how,
                    comparison=comparison_label(other, arms[0]),
                )
            )

    final = visits.order[-1]
    group = pd.Series(
        np.where(grid.observed[final].to_numpy(), COMPLETER, NON_COMPLETER),
        index=grid.observed.index,
        dtype=object,
    )
    completers = describe_groups(
        baseline_frame(trial),
        group,
        (COMPLETER, NON_COMPLETER),
        baseline_specs(trial),
        overall=None,
        smd=True,
        p_values=False,
    )

    last = grid.last_observed().fillna("none")
    labels = {v: visits.label(v) for v in visits.order} | {"none": "No assessment"}
    last_tab = pd.crosstab(
        pd.Categorical(last, categories=[*visits.order, "none"]), arm.to_numpy(), dropna=False
    )
    last_tab = last_tab.reindex(columns=list(arms), fill_value=0)
    last_assessment = (
        last_tab.rename_axis(index="visit", columns="arm").stack().rename("n").reset_index()
    )
    last_assessment["visit"] = last_assessment["visit"].astype(object)
    last_assessment.insert(2, "label", last_assessment["visit"].map(labels))
    last_assessment = last_assessment[["arm", "visit", "label", "n"]].astype({"n": "int64"})
    order = last_assessment["arm"].map({a: i for i, a in enumerate(arms)})
    last_assessment = last_assessment.iloc[np.argsort(order.to_numpy(), kind="stable")]
    last_assessment = last_assessment.reset_index(drop=True)
    return AttritionSummary(
        arms=arms,
        arm_labels={a: arm_label(trial, a) for a in arms},
        visits=tuple(visits.order),
        assessed_by=grid.assessed_by,
        by_visit=by_visit,
        reasons=reasons,
        patterns=patterns,
        differential=tuple(differential),
        completers=completers,
        last_assessment=last_assessment,
    )
