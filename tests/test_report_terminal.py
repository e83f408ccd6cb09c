"""The terminal report: number formats, section content, footnotes (including a covariance
fallback and a model that could not be fitted), and data strings shown literally."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest
from test_report_snapshots import terminal_text  # the snapshot's exact rendering

import trialkit
from trialkit.analysis import TrialAnalysis, analyze_trial
from trialkit.data.bundled import sample_plan
from trialkit.models.mmrm import Attempt
from trialkit.report.build import build_document
from trialkit.report.format import fmt_ci, fmt_int, fmt_num, fmt_p, fmt_paren, mean_digits
from trialkit.report.notes import footnotes


@pytest.fixture(scope="module")
def analysis() -> TrialAnalysis:
    return analyze_trial(trialkit.read_trial(None, sample_plan()))


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (0.0009999, "<0.001"),
        (1e-49, "<0.001"),
        (0.001, "0.001"),
        (0.0194, "0.019"),
        (0.01951, "0.020"),
        (1.0, "1.000"),
        (math.nan, "-"),
        (None, "-"),
    ],
)
def test_fmt_p(p: float | None, text: str) -> None:
    assert fmt_p(p) == text


def test_number_formats() -> None:
    assert fmt_ci(-5.0225, -9.2109, -0.8342) == "-5.02 (-9.21 to -0.83)"
    assert fmt_ci(-8.82, math.nan, math.nan) == "-8.82"  # published without a CI
    assert fmt_ci(math.nan, 1.0, 2.0) == "-"
    assert fmt_ci(1.0, 0.5, 1.5, digits=1, sep="\n") == "1.0\n(0.5 to 1.5)"
    assert fmt_paren(52.6818, 12.6799) == "52.7 (12.7)"
    assert fmt_num(None) == "-" and fmt_num(2.25, 1) == "2.2"  # round half to even, as Python
    assert fmt_int(40.0) == "40" and fmt_int(math.nan) == "-" and fmt_int(pd.NA) == "-"


def test_digits_follow_the_scale(analysis: TrialAnalysis) -> None:
    by_name = {oa.name: oa.outcome for oa in analysis.outcomes}
    assert mean_digits(by_name["pain_intensity"]) == 2  # 0-10
    assert mean_digits(by_name["ders"]) == 1  # 18-90


def test_sections_in_order(analysis: TrialAnalysis) -> None:
    keys = [s.key for s in build_document(analysis).sections]
    outcomes = [f"outcome-{oa.name}" for oa in analysis.outcomes]
    assert keys == [
        "header",
        "consort",
        "baseline",
        "adherence",
        "attrition",
        "trajectories",
        *outcomes,
        *[f"estimand-{i + 1}" for i in range(len(analysis.estimands))],
        "summary",
        "footnotes",
        "replication",
        "discrepancies",
        "checklist",
    ]
    assert outcomes[0] == "outcome-ders"  # primary first
    assert len(analysis.estimands) == 1  # the sample plan's estimand


def test_visit_table_numbers(analysis: TrialAnalysis) -> None:
    text = terminal_text(analysis)
    # DERS week 9 from the result objects: LS means (SE), MMRM and ANCOVA differences.
    oa = analysis.outcome("ders")
    ls = oa.mmrm.lsmeans.iloc[0]
    d = oa.mmrm.differences.iloc[0]
    an = oa.ancova.differences.iloc[0]
    assert f"{ls['estimate']:.2f} ({ls['std_error']:.2f})" in text
    assert fmt_ci(d["estimate"], d["ci_lower"], d["ci_upper"]) in text
    assert fmt_ci(an["estimate"], an["ci_lower"], an["ci_upper"]) in text
    assert "-5.02 (-9.21 to -0.83)" in text  # the same, spelled out
    assert "Secondary outcome; higher scores are better." in text  # well-being


def test_footnotes_describe_the_models(analysis: TrialAnalysis) -> None:
    notes = "\n".join(footnotes(analysis))
    assert "Covariance: unstructured for every outcome, as planned." in notes
    assert "Degrees of freedom: Kenward-Roger (linear)." in notes
    assert "LS means: equal weights" in notes
    assert "Effect size: Cohen's d = model-based difference / pooled baseline SD" in notes
    m = analysis.outcome("ders").mmrm
    c, t = analysis.trial.plan.arms.control, analysis.trial.plan.arms.treatment
    n = f"{m.sample.n_subjects[c]}/{m.sample.n_observations[c]}; "
    n += f"{m.sample.n_subjects[t]}/{m.sample.n_observations[t]}; {len(m.sample.excluded)} excluded"
    assert f"Emotion dysregulation (DERS-18, 18-90): {n}" in notes
    label = analysis.outcome("ders").outcome.label
    assert f"no observed {label} at any analysed visit (n = 8)" in notes


def _with_outcome(analysis: TrialAnalysis, name: str, **changes: object) -> TrialAnalysis:
    outcomes = tuple(
        dataclasses.replace(oa, **changes) if oa.name == name else oa for oa in analysis.outcomes
    )
    return dataclasses.replace(analysis, outcomes=outcomes)


def test_footnote_names_a_covariance_fallback(analysis: TrialAnalysis) -> None:
    m = analysis.outcome("anxiety").mmrm
    attempts = (
        Attempt("us", False, "did not converge in 200 iterations", 200),
        Attempt("toeph", True, "converged", 12),
    )
    changed = dataclasses.replace(m, covariance="toeph", attempts=attempts)
    notes = "\n".join(footnotes(_with_outcome(analysis, "anxiety", mmrm=changed)))
    assert "Covariance: unstructured as planned, except:" in notes
    assert (
        "Anxiety (STAI-state, 20-80): heterogeneous Toeplitz used because the fallback ladder "
        "rejected us: did not converge in 200 iterations." in notes
    )


def test_model_not_fitted_is_reported(analysis: TrialAnalysis) -> None:
    broken = _with_outcome(
        analysis, "sleep", mmrm=None, ancova=None, mmrm_error="E1.", ancova_error="E2."
    )
    text = terminal_text(broken)
    assert "MMRM not fitted: E1." in text and "ANCOVA not fitted: E2." in text
    assert "Sleep problems (MOS Sleep Problems Index II, 0-100): not fitted: E1." in text


def test_markup_in_labels_is_literal(analysis: TrialAnalysis) -> None:
    plan = analysis.trial.plan
    arms = dataclasses.replace(plan.arms, treatment_label="DBT [red]x[/red] [bold]")
    trial = dataclasses.replace(analysis.trial, plan=dataclasses.replace(plan, arms=arms))
    text = terminal_text(dataclasses.replace(analysis, trial=trial))
    assert "DBT [red]x[/red] [bold]" in text


BOX_LEFT, BOX_RIGHT = "┏┃┡│└", "┓┃┩│┘"


@pytest.mark.parametrize("width", [80, 120])
def test_every_table_keeps_its_right_border(analysis: TrialAnalysis, width: int) -> None:
    # Rich shrinks columns evenly as a last resort and then widens numeric columns back to
    # their content, which pushed the estimand and replication tables' right border off a
    # 120-column screen; every table line must now end with its border.
    import io

    from rich.console import Console

    from trialkit.report.terminal import block_renderables

    tables = [t for _, t in build_document(analysis).tables() if t.show_header]
    assert any(t.title.startswith("Main and sensitivity estimates") for t in tables)
    for t in tables:
        console = Console(record=True, width=width, file=io.StringIO())
        for r in block_renderables(t, width):
            console.print(r)
        lines = console.export_text().splitlines()
        boxed = [ln for ln in lines if ln[:1] in BOX_LEFT]
        assert boxed, t.title
        cut = [ln for ln in boxed if ln.rstrip()[-1] not in BOX_RIGHT]
        assert not cut, f"{t.title} at {width} columns: {cut[0]}"
        assert max(len(ln) for ln in lines) <= width


def test_table_footnotes_are_printed_below_the_table() -> None:
    """Footnotes explain a table's marks (e.g. W, C): the terminal prints them too."""
    import io

    from rich.console import Console

    from trialkit.report.document import Column, Label, Table
    from trialkit.report.terminal import print_blocks

    table = Table(
        "Differential attrition",
        (Column("Visit"), Column("OR", "right")),
        ((Label("Week 9"), Label("1.20", marks=("W",))),),
        footnotes=("W: Woolf (logit) interval; the exact CI is too costly here.",),
    )
    buf = io.StringIO()
    print_blocks([table], Console(file=buf, width=80, color_system=None))
    lines = buf.getvalue().splitlines()
    assert lines[-1] == "W: Woolf (logit) interval; the exact CI is too costly here."
    assert any("1.20" in line and "W" in line for line in lines[:-1])
