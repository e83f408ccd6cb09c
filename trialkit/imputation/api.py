"""``impute_and_analyse``: reference-based multiple imputation and conditional mean imputation
for a trial with two or more arms, following rbmi's draws -> impute -> analyse -> pool design.

Validated against: rbmi 1.6 (condmean + jackknife for MAR, JR, CR, CIR on fev_data; see
tests/test_imputation_rbmi.py; three arms, MAR and JR: tests/test_imputation_karm.py; three
arms with ``analysis="mmrm"``: tests/test_imputation_karm_mmrm.py),
mice 3.15 ``pool()`` (Rubin's rules).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from trialkit.core.parallel import (
    Execution,
    Executor,
    Progress,
    get_executor,
    single_threaded_blas,
)
from trialkit.imputation import pooling
from trialkit.imputation.analysis import ancova
from trialkit.imputation.analysis import mmrm as analysis_mmrm
from trialkit.imputation.approxbayes import approxbayes_datasets
from trialkit.imputation.condmean import condmean_datasets
from trialkit.imputation.delta import DeltaSpec, resolve_delta
from trialkit.imputation.draws import fit_full
from trialkit.imputation.grid import Grid, build_grid
from trialkit.imputation.impute import Imputer, make_batches
from trialkit.imputation.results import ImputationResult
from trialkit.imputation.strategies import Strategy, registry
from trialkit.models.comparisons import pairs_for
from trialkit.specs.comparisons import Comparisons, comparison_label
from trialkit.specs.imputation import ImputationSpec

#: Below this much work (resamples x subjects x visits) the tasks run in this process when
#: ``n_jobs`` is not given: starting workers costs more than it saves.
AUTO_PARALLEL_WORK = 200_000


@dataclass(frozen=True)
class Request:
    """What is imputed: the data's column roles, the intercurrent events and the strategies
    (the arguments of :func:`impute_and_analyse` that are not options of the method)."""

    outcome: str
    arm: str
    control: str
    visit: str
    subject: str
    covariates: tuple[str, ...] = ()
    visit_covariates: tuple[str, ...] = ()
    events: pd.DataFrame | None = None
    reference: dict[str, str] | None = None
    strategies: dict[str, Strategy] | None = None
    visits: tuple[str, ...] | None = None
    comparisons: Comparisons | None = None
    visit_labels: dict[str, str] | None = None  # display names of visits, for messages


def parse_arguments(
    spec: ImputationSpec | None = None,
    n_jobs: int | None = None,
    scheduler: Any = None,
    timeout: float = 10.0,
    progress: Progress | None = None,
    **arguments: Any,
) -> tuple[Request, ImputationSpec, Execution]:
    """Split :func:`impute_and_analyse`'s keyword arguments into the request, the imputation
    spec (``spec`` with the options given beside it) and where it runs."""
    roles = {k: arguments.pop(k) for k in list(arguments) if k in Request.__dataclass_fields__}
    for k in ("covariates", "visit_covariates", "visits"):
        if roles.get(k) is not None:
            roles[k] = tuple(roles[k])
    request = Request(**roles)
    return (
        request,
        ImputationSpec.from_options(spec, **arguments),
        Execution(n_jobs, scheduler, timeout, progress),
    )


@dataclass(frozen=True)
class Prepared:
    """Imputed data sets, before delta adjustment and analysis."""

    grid: Grid
    method: str
    resampling: str | None
    bootstrap_ci: str
    y_full: np.ndarray | None  # condmean: the full-data imputation
    Y: np.ndarray  # (D, n, t)
    W: np.ndarray | None  # (D, n) subject weights (condmean resampling)
    n_failed: int
    loglik: float
    seed: int | None
    reference: dict[str, str]
    notes: tuple[str, ...]
    pairs: tuple[tuple[int, int], ...] = ((1, 0),)  # compared arms (codes of grid.arms): a - b

    @property
    def labels(self) -> tuple[str, ...]:
        """``"a - b"`` for every compared pair."""
        arms = self.grid.arms
        return tuple(comparison_label(arms[a], arms[b]) for a, b in self.pairs)


def prepare(data: pd.DataFrame, request: Request, spec: ImputationSpec, run: Execution) -> Prepared:
    """Check the input, fit the imputation model and impute (see :func:`impute_and_analyse`)."""
    strat = registry(request.strategies)
    ss = spec.seed if isinstance(spec.seed, np.random.SeedSequence) else None
    ss = ss or np.random.SeedSequence(spec.seed)
    grid = build_grid(
        data,
        outcome=request.outcome,
        arm=request.arm,
        control=request.control,
        visit=request.visit,
        subject=request.subject,
        covariates=request.covariates,
        visit_covariates=request.visit_covariates,
        events=request.events,
        reference=request.reference,
        strategies=tuple(strat),
        visits=request.visits,
        post_event=spec.post_event,
        visit_labels=request.visit_labels,
    )
    named = pairs_for(grid.arms, request.comparisons)
    pairs = tuple((grid.arms.index(a), grid.arms.index(b)) for a, b in named)
    notes = list(grid.notes)
    if int(grid.missing.sum()) == 0:
        note = f"no missing {request.outcome} values: nothing was imputed (complete-data analysis)"
        notes.append(note)
        warnings.warn(note, stacklevel=3)
    with single_threaded_blas():
        ctx = fit_full(grid, group_covariance=spec.group_covariance, reml=spec.reml)
    imputer = Imputer(grid, make_batches(grid), strat)
    resampling = spec.resampling if spec.method == "condmean" else None
    n_tasks = grid.n if resampling == "jackknife" else int(spec.n_samples or 0)
    with _executor(run, work=n_tasks * grid.n * grid.t) as executor:
        if spec.method == "condmean":
            y_full, Y, W, n_failed = condmean_datasets(
                imputer, ctx, str(resampling), spec.n_samples, ss, executor
            )
        else:
            Y, n_failed = approxbayes_datasets(imputer, ctx, int(spec.n_samples), ss, executor)
            y_full, W = None, None
    ref = {a: grid.arms[int(r)] for a, r in zip(grid.arms, _refs(grid), strict=True)}
    if len(grid.arms) > 2:
        notes.append(
            f"{len(grid.arms)} arms in one imputation model and one analysis model; "
            f"comparisons: {', '.join(comparison_label(a, b) for a, b in named)}"
        )
    return Prepared(
        grid=grid,
        method=spec.method,
        resampling=resampling,
        bootstrap_ci=spec.bootstrap_ci,
        y_full=y_full,
        Y=Y,
        W=W,
        n_failed=n_failed,
        loglik=ctx.loglik,
        seed=int(ss.entropy) if not ss.spawn_key else None,  # a child: not reproducible by int
        reference=ref,
        notes=tuple(notes),
        pairs=pairs,
    )


def _executor(run: Execution, work: int) -> Executor:
    n_jobs = run.n_jobs
    if n_jobs is None and run.scheduler is None:
        n_jobs = -1 if work >= AUTO_PARALLEL_WORK else 1
    return get_executor(n_jobs, run.scheduler, timeout=run.timeout, progress=run.progress)


def _refs(grid: Grid) -> list[int]:
    out = []
    for a in range(len(grid.arms)):
        members = np.flatnonzero(grid.arm == a)
        out.append(int(grid.ref_arm[members[0]]) if members.size else a)
    return out


def _analyse(
    Y: np.ndarray, W: np.ndarray | None, prep: Prepared, analysis: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Estimates, SEs and df ``(D, t, len(pairs) + k)``: the differences, then the LS means."""
    grid = prep.grid
    if analysis == "mmrm":
        return analysis_mmrm(Y, W, grid, prep.pairs)
    est, se, df = ancova(Y, W, grid.analysis_X, len(grid.arms), prep.pairs)
    return est, se, np.repeat(df[:, :, None], est.shape[2], axis=2)


