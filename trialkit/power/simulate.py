r"""Power, type I error, bias and coverage of a planned analysis, by simulating trials.

For each total sample size :math:`N` in the grid, ``n_sims`` trials are drawn from the
:class:`~trialkit.power.scenario.Scenario` and analysed (MMRM or ANCOVA,
:mod:`trialkit.power.fitting`); each trial's null twin (treatment means set to the control
means, same random numbers) is analysed too. With :math:`m` analysed trials,

.. math::  \widehat{\text{power}} = \frac1m\sum 1[p_s < \alpha],\quad
           \mathrm{SE}_{MC} = \sqrt{\widehat{\text{power}}(1-\widehat{\text{power}})/m},

likewise the type I error (null twins) and the coverage of the CI of the final-visit
difference; bias is :math:`\bar{\hat\delta} - \delta` with MC SE :math:`s_{\hat\delta}/\sqrt m`.
Trials whose analysis did not converge (with any structure of the ladder) are counted, not
analysed. Trial ``s`` of grid point ``g`` draws from child ``g * n_sims + s`` of
``SeedSequence(seed)``, so results do not depend on how trials are split across workers.

Validated against: the analytic power of Lu, Luo & Chen (2008) with no dropout and large N,
and the nominal alpha (tests/test_power_simulate.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from trialkit.core.results import ReadOnlyResult
from trialkit.power.executor import run_tasks
from trialkit.power.fitting import RESULT_FIELDS, Analysis, analyse_trial
from trialkit.power.inputs import PowerInputError
from trialkit.power.scenario import Scenario, draw_trial, make_scenario

HYPOTHESES: tuple[str, str] = ("alternative", "null")


@dataclass(frozen=True)
class _Chunk:
    scenario: Scenario
    analysis: Analysis
    n_total: int
    seeds: tuple[np.random.SeedSequence, ...]
    null: bool


def _run_chunk(chunk: _Chunk) -> np.ndarray:
    """``(len(seeds), 2, len(RESULT_FIELDS))``: alternative and null analyses per trial."""
    true_cov = chunk.scenario.conditional_covariance()
    out = np.full((len(chunk.seeds), 2, len(RESULT_FIELDS)), np.nan)
    with np.errstate(all="ignore"):
        for i, ss in enumerate(chunk.seeds):
            alt, nul = draw_trial(chunk.scenario, chunk.n_total, np.random.default_rng(ss))
            # the imputation's own stream: the trial's first child (not spawned, so that the
            # SeedSequence is not mutated); the null twin shares it, as it shares the draws
            imp = np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, 0))
            out[i, 0] = analyse_trial(alt, chunk.analysis, true_cov, imp)
            if chunk.null:
                out[i, 1] = analyse_trial(nul, chunk.analysis, true_cov, imp)
    return out


@dataclass(frozen=True, repr=False)
class SimulationResult(ReadOnlyResult):
    """Operating characteristics by total sample size.

    Attributes
    ----------
    table
        One row per ``n_total``: ``power, power_mc_se, type1_error, type1_mc_se, bias,
        bias_mc_se, coverage, coverage_mc_se, mean_std_error, empirical_sd, n_sims,
        n_analysed, n_failed, n_fallback, analytic_power``.
    trials
        One row per simulated analysis: ``n_total, hypothesis, sim, estimate, std_error, df,
        ci_lower, ci_upper, p_value, converged, structure, n_subjects, n_observations``.
    """

    delta: float
    alpha: float
    n_sims: int
    seed: int
    analysis: Analysis
    scenario: Scenario
    table: pd.DataFrame
    trials: pd.DataFrame

    _headline = ("n_sims", "seed", "delta", "alpha")

    @property
    def power(self) -> float:
        """Simulated power at the first (or only) sample size."""
        return float(self.table["power"].iloc[0])

    def summary_frame(self) -> pd.DataFrame:
        """Operating characteristics by total sample size (:attr:`table`)."""
        return self.table


def simulate_power(
    n_total: int | Sequence[int],
    *,
    scenario: Scenario | None = None,
    n_sims: int = 1000,
    seed: int = 20261130,
    analysis: str | None = None,
    covariance: str = "us",
    df_method: str = "satterthwaite",
    reml: bool = True,
    fallback: Sequence[str] = (),
    alpha: float = 0.05,
    assumption: str | None = None,
    imputation: str = "condmean",
    resampling: str = "jackknife",
    n_samples: int | None = None,
    null: bool = True,
    n_jobs: int | None = None,
    scheduler: str | None = None,
    timeout: float = 10.0,
    chunk_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    **design: object,
) -> SimulationResult:
    """Simulate ``n_sims`` trials per total sample size and analyse each as planned.

    Parameters
    ----------
    n_total
        A total sample size or a grid of them (the power curve).
    scenario
        Means, covariance, baseline and dropout of the simulated trials; or give them as
        keywords (``**design``: ``sd``, ``correlation`` or ``rho``/``times``, ``delta`` or
        ``mean_control``/``mean_treatment``, ``retention``, ``hazard``, ``mnar``,
        ``intermittent``, ``baseline_sd``, ``baseline_correlation``, ``allocation``; see
        :func:`trialkit.power.scenario.make_scenario`).
    analysis
        ``"mmrm"`` (``covariance``, ``df_method``, ``reml``, ``fallback`` as in
        :func:`trialkit.fit_mmrm`) or ``"ancova"`` (final visit, complete cases); default
        ``"mmrm"``, or ``"ancova"`` with an imputation ``assumption``.
    assumption, imputation, resampling, n_samples
        With ``assumption`` (``"JR"``, ``"CR"``, ``"CIR"``, ``"LMCF"`` or ``"MAR"``), the
        values missing after each subject's dropout are imputed under it by
        :func:`trialkit.impute_and_analyse` (``imputation`` ``"condmean"`` with
        ``resampling`` ``"jackknife"`` or ``"bootstrap"``, or ``"approxbayes"``; ``n_samples``
        for the last two) and each imputed data set is analysed by ``analysis`` (``"ancova"``:
        rbmi's per-visit ANCOVA; ``"mmrm"``: ``fit_mmrm``, unstructured, Satterthwaite, once
        per imputed data set: with the jackknife, N + 1 fits per trial). Each trial's
        imputation draws from its own ``SeedSequence`` stream. See
        :mod:`trialkit.power.imputed`.
    null
        Also analyse each trial's null twin, for the type I error.
    n_jobs, scheduler, timeout
        joblib workers on this machine, or the address of a Dask scheduler (see
        :func:`trialkit.power.executor.run_tasks`).
    progress
        Called as ``progress(done, total)`` after each chunk of trials.
    """
    if analysis is None:
        analysis = "mmrm" if assumption is None else "ancova"
    spec = Analysis(
        analysis,
        covariance,
        df_method,
        reml,
        tuple(fallback),
        alpha,
        assumption,
        imputation,
        resampling,
        n_samples,
    ).check()
    if scenario is None:
        scenario = make_scenario(**design)  # type: ignore[arg-type]
    elif design:
        raise PowerInputError("Give either a scenario or its parts as keywords, not both.")
    scenario.check()
    grid = [int(n) for n in np.atleast_1d(n_total)]
    if not grid or min(grid) < 4:
        raise PowerInputError("Every simulated n_total must be at least 4.")
    if int(n_sims) < 2:
        raise PowerInputError("n_sims must be at least 2.")
    n_sims = int(n_sims)
    children = np.random.SeedSequence(int(seed)).spawn(len(grid) * n_sims)
    size = chunk_size or max(1, min(50, n_sims // 8 or 1))
    chunks = [
        _Chunk(
            scenario,
            spec,
            n,
            tuple(children[g * n_sims + s : g * n_sims + min(s + size, n_sims)]),
            null,
        )
        for g, n in enumerate(grid)
        for s in range(0, n_sims, size)
    ]
    parts = run_tasks(
        _run_chunk, chunks, n_jobs=n_jobs, scheduler=scheduler, timeout=timeout, progress=progress
    )
    raw = np.concatenate(parts).reshape(len(grid), n_sims, 2, len(RESULT_FIELDS))
    trials = _trials_frame(raw, grid, null)
    table = _summarise(trials, grid, scenario, spec, null)
    return SimulationResult(
        delta=scenario.delta,
        alpha=alpha,
        n_sims=n_sims,
        seed=int(seed),
        analysis=spec,
        scenario=scenario,
        table=table,
        trials=trials,
    )


def _trials_frame(raw: np.ndarray, grid: list[int], null: bool) -> pd.DataFrame:
    frames = []
    for h, hyp in enumerate(HYPOTHESES):
        if hyp == "null" and not null:
            continue
        for g, n in enumerate(grid):
            block = pd.DataFrame(raw[g, :, h, :], columns=list(RESULT_FIELDS))
            block.insert(0, "sim", np.arange(raw.shape[1]))
            block.insert(0, "hypothesis", hyp)
            block.insert(0, "n_total", n)
            frames.append(block)
    out = pd.concat(frames, ignore_index=True)
    out["converged"] = out["converged"].astype(bool)
    for col in ("structure", "n_subjects", "n_observations"):
        out[col] = out[col].astype(np.int64)
    return out


def _rate(x: np.ndarray) -> tuple[float, float]:
    m = x.size
    if m == 0:
        return float("nan"), float("nan")
    p = float(np.mean(x))
    return p, float(np.sqrt(p * (1 - p) / m))


def _summarise(
    trials: pd.DataFrame, grid: list[int], scenario: Scenario, spec: Analysis, null: bool
) -> pd.DataFrame:
    delta = scenario.delta
    rows = []
    analytic = _analytic_curve(scenario, grid, spec.alpha)
    if spec.assumption not in (None, "MAR"):  # the MAR formula does not apply
        analytic = [float("nan")] * len(grid)
    for g, n in enumerate(grid):
        alt = trials[(trials["n_total"] == n) & (trials["hypothesis"] == "alternative")]
        ok = alt[alt["structure"] >= 0]
        est = ok["estimate"].to_numpy()
        power, power_se = _rate(ok["p_value"].to_numpy() < spec.alpha)
        cover, cover_se = _rate(
            (ok["ci_lower"].to_numpy() <= delta) & (delta <= ok["ci_upper"].to_numpy())
        )
        sd = float(np.std(est, ddof=1)) if est.size > 1 else float("nan")
        type1 = type1_se = float("nan")
        if null:
            nul = trials[(trials["n_total"] == n) & (trials["hypothesis"] == "null")]
            nul = nul[nul["structure"] >= 0]
            type1, type1_se = _rate(nul["p_value"].to_numpy() < spec.alpha)
        rows.append(
            {
                "n_total": n,
                "power": power,
                "power_mc_se": power_se,
                "type1_error": type1,
                "type1_mc_se": type1_se,
                "bias": float(np.mean(est)) - delta if est.size else float("nan"),
                "bias_mc_se": sd / np.sqrt(est.size) if est.size > 1 else float("nan"),
                "coverage": cover,
                "coverage_mc_se": cover_se,
                "mean_std_error": float(np.mean(ok["std_error"])) if len(ok) else float("nan"),
                "empirical_sd": sd,
                "n_sims": int(len(alt)),
                "n_analysed": int(len(ok)),
                "n_failed": int((alt["structure"] < 0).sum()),
                "n_fallback": int((alt["structure"] > 0).sum()),
                "analytic_power": analytic[g],
            }
        )
    return pd.DataFrame(rows)


def _analytic_curve(scenario: Scenario, grid: list[int], alpha: float) -> list[float]:
    """Lu, Luo & Chen's power at each N when the dropout is MAR/MCAR monotone (else nan)."""
    from trialkit.power.analytic import power_mmrm

    d = scenario.dropout
    if scenario.delta == 0 or (d is not None and (d.mnar != 0 or d.intermittent != 0)):
        return [float("nan")] * len(grid)
    cov = scenario.conditional_covariance()
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    ret = None
    ret_c = None
    if d is not None:
        hz = d.hazards(scenario.t)
        ret_c, ret = np.cumprod(1 - hz[0]), np.cumprod(1 - hz[1])
    return [
        power_mmrm(
            n_total=n,
            delta=scenario.delta,
            correlation=corr,
            retention=ret,
            retention_control=ret_c,
            sd=float(sd[-1]),
            allocation=scenario.allocation,
            alpha=alpha,
        ).power
        for n in grid
    ]
