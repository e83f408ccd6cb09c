"""The power report's tables as report-document tables (text cells), built once.

Every renderer of the document draws them (:mod:`trialkit.report.build_power`); nothing here
computes a statistic. Sample sizes are shown rounded up per arm (the exact values are in the
JSON output).
"""

from __future__ import annotations

from trialkit.power.design_file import PowerRun
from trialkit.power.fitting import Analysis
from trialkit.report.document import Column, Label, Table
from trialkit.report.format import covariance_name, df_method_name, fmt_num


def text_table(
    title: str,
    headers: tuple[str, ...],
    rows: tuple[tuple[str, ...], ...],
    notes: tuple[str, ...] = (),
) -> Table:
    """A document table of text cells: the first column left-aligned (labels), the others
    right-aligned (numbers); ``notes`` are its footnotes."""
    columns = tuple(Column(h, "left" if i == 0 else "right") for i, h in enumerate(headers))
    cells = tuple(tuple(Label(c) for c in row) for row in rows)
    return Table(title, columns, cells, footnotes=tuple(notes))


def _ceil(x: float) -> int:
    import math

    return int(math.ceil(x - 1e-9))


def power_tables(run: PowerRun) -> list[Table]:
    """Inputs, sample sizes (z and t), and the simulation (when run)."""
    a = run.analytic
    solved = {"n_total": "sample size", "delta": "detectable difference", "power": "power"}
    inputs = [
        ("Solved for", solved[a.solved_for]),
        ("Difference at the final visit (delta)", f"{a.delta:.4g}"),
        ("Power", f"{a.power:.4f}"),
        ("alpha", f"{a.alpha:g} ({a.alternative})"),
        ("SD at the final visit (treatment / control)", f"{a.sd:.4g} / {a.sd_control:.4g}"),
        ("Allocation (treatment : control)", f"{a.allocation:.4g} : 1"),
        ("Retention, treatment", ", ".join(f"{r:.3f}" for r in a.retention)),
        ("Retention, control", ", ".join(f"{r:.3f}" for r in a.retention_control)),
        (
            "Variance inflation phi (treatment / control)",
            f"{a.phi_treatment:.4f} / {a.phi_control:.4f}",
        ),
        ("Inputs from", run.source),
    ]
    tables = [
        text_table("Power design (Lu, Luo & Chen 2008)", ("", "value"), tuple(inputs)),
        text_table(
            "Sample size",
            ("test", "treatment", "control", "total", "exact total"),
            (
                (
                    "z-test (longpower)",
                    str(_ceil(a.n_treatment)),
                    str(_ceil(a.n_control)),
                    str(_ceil(a.n_treatment) + _ceil(a.n_control)),
                    f"{a.n_total:.2f}",
                ),
                (
                    "t-test (df = N - 2)",
                    str(_ceil(a.n_treatment_t)),
                    str(_ceil(a.n_control_t)),
                    str(_ceil(a.n_treatment_t) + _ceil(a.n_control_t)),
                    f"{a.n_total_t:.2f}",
                ),
            ),
            (
                "Sample sizes are rounded up per arm; the exact values solve the formula.",
                f"Power at N = {a.n_total:.2f} with t quantiles: {a.power_t:.4f}.",
            ),
        ),
    ]
    sim = run.simulation
    if sim is not None:
        an = sim.analysis
        method = (
            f"MMRM, {covariance_name(an.covariance)} covariance, {df_method_name(an.df_method)} df"
            if an.method == "mmrm"
            else "ANCOVA at the final visit (complete cases)"
        )
        if an.assumption is not None:
            method = _imputed_method(an)
        rows = []
        for r in sim.table.itertuples():
            rows.append(
                (
                    str(int(r.n_total)),
                    f"{r.power:.3f} ({r.power_mc_se:.3f})",
                    fmt_num(r.analytic_power, 3),
                    f"{r.type1_error:.3f} ({r.type1_mc_se:.3f})"
                    if r.type1_error == r.type1_error
                    else "-",
                    f"{r.bias:.4f} ({r.bias_mc_se:.4f})",
                    f"{r.coverage:.3f} ({r.coverage_mc_se:.3f})",
                    f"{int(r.n_failed)} / {int(r.n_fallback)}",
                )
            )
        tables.append(
            text_table(
                f"Simulation: {sim.n_sims} trials per sample size (seed {sim.seed})",
                (
                    "N",
                    "power (MC SE)",
                    "analytic",
                    "type I error (MC SE)",
                    "bias (MC SE)",
                    "CI coverage (MC SE)",
                    "failed / fallback",
                ),
                tuple(rows),
                (
                    f"Analysis: {method}; test of the final-visit difference"
                    f" at alpha {sim.alpha:g}.",
                    "Type I error from each trial's null twin (same random numbers, no effect).",
                    "Failed: no structure converged (not counted in the rates); fallback: "
                    "analysed with a fallback structure.",
                ),
            )
        )
    return tables


def _imputed_method(an: Analysis) -> str:
    """'conditional mean imputation (jackknife) under jump to reference after dropout ...'."""
    from trialkit.specs.estimand import ANALYSES, ASSUMPTIONS, METHODS

    how = METHODS.label(an.imputation)
    if an.imputation == "condmean":
        how += f" ({an.resampling})"
    else:
        how += f" ({an.n_samples} imputations)"
    return (
        f"{how} under {ASSUMPTIONS.label(an.assumption)} after dropout "
        f"(reference: control; intermittent misses under MAR), then "
        f"{ANALYSES.label(an.method)} on each imputed data set"
    )
