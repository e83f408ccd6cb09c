"""The trial-level runner on the bundled sample trial, and the replication check.

Sources: the sample generator's known design (sample_data/README.md: 45 vs 44 randomised,
8 subjects without any post-baseline assessment) and the online DBT trial's published
figures (sample_data/dbt_long.toml [[published]], from the seed summary). Replication
agreement is checked by hand-computed published SEs: SE = (upper - lower) / (2 z_0.975).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import trialkit
from trialkit.analysis import analyze_trial
from trialkit.analysis.replication import replication_table
from trialkit.data.bundled import sample_plan
from trialkit.plan.schema import Published


@pytest.fixture(scope="module")
def analysis():
    return analyze_trial(trialkit.read_trial(None, sample_plan()))


def test_every_outcome_is_fitted_primary_first(analysis) -> None:
    plan = analysis.trial.plan
    assert [o.name for o in analysis.outcomes][0] == plan.primary.name == "ders"
    assert {o.name for o in analysis.outcomes} == {o.name for o in plan.outcomes}
    for oa in analysis.outcomes:
        assert oa.mmrm is not None and oa.mmrm_error is None
        assert oa.ancova is not None and oa.ancova_error is None
        assert list(oa.mmrm.differences["visit"]) == ["9", "21"]
        # 89 randomised; 8 have no post-baseline assessment at all
        assert oa.mmrm.n_subjects == 81
        assert oa.mmrm.n_subjects + len(oa.mmrm.sample.excluded) == 89


def test_observed_summary_matches_pandas(analysis) -> None:
    data = analysis.trial.data
    obs = analysis.outcome("ders").observed
    row = obs[(obs["arm"] == "Standard care") & (obs["visit"] == "9")].iloc[0]
    vals = data.loc[(data["arm"] == "Standard care") & (data["week"] == "9"), "ders"].dropna()
    assert row["n"] == len(vals)
    assert row["mean"] == pytest.approx(vals.mean(), rel=1e-12)
    assert row["sd"] == pytest.approx(vals.std(ddof=1), rel=1e-12)


def test_replication_lists_every_published_figure(analysis) -> None:
    rep = analysis.replication
    plan = analysis.trial.plan
    assert len(rep) == len(plan.published) == 6
    assert list(zip(rep["outcome"], rep["visit"], strict=True)) == [
        (p.outcome, p.visit) for p in plan.published
    ]
    assert rep["agrees"].all(), rep[~rep["agrees"]]
    ders9 = rep.iloc[0]
    z = stats.norm.ppf(0.975)
    assert ders9["scale"] == pytest.approx((-0.55 - -9.20) / (2 * z), rel=1e-12)
    est = analysis.outcome("ders").mmrm.differences.set_index("visit").loc["9", "estimate"]
    assert ders9["difference"] == pytest.approx(est - -4.88, rel=1e-12)


def test_replication_flags_disagreement(analysis) -> None:
    plan = analysis.trial.plan
    fits = {o.name: o.mmrm for o in analysis.outcomes}
    wrong = (
        Published("ders", "9", difference=-12.0, ci=(-16.3, -7.7), p=0.001),
        Published("depression", "9", difference=-8.82, p=1e-9, p_bound="<"),
        Published("anxiety", "21", difference=-8.41, p=0.003),
    )
    rep = replication_table(dataclasses.replace(plan, published=wrong), fits)
    assert not rep["agrees"].any()
    assert "published SE" in rep["reason"].iloc[0]
    assert "reported bound" in rep["reason"].iloc[1]
    assert "side of alpha" in rep["reason"].iloc[2]


def test_summary_and_effects_frames(analysis) -> None:
    s = analysis.summary_frame()
    assert len(s) == 18
    assert {"estimate", "std_error", "df", "ci_lower", "ci_upper", "p_value"} <= set(s.columns)
    e = analysis.effects_frame()
    assert list(e.columns) == [
        "study", "outcome", "comparison", "visit", "measure", "yi", "se", "n1", "n2",
    ]  # fmt: skip
    assert set(e["comparison"]) == set(s["comparison"]) == {"DBT + standard care - Standard care"}
    assert np.allclose(e["yi"], s["estimate"]) and np.allclose(e["se"], s["std_error"])
    assert set(e["n1"] + e["n2"]) == {81}


def test_effects_pool_in_meta(analysis) -> None:
    """A trial's exported effects pool directly (two copies of a trial: FE = the trial)."""
    e = analysis.effects_frame()
    one = e[(e["outcome"] == "ders") & (e["visit"] == "9")]
    two = pd.concat([one, one.assign(study="copy")], ignore_index=True)
    res = trialkit.meta_analysis(two[["study", "yi", "se"]], measure="MD", method="FE")
    assert res.estimate == pytest.approx(float(one["yi"].iloc[0]), rel=1e-12)
    assert res.std_error == pytest.approx(float(one["se"].iloc[0]) / np.sqrt(2), rel=1e-12)


def test_consort_uses_model_counts(analysis) -> None:
    assert analysis.discrepancies == ()
