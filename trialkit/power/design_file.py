"""A power design: the analytic inputs and, optionally, a simulation; read from TOML or flags.

Design file (every key optional unless said)::

    [design]                      # Lu, Luo & Chen (2008); two of n_total, delta, power
    delta = 0.5
    power = 0.80
    sd = 1.0                      # SD at the final visit (sd_control: per arm)
    correlation = [[1, 0.5], [0.5, 1]]   # or rho = 0.6 and times = [0, 2, 4, 8]
    retention = [1, 0.9]          # treatment arm; retention_control defaults to it
    allocation = 1.0              # n_treatment / n_control
    alpha = 0.05
    alternative = "two-sided"

    [simulation]                  # optional: simulate the planned analysis
    n_total = [100, 150, 200]     # default: the analytic N, rounded up to even
    n_sims = 1000
    seed = 20261130
    analysis = "mmrm"             # or "ancova"
    covariance = "us"
    df_method = "satterthwaite"
    sd = [1.0, 1.1]               # per visit (default: [design] sd at every visit)
    mean_control = [0, 0]         # default 0; mean_treatment default control + delta
    mnar = 0.0                    # dropout log-odds per SD of the last observed value
    intermittent = 0.0            # probability of a missed visit
    baseline_sd = 1.0             # optional baseline covariate ...
    baseline_correlation = 0.5    # ... and its correlation with each visit
    assumption = "JR"             # optional: impute after dropout (MAR, JR, CR, CIR, LMCF)
    imputation = "condmean"       # or "approxbayes" (with n_samples)
    resampling = "jackknife"      # or "bootstrap" (with n_samples)

Unknown keys are errors (one sentence naming the key).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from trialkit.power.analytic import PowerResult, power_mmrm
from trialkit.power.inputs import PowerInputError
from trialkit.power.simulate import SimulationResult, simulate_power

DESIGN_KEYS = (
    "n_total delta power sd sd_control correlation correlation_control rho times retention "
    "retention_control allocation alpha alternative"
).split()
SIM_KEYS = (
    "n_total n_sims seed analysis covariance df_method reml fallback sd mean_control "
    "mean_treatment mnar intermittent hazard hazard_control baseline_sd baseline_mean "
    "baseline_correlation null assumption imputation resampling n_samples"
).split()


@dataclass(frozen=True)
class PowerDesign:
    """Keyword arguments for :func:`power_mmrm` and (optionally) :func:`simulate_power`."""

    analytic: dict[str, Any]
    simulation: dict[str, Any] | None = None
    source: str = "given"
    from_fit: Any = field(default=None, repr=False)
    from_fit_arm: str | None = None


@dataclass(frozen=True)
class PowerRun:
    """The analytic result, the simulation result (if any) and where the inputs came from."""

    analytic: PowerResult
    simulation: SimulationResult | None
    source: str
    settings: dict[str, Any] = field(default_factory=dict)


def _check_keys(table: dict[str, Any], allowed: list[str], where: str) -> None:
    for key in table:
        if key not in allowed:
            raise PowerInputError(
                f"Unknown key '{key}' in [{where}] of the power design; allowed: "
                f"{', '.join(allowed)}."
            )


def read_design(path: Path) -> PowerDesign:
    """Read a TOML power design file (see the module docstring)."""
    try:
        with open(path, "rb") as fh:
            doc = tomllib.load(fh)
    except FileNotFoundError:
        raise PowerInputError(f"The power design file {path} does not exist.") from None
    except tomllib.TOMLDecodeError as exc:
        raise PowerInputError(f"The power design file {path} is not valid TOML: {exc}.") from None
    except OSError as exc:
        raise PowerInputError(
            f"Cannot read the power design file {path}: {exc.strerror}."
        ) from None
    for key in doc:
        if key not in ("design", "simulation"):
            raise PowerInputError(
                f"Unknown table [{key}] in {path}; a power design has [design] and [simulation]."
            )
    design = dict(doc.get("design", {}))
    _check_keys(design, DESIGN_KEYS, "design")
    sim = doc.get("simulation")
    if sim is not None:
        sim = dict(sim)
        _check_keys(sim, SIM_KEYS, "simulation")
    return PowerDesign(design, sim, source=str(path))


def run_design(
    design: PowerDesign,
    *,
    n_jobs: int | None = None,
    scheduler: str | None = None,
    timeout: float = 10.0,
    progress: Callable[[int, int], None] | None = None,
) -> PowerRun:
    """Solve the analytic problem, then simulate when the design asks for it."""
    res = power_mmrm(**design.analytic, from_fit=design.from_fit, from_fit_arm=design.from_fit_arm)
    sim = None
    if design.simulation is not None:
        s = dict(design.simulation)
        grid = s.pop("n_total", None)
        if grid is None:
            grid = [int(2 * np.ceil(res.n_total / 2 - 1e-9))]
        corr = res.correlation
        sd = s.pop("sd", None)
        sd = res.sd if sd is None else sd
        retention = None if s.get("hazard") is not None else res.retention
        retention_control = None if s.get("hazard") is not None else res.retention_control
        mean_treatment = s.pop("mean_treatment", None)
        mean_control = s.pop("mean_control", None)
        delta = None if mean_treatment is not None else _signed_delta(design, res)
        sim = simulate_power(
            grid,
            sd=sd,
            correlation=corr,
            delta=delta,
            mean_control=mean_control,
            mean_treatment=mean_treatment,
            retention=retention,
            retention_control=retention_control,
            allocation=res.allocation,
            alpha=res.alpha,
            n_jobs=n_jobs,
            scheduler=scheduler,
            timeout=timeout,
            progress=progress,
            **s,
        )
    return PowerRun(res, sim, design.source)


def _signed_delta(design: PowerDesign, res: PowerResult) -> float:
    given = design.analytic.get("delta")
    return float(given) if given is not None else res.delta
