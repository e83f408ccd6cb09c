"""``trialkit power``: sample size and power for an MMRM trial, analytic and by simulation.

Three ways in: a TOML design file (``trialkit power design.toml``), flags for the simple case
(``trialkit power --delta 0.5 --power 0.8 --rho 0.6 --times 0,2,4,8 --retention 1,.9,.8,.7``),
or a fitted trial (``trialkit power --from-trial [DATA] --plan PLAN``; with neither, the
bundled sample). Heavy modules are imported inside the command so start-up stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from trialkit.cli.app import app


def _floats(text: str | None, flag: str) -> list[float] | None:
    """``"1, .9, .8"`` -> floats (no evaluation of user text)."""
    if text is None:
        return None
    from trialkit.power.inputs import PowerInputError

    try:
        return [float(x) for x in text.replace(";", ",").split(",") if x.strip()]
    except ValueError:
        raise PowerInputError(
            f"{flag} must be comma-separated numbers, e.g. 1,0.9,0.8; got '{text}'."
        ) from None


def _matrix(text: str | None) -> list[list[float]] | None:
    """``"1,.5;.5,1"`` (rows separated by ';') -> a nested list."""
    if text is None:
        return None
    rows = [r for r in text.split(";") if r.strip()]
    return [_floats(r, "--correlation") or [] for r in rows]


_OPT = {"show_default": False}


@app.command("power")
def power_command(
    design: Annotated[
        Path | None,
        typer.Argument(
            help="Power design file (TOML); with --from-trial, the trial's data file.",
            show_default=False,
        ),
    ] = None,
    from_trial: Annotated[
        bool,
        typer.Option(
            "--from-trial",
            help="Take correlation, SD and retention from the fitted primary outcome of a "
            "trial (DATA and --plan; with neither, the bundled sample).",
        ),
    ] = False,
    plan: Annotated[Path | None, typer.Option("--plan", "-p", help="Analysis plan (TOML).")] = None,
    arm: Annotated[
        str | None,
        typer.Option(
            "--arm",
            help="With --from-trial and more than two arms: the treatment arm whose "
            "comparison with the control is planned (default: the first after the control).",
            show_default=False,
        ),
    ] = None,
    n_total: Annotated[float | None, typer.Option("--n-total", help="Total N.", **_OPT)] = None,
    delta: Annotated[
        float | None, typer.Option("--delta", help="Difference at the final visit.", **_OPT)
    ] = None,
    power: Annotated[float | None, typer.Option("--power", help="Power.", **_OPT)] = None,
    sd: Annotated[float | None, typer.Option("--sd", help="SD at the final visit.", **_OPT)] = None,
    sd_control: Annotated[
        float | None, typer.Option("--sd-control", help="Control-arm SD.", **_OPT)
    ] = None,
    rho: Annotated[float | None, typer.Option("--rho", help="AR(1) correlation.", **_OPT)] = None,
    times: Annotated[
        str | None, typer.Option("--times", help="Visit times for AR(1): 0,2,4,8.", **_OPT)
    ] = None,
    correlation: Annotated[
        str | None,
        typer.Option("--correlation", help="Correlation matrix, rows split by ';'.", **_OPT),
    ] = None,
    retention: Annotated[
        str | None, typer.Option("--retention", help="Retention per visit: 1,.9,.8.", **_OPT)
    ] = None,
    retention_control: Annotated[
        str | None, typer.Option("--retention-control", help="Control retention.", **_OPT)
    ] = None,
    allocation: Annotated[
        float | None, typer.Option("--allocation", help="n_treatment / n_control.", **_OPT)
    ] = None,
    alpha: Annotated[float | None, typer.Option("--alpha", help="Type I error.", **_OPT)] = None,
    one_sided: Annotated[bool, typer.Option("--one-sided", help="One-sided test.")] = False,
    simulate: Annotated[
        bool, typer.Option("--simulate", help="Also simulate the MMRM analysis.")
    ] = False,
    n_sims: Annotated[
        int | None, typer.Option("--n-sims", help="Simulated trials per N.", **_OPT)
    ] = None,
    grid: Annotated[
        str | None, typer.Option("--grid", help="Simulated total Ns: 100,150,200.", **_OPT)
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Simulation seed.", **_OPT)] = None,
    assumption: Annotated[
        str | None,
        typer.Option(
            "--assumption",
            help="Simulate with the values after dropout imputed under MAR, JR, CR, CIR or "
            "LMCF (conditional mean imputation, jackknife).",
            **_OPT,
        ),
    ] = None,
    jobs: Annotated[
        int | None, typer.Option("--jobs", help="Local workers (default all cores).", **_OPT)
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler address (tcp://host:8786).", **_OPT),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds to wait for the scheduler.")
    ] = 10.0,
    html: Annotated[Path | None, typer.Option("--html", help="Write HTML here.", **_OPT)] = None,
    json: Annotated[Path | None, typer.Option("--json", help="Write JSON here.", **_OPT)] = None,
    figures_dir: Annotated[
        Path | None, typer.Option("--figures-dir", help="Write the power curve here.", **_OPT)
    ] = None,
) -> None:
    """Sample size / power / detectable difference for the MMRM final-visit difference."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from trialkit.core.outputs import check_not_inputs
    from trialkit.errors import TrialkitError
    from trialkit.power.design_file import PowerDesign, read_design, run_design
    from trialkit.report.build_power import power_document
    from trialkit.report.terminal import print_blocks

    flags: dict[str, Any] = {
        "n_total": n_total,
        "delta": delta,
        "power": power,
        "sd": sd,
        "sd_control": sd_control,
        "rho": rho,
        "times": _floats(times, "--times"),
        "correlation": _matrix(correlation),
        "retention": _floats(retention, "--retention"),
        "retention_control": _floats(retention_control, "--retention-control"),
        "allocation": allocation,
        "alpha": alpha,
        "alternative": "one-sided" if one_sided else None,
    }
    flags = {k: v for k, v in flags.items() if v is not None}
    sim_flags = {
        k: v
        for k, v in {
            "n_sims": n_sims,
            "seed": seed,
            "n_total": _ints(grid),
            "assumption": assumption,
        }.items()
        if v is not None
    }
    err = Console(stderr=True)
    outputs = [p for p in (html, json) if p is not None]
    inputs = [p for p in (design, plan) if p is not None]
    check_not_inputs("power report", outputs, inputs)
    if from_trial:
        with err.status("Fitting the trial's primary outcome"):
            base, trial_inputs = _design_from_trial(design, plan, arm)
        check_not_inputs("power report", outputs, trial_inputs)  # the plan's data file too
    elif design is not None:
        base = read_design(design)
    else:
        base = PowerDesign({}, None, source="command-line flags")
    analytic = {**base.analytic, **flags}
    source = base.source
    observed = analytic.pop("_observed_delta", None)
    if from_trial and sum(k in analytic for k in ("n_total", "delta", "power")) < 2:
        analytic.setdefault("power", 0.8)
        if "delta" not in analytic and "n_total" not in analytic:
            analytic["delta"] = observed
            source += f"; delta = the observed final-visit difference ({observed:.4g})"
    sim = base.simulation
    if simulate or sim_flags:
        sim = {**(sim or {}), **sim_flags}
    run_spec = PowerDesign(analytic, sim, source, base.from_fit, base.from_fit_arm)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=sim is None,
    ) as bar:
        task = bar.add_task("Simulating trials", total=None)

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        run = run_design(run_spec, n_jobs=jobs, scheduler=scheduler, timeout=timeout, progress=tick)
    document = power_document(run)
    print_blocks(document.blocks(), Console())
    try:
        if json is not None:
            from trialkit.report.document_files import write_document

            err.print(f"Wrote the JSON report: {write_document(document, 'json', json)}")
        if html is not None:
            from trialkit.report.html import HtmlRenderer

            figures = {}
            if run.simulation is not None:
                from trialkit.report.power_figures import power_curve_svg

                figures["power_curve"] = power_curve_svg(run)
            html.write_text(HtmlRenderer(figures).render(document), encoding="utf-8")
            err.print(f"Wrote the HTML report: {html}")
        if figures_dir is not None:
            from trialkit.report.power_figures import write_power_figures

            for p in write_power_figures(run, figures_dir, inputs):
                err.print(f"Wrote the figure: {p}")
    except OSError as exc:
        raise TrialkitError(f"Cannot write the power report: {exc.strerror or exc}.") from exc


