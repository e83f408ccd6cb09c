r"""ANCOVA at each visit: a complete-case sensitivity analysis to the MMRM.

At visit :math:`v`, on the subjects with the outcome, baseline and covariates observed,

.. math::  y_{iv} = \beta_0 + \sum_{a \ne \mathrm{control}} \Delta_a\,[\mathrm{arm}_i = a]
           + \gamma\,\mathrm{baseline}_i + \delta'z_i + \varepsilon_i,

fitted by OLS (:func:`ols`: the pseudo-inverse of the design, as statsmodels ``OLS``) to all
:math:`k \ge 2` arms at once, so the residual variance is
pooled over the arms. Differences between arms (each arm minus the control, all pairs, or
given pairs) are contrasts of LS means. With a numeric dose :math:`d_i` the dose-response
trend is :math:`\hat\theta` in the same model with the dose in place of the arm factor,
:math:`y_{iv} = \beta_0 + \theta d_i + \gamma\,\mathrm{baseline}_i + \delta'z_i +
\varepsilon_i` (the regulatory "p-value (dose response)").

LS means hold continuous covariates at their means over the subjects analysed and average
factor covariates with equal (emmeans default, SAS LSMEANS) or proportional weights. The
adjusted difference :math:`\hat\Delta` has residual df :math:`n - p`; optional
heteroscedasticity-consistent SEs (HC0-HC3) keep those df, as emmeans does with a sandwich
``vcov.``.

Validated against: R ``lm`` + ``emmeans`` (and ``sandwich::vcovHC`` for HC SEs),
tests/reference/ancova_trial2; k arms, contrasts, the arm F test and the dose trend:
tests/reference/karm (``lm`` + ``emmeans``, HC3 from its definition).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from trialkit.core.errors import ModelError
from trialkit.core.results import ReadOnlyResult
from trialkit.data.codes import level_codes
from trialkit.inference.contrasts import COLUMNS, ContrastEngine
from trialkit.inference.sandwich import hc_covariance
from trialkit.models.accounting import ReasonNames, SampleAccounting, visit_name
from trialkit.models.comparisons import difference_rows, dose_values, pairs_for
from trialkit.models.degenerate import (
    check_inputs,
    check_residuals,
    check_sample,
    estimable_visits,
)
from trialkit.models.design import Design, arm_order, build_design, levels
from trialkit.specs import AncovaSpec
from trialkit.specs.comparisons import Comparisons, Dose, comparison_label


@dataclass(frozen=True, repr=False)
class AncovaResult(ReadOnlyResult):
    """Per-visit ANCOVA results.

    Attributes
    ----------
    arms
        The arms in model order: the control first, then the others in the data's order.
    comparisons
        The ``(a, b)`` pairs compared, each meaning ``a - b``.
    differences
        ``comparison, visit, estimate, std_error, df, ci_lower, ci_upper, t_value, p_value,
        n, n_control, n_treatment``: one row per comparison x visit (comparison-major).
        ``comparison`` is ``"a - b"``; ``n`` counts every subject in the visit's model,
        ``n_treatment`` those of arm ``a`` and ``n_control`` those of arm ``b``.
    lsmeans
        ``arm, visit`` + statistics (one row per arm x visit).
    type3
        ``visit, term, num_df, den_df, f_value, p_value``: F tests of each term at each
        visit (the arm test has ``k - 1`` numerator df); with ``robust``, Wald F tests with
        the HC covariance, on the same df.
    trend
        With ``dose=``: ``visit, estimate, std_error, df, ci_lower, ci_upper, t_value,
        p_value`` of the dose coefficient (outcome change per unit of dose); else ``None``.
    samples
        Subjects used and excluded (with reasons) at each visit.
    not_estimable
        ``{visit: reason}`` for requested visits where the model could not be fitted (no
        outcome in an arm, too few subjects, a singular design, ...); the other visits are
        analysed.
    """

    outcome: str
    arms: tuple[str, ...]
    visits: tuple[str, ...]
    robust: str | None
    lsmeans_weights: str
    alpha: float
    differences: pd.DataFrame
    lsmeans: pd.DataFrame
    samples: dict[str, SampleAccounting] = field(repr=False)
    not_estimable: dict[str, str] = field(default_factory=dict)
    comparisons: tuple[tuple[str, str], ...] = ()
    type3: pd.DataFrame | None = None
    trend: pd.DataFrame | None = None

    _headline = ("outcome", "visits", "robust", "alpha")

    def summary_frame(self) -> pd.DataFrame:
        """The differences between arms at each visit."""
        return self.differences

    @property
    def sample(self) -> SampleAccounting:
        """Accounting at the final visit (the usual primary time point)."""
        return self.samples[self.visits[-1]]


def fit_ancova(
    data: pd.DataFrame,
    *,
    outcome: str,
    arm: str,
    control: str,
    visit: str,
    subject: str,
    baseline: str | None,
    covariates: Sequence[str] = (),
    visits: Sequence[str] | None = None,
    spec: AncovaSpec | None = None,
    robust: str | None = None,
    lsmeans_weights: str | None = None,
    alpha: float | None = None,
    comparisons: Comparisons | None = None,
    dose: Dose | None = None,
    labels: Mapping[str, str] | None = None,
    visit_labels: Mapping[str, str] | None = None,
) -> AncovaResult:
    """Fit ``outcome ~ arm + baseline + covariates`` by OLS separately at each visit.

    Parameters
    ----------
    data
        Long data (one row per subject x visit); the baseline is a column of it.
    visits
        Visits to analyse (default: every visit in ``data``, in category order for a
        Categorical, numeric order for numbers, else sorted).
    spec
        The options as one :class:`~trialkit.specs.AncovaSpec` (default: its defaults).
    robust, lsmeans_weights, alpha
        Each, when given, replaces that field of ``spec``: ``robust`` is ``None`` for
        model-based SEs or an HC type (``"HC0"``-``"HC3"``).
    comparisons
        ``"vs_control"`` (default: each arm minus ``control``), ``"pairwise"`` (every pair,
        the later arm minus the earlier in the arm order) or a list of ``(a, b)`` pairs, each
        meaning ``a - b``. The arm order is ``control`` first, then the others in the data's
        order (pandas Categorical order, else sorted).
    dose
        A mapping arm -> numeric dose, or the name of a numeric dose column: adds
        :attr:`AncovaResult.trend`, the coefficient of dose in ``outcome ~ dose + baseline +
        covariates`` at each visit (same subjects, same SE type).
    labels, visit_labels
        Display names of columns (outcome, baseline, covariates) and of visit values, used
        in the reasons subjects and visits are left out; by default the column name and
        ``"week 8"`` (visit column and value).
    """
    names = ReasonNames(labels or {}, visit_labels or {})
    options = {"lsmeans_weights": lsmeans_weights, "alpha": alpha}
    if robust is not None or spec is None:
        options["robust"] = robust
    spec = AncovaSpec.from_options(spec, **options)
    robust, lsmeans_weights, alpha = spec.robust, spec.lsmeans_weights, spec.alpha
    if visits is None:
        visits = levels(data[visit])
    covs = ([baseline] if baseline else []) + [c for c in covariates if c != baseline]
    if dose is not None and arm in data.columns and subject in data.columns:
        # checked once on all rows, so a bad value is named by its row in ``data``
        arms_all = arm_order(data[arm], control, arm)
        dose_values(data, arm=arm, dose=dose, arms=arms_all, subject=subject)
    # only the model's columns: each visit's rows are taken from this frame
    keep = [outcome, arm, visit, subject, *covs, *([dose] if isinstance(dose, str) else [])]
    data = data[[c for c in dict.fromkeys(keep) if c in data.columns]]
    # rows collected per visit, each table built once at the end
    rows: dict[str, list[dict[str, object]]] = {"diff": [], "lsm": [], "type3": []}
    trends: list[pd.DataFrame] = []
    samples: dict[str, SampleAccounting] = {}
    not_estimable: dict[str, str] = {}
    arms: tuple[str, ...] | None = None
    pairs: tuple[tuple[str, str], ...] = ()
    for v in visits:
        try:
            design, fitted = _fit_visit(
                data, str(v), outcome, arm, control, visit, subject, covs, robust, dose, names
            )
        except ModelError as exc:
            not_estimable[str(v)] = str(exc)
            continue
        if arms is None:
            arms = design.arms
            pairs = pairs_for(arms, comparisons)
        engine = _engine(fitted, design.n_obs, design.k, alpha)
        L, labels = design.lsmean_rows(lsmeans_weights)
        labels["visit"] = str(v)
        rows["lsm"] += [
            {"arm": a, "visit": str(v), **engine.estimate(c)}
            for a, c in zip(labels["arm"].tolist(), L, strict=True)
        ]
        D, dlabels = difference_rows(L, labels, pairs)
        n = design.sample.n_subjects
        rows["diff"] += [
            {
                "comparison": label,
                "visit": str(v),
                **engine.estimate(c),
                "n": sum(n.values()),
                "n_control": n.get(b, 0),
                "n_treatment": n.get(a, 0),
            }
            for label, c, (a, b) in zip(dlabels["comparison"].tolist(), D, pairs, strict=True)
        ]
        rows["type3"] += _term_tests(design, engine, str(v))
        if dose is not None:
            trends.append(_trend(design, robust, alpha))
        samples[str(v)] = design.sample
    if arms is None:
        reasons = list(dict.fromkeys(not_estimable.values()))
        if len(reasons) == 1 and len(not_estimable) > 1:
            raise ModelError(f"{reasons[0]} (at every visit)")
        raise ModelError(
            "; ".join(
                f"{visit_name(visit, v, names.visits)}: {r}" for v, r in not_estimable.items()
            )
            if len(not_estimable) > 1
            else reasons[0]
        )
    order = {comparison_label(a, b): i for i, (a, b) in enumerate(pairs)}
    rows["diff"].sort(key=lambda r: order[str(r["comparison"])])  # stable: visits within
    differences = pd.DataFrame(
        rows["diff"], columns=["comparison", "visit", *COLUMNS, "n", "n_control", "n_treatment"]
    )
    return AncovaResult(
        outcome=outcome,
        arms=arms,
        visits=tuple(samples),
        robust=robust,
        lsmeans_weights=lsmeans_weights,
        alpha=alpha,
        differences=differences,
        lsmeans=pd.DataFrame(rows["lsm"], columns=["arm", "visit", *COLUMNS]),
        samples=samples,
        not_estimable=not_estimable,
        comparisons=pairs,
        type3=pd.DataFrame(rows["type3"], columns=TYPE3_COLUMNS),
        trend=pd.concat(trends, ignore_index=True) if dose is not None else None,
    )


def _engine(
    fitted: tuple[np.ndarray, np.ndarray], n_obs: int, rank: int, alpha: float
) -> ContrastEngine:
    beta, cov = fitted
    return ContrastEngine(
        beta=beta,
        vcov=cov,
        phi=cov,
        df_method="residual",
        alpha=alpha,
        n_obs=n_obs,
        rank=rank,
    )


TYPE3_COLUMNS = ["visit", "term", "num_df", "den_df", "f_value", "p_value"]


def _term_tests(design: Design, engine: ContrastEngine, v: str) -> list[dict[str, object]]:
    """F test of each term's coefficients = 0 (no term of the ANCOVA contains another, so
    these are the Type II = Type III tests of R ``drop1(test = "F")``): rows of
    :data:`TYPE3_COLUMNS`."""
    eye = np.eye(design.k)
    return [
        {"visit": v, "term": t.name, **engine.f_test(eye[list(t.columns)])}
        for t in design.terms
        if t.name != "(Intercept)"
    ]


def _trend(design: Design, robust: str | None, alpha: float) -> pd.DataFrame:
    """The dose coefficient of ``outcome ~ dose + covariates`` on the same rows."""
    trend = design.trend_design()
    L, labels = trend.trend_rows()
    return _engine(ols(trend.y, trend.X, robust), trend.n_obs, trend.k, alpha).table(L, labels)


def _fit_visit(
    data: pd.DataFrame,
    v: str,
    outcome: str,
    arm: str,
    control: str,
    visit: str,
    subject: str,
    covs: list[str],
    robust: str | None,
    dose: Dose | None = None,
    names: ReasonNames | None = None,
) -> tuple[Design, tuple[np.ndarray, np.ndarray]]:
    """OLS at one visit; ModelError when that visit cannot identify the model."""
    names = names or ReasonNames({}, {})
    at_visit = data.iloc[np.flatnonzero(level_codes(data[visit], [v]) == 0)]
    estimable_visits(
        at_visit,
        outcome=outcome,
        arm=arm,
        visit=visit,
        visits=[v],
        labels=names.columns,
        visit_labels=names.visits,
    )
    check_inputs(
        at_visit,
        outcome=outcome,
        arm=arm,
        subject=subject,
        visit=visit,
        visits=[v],
        covariates=covs,
        labels=names.columns,
    )
    design = build_design(
        at_visit,
        outcome=outcome,
        arm=arm,
        control=control,
        visit=visit,
        subject=subject,
        covariates=covs,
        visits=[v],
        visit_terms=False,
        dose=dose,
        labels=names.columns,
        visit_labels=names.visits,
    )
    label = names.columns.get(outcome, outcome)
    check_sample(design.sample, label, design.n_obs, design.k)
    check_residuals(design.y, design.X, label)
    return design, ols(design.y, design.X, robust)


def ols(y: np.ndarray, X: np.ndarray, robust: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    r"""Least-squares coefficients and their covariance.

    :math:`\hat\beta = X^+ y` and :math:`(X'X)^{-1} = X^+ X^{+\prime}` from the pseudo-inverse
    :math:`X^+` (as statsmodels ``OLS``); the covariance is
    :math:`\hat\sigma^2 (X'X)^{-1}` with :math:`\hat\sigma^2 = \mathrm{RSS}/(n-k)`, or the
    ``robust`` (``"HC0"``-``"HC3"``) sandwich of
    :func:`~trialkit.inference.sandwich.hc_covariance`.

    Validated against: R ``lm`` + ``sandwich::vcovHC`` (tests/reference/ancova_trial2, 1e-9).
    """
    pinv = np.linalg.pinv(X)
    beta = pinv @ y
    bread = pinv @ pinv.T
    resid = y - X @ beta
    if robust:
        return beta, hc_covariance(X, resid, bread, robust)
    n, k = X.shape
    return beta, bread * (resid @ resid / (n - k))
