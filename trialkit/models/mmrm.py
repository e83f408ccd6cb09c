r"""Mixed model for repeated measures (MMRM): a marginal linear model with no random effects.

.. math::

    y_i = X_i\beta + \varepsilon_i,\qquad \varepsilon_i \sim N(0, \Sigma_i(\theta)),

where :math:`\Sigma_i` is the submatrix of the visit covariance for the visits subject
:math:`i` attended (missing at random). The mean model is arm x visit plus covariates and
covariate x visit terms (see :mod:`trialkit.models.design`), for any number :math:`k \ge 2`
of arms in one model; :math:`\theta` is estimated by REML (default) or ML and
:math:`\hat\beta` by generalised least squares. Differences between arms are contrasts of
LS means (:mod:`trialkit.models.comparisons`); the dose-response trend and Type III tests
are in :mod:`trialkit.models.mmrm_engine`.

Validated against: R mmrm 0.3.18 + emmeans 1.8.4 (fev_data: 9 structures x REML/ML x
Satterthwaite / Kenward-Roger / Kenward-Roger-Linear), SAS PROC MIXED ``DDFM=KR`` and
``DDFM=KR(LINEAR)`` (fev_data, 9 structures), nlme::gls + emmeans
(tests/reference/mmrm_trial2), and R mmrm + emmeans with 3 and 4 arms (tests/reference/karm).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from trialkit.core.errors import ModelError
from trialkit.core.results import ReadOnlyResult
from trialkit.inference.contrasts import ContrastEngine
from trialkit.models.accounting import SampleAccounting
from trialkit.models.comparisons import difference_rows, pairs_for
from trialkit.models.covariance import Structure
from trialkit.models.degenerate import (
    check_inputs,
    check_residuals,
    check_sample,
    estimable_visits,
)
from trialkit.models.design import Design, build_design, levels
from trialkit.models.effect_size import EFFECT_SIZE_DEFINITION, cohens_d
from trialkit.models.likelihood import Likelihood
from trialkit.models.mmrm_engine import contrast_engine, dose_trend
from trialkit.models.mmrm_engine import type3 as mmrm_type3
from trialkit.models.optimize import OptimResult, maximise
from trialkit.models.patterns import build_patterns
from trialkit.models.retention import observed_retention
from trialkit.specs import MMRMSpec
from trialkit.specs.comparisons import Comparisons, Dose


@dataclass(frozen=True)
class Attempt:
    """One covariance structure tried by the fallback ladder."""

    covariance: str
    converged: bool
    message: str
    iterations: int


@dataclass(frozen=True)
class Diagnostics:
    """Convergence diagnostics of the structure that was used."""

    gradient_norm: float
    hessian_positive_definite: bool
    iterations: int
    message: str


@dataclass(frozen=True, repr=False)
class MMRMResult(ReadOnlyResult):
    """A fitted MMRM. DataFrames use ``estimate, std_error, df, ci_lower, ci_upper, p_value``.

    Attributes
    ----------
    arms
        The arms in model order: the control first, then the others in the data's order.
    comparisons
        The ``(a, b)`` pairs compared, each meaning ``a - b``.
    differences
        ``comparison, visit`` + statistics: arm ``a`` minus arm ``b`` (``comparison`` is
        ``"a - b"``) at each visit, one row per comparison x visit (comparison-major).
    lsmeans
        LS means by ``arm`` x ``visit`` (visit-major, arms in order).
    coefficients
        Fixed effects (``term`` + statistics), named like R.
    type3
        Type III F tests (``term, num_df, den_df, f_value, p_value``); for k arms the arm
        test has k - 1 and the arm x visit test (k - 1)(t - 1) numerator df.
    trend
        With ``dose=``: the dose-response test, ``visit`` + statistics of the dose slope at
        each visit (outcome change per unit of dose) in the model with the numeric dose in
        place of the arm factor; else ``None``.
    effect_sizes
        Cohen's d per visit (see :data:`EFFECT_SIZE_DEFINITION`), when a baseline was given.
    sample
        Subjects and observations used, by arm, and the excluded subjects with reasons.
    attempts
        Every covariance structure tried, in order, and why it was or was not used.
    not_estimable
        ``{visit: reason}`` for requested visits left out because an arm has no observed
        outcome there (the model is fitted on the other visits).
    """

    outcome: str
    covariance: str
    requested_covariance: str
    df_method: str
    reml: bool
    robust: bool
    lsmeans_weights: str
    alpha: float
    arms: tuple[str, ...]
    visits: tuple[str, ...]
    coefficients: pd.DataFrame
    lsmeans: pd.DataFrame
    differences: pd.DataFrame
    type3: pd.DataFrame
    effect_sizes: pd.DataFrame | None
    effect_size_definition: str
    covariance_matrix: pd.DataFrame | dict[str, pd.DataFrame]
    loglik: float
    aic: float
    bic: float
    n_theta: int
    theta: np.ndarray
    converged: bool
    diagnostics: Diagnostics
    attempts: tuple[Attempt, ...]
    sample: SampleAccounting
    engine: ContrastEngine = field(repr=False)
    lsmean_matrix: np.ndarray = field(repr=False)
    not_estimable: dict[str, str] = field(default_factory=dict)
    retention: pd.DataFrame | None = field(default=None, repr=False)
    comparisons: tuple[tuple[str, str], ...] = ()
    difference_matrix: np.ndarray | None = field(default=None, repr=False)
    trend: pd.DataFrame | None = None

    _headline = ("outcome", "covariance", "df_method", "reml", "loglik", "n_subjects")

    @property
    def n_subjects(self) -> int:
        return self.sample.total_subjects

    def summary_frame(self) -> pd.DataFrame:
        """The differences between arms at each visit."""
        return self.differences

    @property
    def n_observations(self) -> int:
        return self.sample.total_observations

    def contrast(
        self, weights: Sequence[float], label: str = "contrast", comparison: str | None = None
    ) -> pd.DataFrame:
        """A user-defined contrast of one comparison's per-visit differences, e.g. their
        average.

        ``weights`` has one entry per visit; ``[0.5, 0.5]`` over two visits is the average
        treatment effect. ``comparison`` is a label of :attr:`differences` (default: the
        first comparison). Returns one row: ``contrast`` + statistics.
        """
        w = np.asarray(weights, dtype=float)
        if w.size != len(self.visits):
            raise ValueError(f"weights need one value per visit ({len(self.visits)})")
        labels = self.differences["comparison"].to_numpy()
        wanted = labels[0] if comparison is None else comparison
        if wanted not in labels:
            raise ValueError(
                f"comparison '{wanted}' is not one of: {', '.join(dict.fromkeys(labels))}"
            )
        c = w @ self.difference_matrix[labels == wanted]
        return self.engine.table(c[None, :], pd.DataFrame({"contrast": [label]}))

    def average_difference(self, comparison: str | None = None) -> pd.DataFrame:
        """Average difference over all visits (of ``comparison``, default the first)."""
        n = len(self.visits)
        return self.contrast(np.full(n, 1.0 / n), "average over visits", comparison)

    def contrast_coefficients(self, L: np.ndarray, labels: Sequence[str]) -> pd.DataFrame:
        """Arbitrary linear combinations ``L beta`` (one row of ``L`` per contrast)."""
        return self.engine.table(np.atleast_2d(L), pd.DataFrame({"contrast": list(labels)}))


def fit_mmrm(
    data: pd.DataFrame,
    *,
    outcome: str,
    arm: str,
    control: str,
    visit: str,
    subject: str,
    covariates: Sequence[str] = (),
    visit_covariates: Sequence[str] = (),
    baseline: str | None = None,
    coordinates: Sequence[str] | None = None,
    visits: Sequence[str] | None = None,
    visit_terms: bool = True,
    spec: MMRMSpec | None = None,
    covariance: str | None = None,
    df_method: str | None = None,
    reml: bool | None = None,
    robust: bool | None = None,
    group_covariance: bool | None = None,
    lsmeans_weights: str | None = None,
    alpha: float | None = None,
    fallback: Sequence[str] | None = None,
    kr_parametrization: str | None = None,
    comparisons: Comparisons | None = None,
    dose: Dose | None = None,
    labels: Mapping[str, str] | None = None,
    visit_labels: Mapping[str, str] | None = None,
) -> MMRMResult:
    """Fit an MMRM and compute LS means, treatment differences per visit and tests.

    Parameters
    ----------
    data
        Long data: one row per subject x visit; the outcome may be missing.
    baseline
        Column holding the outcome's baseline value, for Cohen's d.
    coordinates
        For ``sp_exp``: columns holding each observation's coordinates (Euclidean
        distance, like SAS ``TYPE=SP(EXP)(c1 c2)``); default: the visit index.
    visit_terms
        ``False`` fits ``outcome ~ covariates + arm`` (no visit or arm x visit terms, as SAS
        ``MODEL y = arm``); LS means and the difference are then over all visits.
    spec
        The fitting options as one :class:`~trialkit.specs.MMRMSpec` (default: its defaults:
        unstructured covariance, REML, Kenward-Roger (linear) df).
    covariance, df_method, reml, robust, group_covariance
        Each, when given, replaces that field of ``spec``; see :class:`~trialkit.specs.MMRMSpec`
        for their meaning, allowed values and the rules between them (checked before fitting).
    lsmeans_weights, alpha, fallback, kr_parametrization
        Likewise.
    comparisons
        ``"vs_control"`` (default: each arm minus ``control``), ``"pairwise"`` (every pair,
        the later arm minus the earlier in the arm order) or a list of ``(a, b)`` pairs, each
        meaning ``a - b``. All arms are fitted in one model whatever is compared; the arm
        order is ``control`` first, then the others in the data's order (pandas Categorical
        order, else sorted).
    dose
        A mapping arm -> numeric dose, or the name of a numeric dose column: adds
        :attr:`MMRMResult.trend`, the dose slope per visit of the same model with the dose in
        place of the arm factor.
    labels, visit_labels
        Display names of columns (outcome, covariates) and of visit values, used in the
        reasons subjects and visits are left out (``"no observed Pain (NRS) at Week 8"``);
        by default the column name and ``"week 8"`` (visit column and value).

    Raises
    ------
    ModelError
        An option is unknown or incompatible with another, the model cannot be fitted, or no
        structure of the fallback ladder converged (every attempt is named).
    """
    spec = MMRMSpec.from_options(
        spec,
        covariance=covariance,
        df_method=df_method,
        reml=reml,
        robust=robust,
        group_covariance=group_covariance,
        lsmeans_weights=lsmeans_weights,
        alpha=alpha,
        fallback=fallback,
        kr_parametrization=kr_parametrization,
    )
    ladder = list(spec.ladder())
    requested = spec.covariance
    visits, not_estimable = estimable_visits(
        data,
        outcome=outcome,
        arm=arm,
        visit=visit,
        visits=levels(data[visit]) if visits is None else visits,
        labels=labels,
        visit_labels=visit_labels,
    )
    check_inputs(
        data,
        outcome=outcome,
        arm=arm,
        subject=subject,
        visit=visit,
        visits=visits,
        covariates=[*covariates, *visit_covariates],
        labels=labels,
    )
    design = build_design(
        data,
        outcome=outcome,
        arm=arm,
        control=control,
        visit=visit,
        subject=subject,
        covariates=covariates,
        visit_covariates=visit_covariates,
        visits=visits,
        visit_terms=visit_terms,
        dose=dose,
        labels=labels,
        visit_labels=visit_labels,
    )
    pairs = pairs_for(design.arms, comparisons)
    label = (labels or {}).get(outcome, outcome)
    check_sample(design.sample, label, design.n_obs, design.k)
    check_residuals(design.y, design.X, label)
    t = len(design.visits)
    n_groups = len(design.arms) if spec.group_covariance else 1
    coord_rows = None
    if coordinates is not None:
        coord_rows = design_coordinates(data, design, subject, visit, list(coordinates))
    patterns = build_patterns(design, t, spec.group_covariance)
    spatial_patterns = (
        build_patterns(design, t, spec.group_covariance, coord_rows)
        if coord_rows is not None
        else None
    )
    theta0_emp = _start_covariance(design, t)
    attempts: list[Attempt] = []
    if t == 1:
        # one visit: no correlation to estimate, every structure is a single variance
        if ladder[0] != "us":
            attempts.append(
                Attempt(ladder[0], False, "only one visit: fitted as a single variance (us)", 0)
            )
        ladder = ["us"]
    chosen: tuple[str, Likelihood, OptimResult] | None = None
    for name in ladder:
        st = Structure(name, t)
        pats = spatial_patterns if (name == "sp_exp" and spatial_patterns) else patterns
        lik = Likelihood(pats, st, n_groups, design.k, design.n_obs, spec.reml)
        theta0 = np.concatenate([st.start(theta0_emp)] * n_groups)
        opt = maximise(lik, theta0)
        attempts.append(Attempt(name, opt.converged, opt.message, opt.iterations))
        if opt.converged:
            chosen = (name, lik, opt)
            break
    if chosen is None:
        tried = "; ".join(f"{a.covariance}: {a.message}" for a in attempts)
        raise ModelError(
            f"the MMRM for {outcome} did not converge with any structure tried ({tried})"
        )
    name, lik, opt = chosen
    return _results(
        design,
        lik,
        opt,
        name,
        requested,
        tuple(attempts),
        data,
        df_method=spec.df_method,
        reml=spec.reml,
        robust=spec.robust,
        weights=spec.lsmeans_weights,
        alpha=spec.alpha,
        baseline=baseline,
        subject=subject,
        kr_sas=spec.kr_parametrization == "sas",
        outcome=outcome,
        not_estimable=not_estimable,
        pairs=pairs,
        trend_coords=coord_rows if name == "sp_exp" else None,
        group_covariance=spec.group_covariance,
    )


def design_coordinates(
    data: pd.DataFrame, design: Design, subject: str, visit: str, columns: list[str]
) -> np.ndarray:
    """Coordinates of each design row (rows are sorted by subject then visit)."""
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ModelError(f"coordinate column(s) {', '.join(missing)} not found in the data")
    keyed = data.assign(_visit=data[visit].astype(str)).set_index([subject, "_visit"])[columns]
    ids = np.asarray(design.subject_ids, dtype=object)[design.subject]
    vis = np.asarray(design.visits, dtype=object)[design.visit]
    out = keyed.loc[list(zip(ids, vis, strict=True))].to_numpy(dtype=float)
    if not np.all(np.isfinite(out)):
        raise ModelError(f"coordinate column(s) {', '.join(columns)} have missing values")
    return out


def _start_covariance(design: Design, t: int) -> np.ndarray:
    beta = np.linalg.solve(design.X.T @ design.X, design.X.T @ design.y)
    res = np.full((design.n_subjects, t), np.nan)
    res[design.subject, design.visit] = design.y - design.X @ beta
    emp = pd.DataFrame(res).cov(min_periods=2).to_numpy()
    diag = np.nanmean(np.diag(emp)) if np.any(np.isfinite(np.diag(emp))) else 1.0
    emp = np.where(np.isfinite(emp), emp, 0.0)
    d = np.diag(emp).copy()
    d[d <= 0] = diag
    np.fill_diagonal(emp, d)
    eig = np.linalg.eigvalsh(emp)
    if eig.min() <= 1e-8 * eig.max():
        emp = np.diag(d)
    return emp


def _results(
    design: Design,
    lik: Likelihood,
    opt: OptimResult,
    name: str,
    requested: str,
    attempts: tuple[Attempt, ...],
    data: pd.DataFrame,
    *,
    df_method: str,
    reml: bool,
    robust: bool,
    weights: str,
    alpha: float,
    baseline: str | None,
    subject: str,
    kr_sas: bool,
    outcome: str,
    not_estimable: dict[str, str],
    pairs: tuple[tuple[str, str], ...],
    trend_coords: np.ndarray | None,
    group_covariance: bool,
) -> MMRMResult:
    ev = opt.evaluation
    theta = opt.theta
    options = {"df_method": df_method, "robust": robust, "alpha": alpha, "kr_sas": kr_sas}
    engine = contrast_engine(design, lik, opt, **options)
    coef = engine.table(np.eye(design.k), pd.DataFrame({"term": list(design.columns)}))
    lsm_L, lsm_labels = design.lsmean_rows(weights)
    lsmeans = engine.table(lsm_L, lsm_labels)
    diff_L, diff_labels = difference_rows(lsm_L, lsm_labels, pairs)
    differences = engine.table(diff_L, diff_labels)
    trend = None
    if design.dose is not None:
        trend = dose_trend(
            design,
            lik,
            theta,
            group_covariance=group_covariance,
            coords=trend_coords,
            **options,
        )
    type3 = mmrm_type3(design, engine)
    n_par = lik.n_theta
    loglik = -ev.nll
    n_for_bic = design.n_subjects
    es = None
    if baseline is not None:
        es = cohens_d(
            differences, data, design, subject=subject, baseline=baseline, arm=design.arm_name
        )
    cov_mats = [
        pd.DataFrame(s, index=list(design.visits), columns=list(design.visits)) for s in ev.sigmas
    ]
    return MMRMResult(
        outcome=outcome,
        covariance=name,
        requested_covariance=requested,
        df_method=df_method,
        reml=reml,
        robust=robust,
        lsmeans_weights=weights,
        alpha=alpha,
        arms=design.arms,
        visits=design.visits,
        coefficients=coef,
        lsmeans=lsmeans,
        differences=differences,
        type3=type3,
        effect_sizes=es,
        effect_size_definition=EFFECT_SIZE_DEFINITION,
        covariance_matrix=cov_mats[0]
        if lik.n_groups == 1
        else dict(zip(design.arms, cov_mats, strict=True)),
        loglik=loglik,
        aic=-2 * loglik + 2 * n_par,
        bic=-2 * loglik + n_par * np.log(n_for_bic),
        n_theta=n_par,
        theta=theta,
        converged=opt.converged,
        diagnostics=Diagnostics(opt.gradient_norm, opt.hessian_pd, opt.iterations, opt.message),
        attempts=attempts,
        sample=design.sample,
        engine=engine,
        lsmean_matrix=lsm_L,
        not_estimable=dict(not_estimable),
        retention=observed_retention(design),
        comparisons=pairs,
        difference_matrix=diff_L,
        trend=trend,
    )