def _ints(text: str | None) -> list[int] | None:
    vals = _floats(text, "--grid")
    return None if vals is None else [int(v) for v in vals]


def _design_from_trial(
    data: Path | None, plan: Path | None, arm: str | None
) -> tuple[Any, list[Path]]:
    """A design whose correlation, SD and retention come from the fitted primary MMRM
    (the comparison of ``arm``, default the first treatment arm, with the control), and the
    files the trial was read from."""
    from trialkit.analysis.runner import analyze_outcomes
    from trialkit.cli.errors import load_trial
    from trialkit.errors import ModelError, TrialkitError
    from trialkit.power.design_file import PowerDesign
    from trialkit.specs.comparisons import comparison_label

    trial = load_trial(data, plan)
    primary = trial.plan.primary
    result = analyze_outcomes(trial, (primary,))[0]
    if result.mmrm is None:
        raise ModelError(f"The MMRM for {primary.label} could not be fitted: {result.mmrm_error}")
    fit = result.mmrm
    control, treatments = fit.arms[0], fit.arms[1:]
    if arm is not None and arm not in treatments:
        raise TrialkitError(
            f"--arm '{arm}' is not a treatment arm of {trial.plan.title} "
            f"(treatment arms: {', '.join(treatments)}; control: {control})."
        )
    treatment = arm if arm is not None else treatments[0]
    label = comparison_label(treatment, control)
    diffs = fit.differences
    observed = float(diffs.loc[diffs["comparison"] == label, "estimate"].iloc[-1])
    source = f"{trial.plan.title}: {primary.label}, MMRM ({fit.covariance}) fitted to the trial"
    if len(fit.arms) > 2:
        source += f"; comparison {label}"
    design = PowerDesign(
        {"_observed_delta": observed},
        None,
        source=source,
        from_fit=fit,
        from_fit_arm=treatment,
    )
    return design, trial.input_files(data)
