"""The power curve: simulated power (with 2 Monte-Carlo SEs) and the analytic curve, by N."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from trialkit.core.outputs import check_not_inputs  # noqa: E402
from trialkit.power.analytic import power_mmrm  # noqa: E402
from trialkit.power.design_file import PowerRun  # noqa: E402
from trialkit.report.figures import RC  # noqa: E402


def power_curve_figure(run: PowerRun) -> Figure:
    """Simulated power +/- 2 MC SE at each N, with the Lu, Luo & Chen curve for reference."""
    a = run.analytic
    with plt.rc_context(RC):
        fig, ax = plt.subplots(figsize=(5.5, 3.6))
        sim = run.simulation
        lo_n = a.n_total * 0.4
        hi_n = a.n_total * 1.6
        if sim is not None:
            tab = sim.table
            lo_n = min(lo_n, float(tab["n_total"].min()) * 0.9)
            hi_n = max(hi_n, float(tab["n_total"].max()) * 1.1)
        grid = np.linspace(max(lo_n, 3.0), hi_n, 80)
        delta = sim.delta if sim is not None and sim.delta != 0 else a.delta
        curve = [
            power_mmrm(
                n_total=n,
                delta=delta,
                correlation=a.correlation,
                correlation_control=a.correlation_control,
                retention=a.retention,
                retention_control=a.retention_control,
                sd=a.sd,
                sd_control=a.sd_control,
                allocation=a.allocation,
                alpha=a.alpha,
                alternative=a.alternative,
            ).power
            for n in grid
        ]
        ax.plot(grid, curve, color="#4c72b0", label="analytic (Lu, Luo & Chen 2008)")
        if sim is not None:
            tab = sim.table
            ax.errorbar(
                tab["n_total"],
                tab["power"],
                yerr=2 * tab["power_mc_se"],
                fmt="s",
                color="#dd8452",
                capsize=3,
                label=f"simulated {sim.analysis.method.upper()} (+/- 2 MC SE)",
            )
        ax.axhline(a.power if a.solved_for != "power" else 0.8, color="#999", lw=0.8, ls=":")
        ax.set_xlabel("total sample size N")
        ax.set_ylabel("power")
        ax.set_ylim(0, 1)
        ax.legend(loc="lower right", frameon=False)
        fig.tight_layout()
    return fig


def power_curve_svg(run: PowerRun) -> str:
    fig = power_curve_figure(run)
    buf = io.StringIO()
    with plt.rc_context(RC):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    plt.close(fig)
    text = buf.getvalue()
    return text[text.find("<svg") :]


def write_power_figures(run: PowerRun, directory: Path, inputs: Sequence[Path] = ()) -> list[Path]:
    """``power_curve.png`` and ``power_curve.svg`` in ``directory`` (neither if one of them
    would be one of ``inputs``)."""
    directory = Path(directory)
    check_not_inputs("figures", [directory / f"power_curve.{e}" for e in ("png", "svg")], inputs)
    directory.mkdir(parents=True, exist_ok=True)
    fig = power_curve_figure(run)
    out = []
    with plt.rc_context(RC):
        for ext in ("png", "svg"):
            p = directory / f"power_curve.{ext}"
            fig.savefig(p, dpi=150, metadata={"Date": None} if ext == "svg" else None)
            out.append(p)
    plt.close(fig)
    return out
