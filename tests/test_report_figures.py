"""Report figures: files written, and the plotted points are the model's numbers.

The LS means, CIs and Cohen's d drawn are read back from the matplotlib artists and compared
with the result objects (validated against R in test_mmrm_*.py), so a plotting mistake
(wrong arm, wrong visit, CI swapped) fails here.
"""

from __future__ import annotations

import dataclasses

import matplotlib.pyplot as plt
import numpy as np
import pytest

import trialkit
from trialkit.analysis import TrialAnalysis, analyze_trial
from trialkit.data.bundled import sample_plan
from trialkit.report.figures import forest_figure, svg_figures, trajectory_figure, write_figures


@pytest.fixture(scope="module")
def analysis() -> TrialAnalysis:
    return analyze_trial(trialkit.read_trial(None, sample_plan()))


def test_write_figures(analysis: TrialAnalysis, tmp_path) -> None:
    paths = write_figures(analysis, tmp_path / "figs")
    names = sorted(p.name for p in paths)
    assert names == sorted(
        f"{n}.{e}"
        for n in ("trajectories", "forest", "consort", "estimands")  # the sample has an estimand
        for e in ("png", "svg")
    )
    for p in paths:
        head = p.read_bytes()[:8]
        assert head.startswith(b"\x89PNG") if p.suffix == ".png" else b"<?xml" in head
    svg = (tmp_path / "figs" / "forest.svg").read_text()
    for oa in analysis.outcomes:
        assert oa.outcome.label in svg  # text kept as text


def test_trajectory_points_are_ls_means(analysis: TrialAnalysis) -> None:
    fig = trajectory_figure(analysis)
    try:
        plan = analysis.trial.plan
        for ax, oa in zip(fig.axes, analysis.outcomes, strict=False):
            # Per arm: the connecting line runs observed baseline mean -> LS means.
            lines = [ln for ln in ax.get_lines() if ln.get_linestyle() == "-"]
            for line, arm in zip(lines, (plan.arms.control, plan.arms.treatment), strict=True):
                obs = oa.observed
                base = obs[(obs["arm"] == arm) & (obs["visit"] == plan.visits.baseline)]["mean"]
                ls = oa.mmrm.lsmeans
                post = ls[ls["arm"].astype(str) == arm]["estimate"].to_numpy()
                np.testing.assert_array_equal(
                    np.asarray(line.get_ydata(), float), np.r_[base.to_numpy(), post]
                )
    finally:
        plt.close(fig)


def test_forest_points_are_cohens_d(analysis: TrialAnalysis) -> None:
    fig = forest_figure(analysis)
    try:
        visits = analysis.trial.plan.visits.post_baseline
        for ax, visit in zip(fig.axes, visits, strict=True):
            pts = {}
            for line in ax.get_lines()[1:]:  # after the zero line
                for x, y in zip(line.get_xdata(), line.get_ydata(), strict=True):
                    pts[float(y)] = float(x)
            n = len(analysis.outcomes)
            for k, oa in enumerate(analysis.outcomes):
                es = oa.mmrm.effect_sizes.set_index("visit")
                assert pts[float(n - 1 - k)] == es.loc[visit, "estimate"]
            segs = ax.collections[0].get_segments()
            lo = [s[0][0] for s in segs]
            expected = [
                oa.mmrm.effect_sizes.set_index("visit").loc[visit, "ci_lower"]
                for oa in analysis.outcomes
            ]
            np.testing.assert_allclose(lo, expected, rtol=1e-12)
    finally:
        plt.close(fig)


def test_svg_inline_and_dollar_labels(analysis: TrialAnalysis) -> None:
    plan = analysis.trial.plan
    arms = dataclasses.replace(plan.arms, treatment_label="$50 voucher & $10 app")
    odd = dataclasses.replace(
        analysis,
        trial=dataclasses.replace(analysis.trial, plan=dataclasses.replace(plan, arms=arms)),
    )
    svgs = svg_figures(odd)
    assert set(svgs) == {"consort", "trajectories", "forest", "estimands"}
    for text in svgs.values():
        assert text.startswith("<svg") and text.rstrip().endswith("</svg>")
    assert "$50 voucher &amp; $10 app" in svgs["trajectories"]