def pooled_arrays(
    prep: Prepared,
    delta: np.ndarray | None,
    alpha: float,
    analysis: str = "ancova",
    per_dataset: list | None = None,
) -> tuple[np.ndarray, ...]:
    """The pooled ``estimate, std_error, df, ci_lower, ci_upper, p_value``, each ``(t, q + k)``
    (visits x the compared pairs' differences, then each arm's LS mean); see
    :func:`pooled_tables`."""
    Y = prep.Y if delta is None else prep.Y + delta[None]
    est, se, df = _analyse(Y, prep.W, prep, analysis)
    labels = prep.labels
    t = prep.grid.t
    if per_dataset is not None and prep.method == "approxbayes":
        D = est.shape[0]
        per = pd.DataFrame(
            {
                "imputation": np.repeat(np.arange(1, D + 1), t * len(labels)),
                "comparison": np.tile(np.repeat(np.asarray(labels, dtype=object), t), D),
                "visit": np.tile(np.asarray(prep.grid.visits, dtype=object), D * len(labels)),
                "estimate": est[:, :, : len(labels)].transpose(0, 2, 1).ravel(),
                "std_error": se[:, :, : len(labels)].transpose(0, 2, 1).ravel(),
            }
        )
        per_dataset.append(per)
    nq = est.shape[2]
    out_est = np.empty((t, nq))
    out_se = np.empty((t, nq))
    out_df = np.full((t, nq), np.inf)
    lo, hi, p = (np.empty((t, nq)) for _ in range(3))
    if prep.method == "condmean":
        yf = prep.y_full if delta is None else prep.y_full + delta
        full_est, _, _ = _analyse(yf[None], None, prep, analysis)
        out_est = full_est[0]
        if prep.resampling == "jackknife":
            out_se = pooling.jackknife_se(est)
        else:
            out_se = est.std(axis=0, ddof=1)
        for v in range(t):
            for j in range(nq):
                if prep.resampling == "bootstrap" and prep.bootstrap_ci == "percentile":
                    lo[v, j], hi[v, j], p[v, j] = pooling.percentile(
                        out_est[v, j], est[:, v, j], alpha
                    )
                    out_se[v, j] = np.nan
                else:
                    lo[v, j], hi[v, j], p[v, j] = pooling.interval(
                        out_est[v, j], out_se[v, j], np.inf, alpha
                    )
    else:
        for v in range(t):
            for j in range(nq):
                e, s, d = pooling.rubin(est[:, v, j], se[:, v, j], float(np.median(df[:, v, j])))
                out_est[v, j], out_se[v, j], out_df[v, j] = e, s, d
                lo[v, j], hi[v, j], p[v, j] = pooling.interval(e, s, d, alpha)
    return out_est, out_se, out_df, lo, hi, p


def pooled_tables(
    prep: Prepared,
    delta: np.ndarray | None,
    alpha: float,
    analysis: str = "ancova",
    per_dataset: list | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Analyse every (delta-adjusted) data set and pool: differences and LS means tables.

    With Rubin's rules the complete-data df is the ANCOVA's residual df (the same in every
    data set) or, for the MMRM, the median of the data sets' Satterthwaite df.
    """
    out_est, out_se, out_df, lo, hi, p = pooled_arrays(prep, delta, alpha, analysis, per_dataset)
    t = prep.grid.t
    labels = prep.labels
    q = len(labels)
    arms = prep.grid.arms
    visits = np.asarray(prep.grid.visits, dtype=object)
    stats = dict(
        zip(
            ("estimate", "std_error", "df", "ci_lower", "ci_upper", "p_value"),
            (out_est, out_se, out_df, lo, hi, p),
            strict=True,
        )
    )
    # differences comparison-major (like fit_mmrm); LS means visit-major, arms within
    diffs = pd.DataFrame(
        {
            "comparison": np.repeat(np.asarray(labels, dtype=object), t),
            "visit": np.tile(visits, q),
            **{k: v[:, :q].T.ravel() for k, v in stats.items()},
        }
    )
    lsmeans = pd.DataFrame(
        {
            "arm": np.tile(np.asarray(arms, dtype=object), t),
            "visit": np.repeat(visits, len(arms)),
            **{k: v[:, q:].ravel() for k, v in stats.items()},
        }
    )
    return diffs, lsmeans


def impute_and_analyse(
    data: pd.DataFrame,
    *,
    outcome: str,
    arm: str,
    control: str,
    visit: str,
    subject: str,
    covariates: Sequence[str] = (),
    visit_covariates: Sequence[str] = (),
    events: pd.DataFrame | None = None,
    reference: dict[str, str] | None = None,
    delta: DeltaSpec = None,
    strategies: dict[str, Strategy] | None = None,
    visits: Sequence[str] | None = None,
    comparisons: Comparisons | None = None,
    visit_labels: Mapping[str, str] | None = None,
    spec: ImputationSpec | None = None,
    n_jobs: int | None = None,
    scheduler: Any = None,
    timeout: float = 10.0,
    progress: Progress | None = None,
    **options: Any,
) -> ImputationResult:
    """Impute missing outcomes under MAR or a reference-based strategy, analyse, and pool.

    Parameters
    ----------
    data
        Long data, one row per subject x visit (absent rows are added as missing); the arm
        and the covariates are subject-level and are carried to added rows.
    covariates, visit_covariates
        Covariates of the imputation model (``visit_covariates`` also enter x visit) and of
        the analysis (ANCOVA per visit: ``outcome ~ arm + covariates + visit_covariates``).
    events
        Intercurrent events: columns ``subject``, ``visit`` (first visit affected),
        ``strategy`` (``MAR``, ``JR``, ``CR``, ``CIR``, ``LMCF`` or a name in
        ``strategies``), optionally ``event`` (its kind; a subject may have one of each
        kind, the earliest is used). Subjects without an event are imputed under MAR.
    reference
        The reference arm of each arm, e.g. ``{"Low": "Placebo", "High": "Placebo"}``
        (default, and for an arm not named: the control arm). All arms enter one imputation
        model (``arm x visit``) and one analysis model.
    delta
        Shifts added to imputed values (see :mod:`trialkit.imputation.delta`).
    strategies
        User-defined strategies by name (:mod:`trialkit.imputation.strategies`).
    comparisons
        Which arms are compared (:mod:`trialkit.specs.comparisons`; default each arm vs the
        control): each imputed data set is analysed once with all arms and pooled per
        comparison x visit.
    visit_labels
        Display names of visit values (e.g. the plan's ``{"21": "Week 21"}``), used where a
        message names a visit (default ``"visit 21"``).
    spec, **options
        The method's options: an :class:`~trialkit.specs.imputation.ImputationSpec`, and/or
        its fields as keywords (which replace the spec's): ``method`` (``condmean`` with
        ``resampling`` ``jackknife`` -- deterministic -- or ``bootstrap``; or
        ``approxbayes``, pooled by Rubin's rules with Barnard-Rubin df), ``n_samples``,
        ``analysis`` (``ancova``, rbmi's default, vectorised over the data sets; or ``mmrm``,
        one :func:`trialkit.fit_mmrm` per data set), ``group_covariance`` (one covariance per
        arm in the imputation model), ``reml``, ``bootstrap_ci`` (``normal`` or
        ``percentile``), ``post_event`` (``keep``, rbmi's treatment policy: observed values
        after an event stay in the analysed data and, for a non-MAR strategy, out of the
        imputation model fit; ``discard``, hypothetical: they are imputed), ``alpha`` and
        ``seed`` (of the ``SeedSequence``; each resample/draw gets its own child, so the
        result is identical whatever ``n_jobs`` or ``scheduler``).
    n_jobs, scheduler, timeout
        joblib workers (``None``: all cores for large problems, else this process) or a Dask
        scheduler address / ``Client`` / ``LocalCluster`` (``timeout``: seconds to wait for
        an address to answer).
    progress
        ``progress(done, total)`` after each batch of draws or refits.

    Returns
    -------
    ImputationResult
        ``differences`` (one row per comparison x visit, with a ``comparison`` column, e.g.
        ``"TRT - PBO"``) and ``lsmeans``.
    """
    request, imp, run = parse_arguments(
        spec,
        n_jobs,
        scheduler,
        timeout,
        progress,
        outcome=outcome,
        arm=arm,
        control=control,
        visit=visit,
        subject=subject,
        covariates=covariates,
        visit_covariates=visit_covariates,
        events=events,
        reference=reference,
        strategies=strategies,
        visits=visits,
        comparisons=comparisons,
        visit_labels=dict(visit_labels) if visit_labels else None,
        **options,
    )
    prep = prepare(data, request, imp, run)
    d = resolve_delta(delta, prep.grid, subject, visit)
    return make_result(prep, d, imp.alpha, outcome, imp.analysis)


def make_result(
    prep: Prepared, delta: np.ndarray | None, alpha: float, outcome: str, analysis: str
) -> ImputationResult:
    per: list[pd.DataFrame] = []
    diffs, lsm = pooled_tables(prep, delta, alpha, analysis, per)
    return ImputationResult(
        outcome=outcome,
        method=prep.method,
        resampling=prep.resampling,
        analysis=analysis,
        n_samples=int(prep.Y.shape[0]),
        reference=dict(prep.reference),
        alpha=alpha,
        seed=prep.seed,
        arms=prep.grid.arms,
        visits=prep.grid.visits,
        n_subjects=prep.grid.n,
        n_imputed=int(prep.grid.missing.sum()),
        n_failed_fits=prep.n_failed,
        imputation_loglik=prep.loglik,
        notes=prep.notes,
        differences=diffs,
        lsmeans=lsm,
        events=prep.grid.events,
        per_dataset=per[0] if per else None,
    )
