"""Bad input to the imputation API: one plain sentence each (DataError, exit code 2)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from imputation_data import ARGS, events, fev

import trialkit
from trialkit.errors import DataError


def run(**kw):
    args = {**ARGS, **kw}
    return trialkit.impute_and_analyse(args.pop("data", fev()), **args)


def one_sentence(err: Exception) -> str:
    msg = str(err)
    assert "\n" not in msg and "Traceback" not in msg
    return msg


def test_event_at_unknown_visit():
    ev = pd.DataFrame({"subject": ["PT12"], "visit": ["VIS9"], "strategy": ["JR"]})
    with pytest.raises(DataError) as e:
        run(events=ev)
    msg = one_sentence(e.value)
    assert "VIS9" in msg and "PT12" in msg and "row 1" in msg
    assert e.value.exit_code == 2


def test_unknown_strategy():
    ev = pd.DataFrame({"subject": ["PT12"], "visit": ["VIS4"], "strategy": ["J2Rx"]})
    with pytest.raises(DataError) as e:
        run(events=ev)
    assert "unknown strategy 'J2Rx'" in one_sentence(e.value)


def test_reference_arm_that_does_not_exist():
    with pytest.raises(DataError) as e:
        run(events=events("JR"), reference={"TRT": "PLACEBO", "PBO": "PBO"})
    msg = one_sentence(e.value)
    assert "'PLACEBO'" in msg and "PBO, TRT" in msg


def test_reference_for_unknown_arm():
    with pytest.raises(DataError) as e:
        run(events=events("JR"), reference={"DRUG": "PBO"})
    assert "'DRUG'" in one_sentence(e.value)


def test_two_events_of_the_same_kind():
    ev = pd.DataFrame(
        {"subject": ["PT12", "PT12"], "visit": ["VIS3", "VIS4"], "strategy": ["JR", "JR"]}
    )
    with pytest.raises(DataError) as e:
        run(events=ev)
    assert "PT12" in one_sentence(e.value)


def test_two_events_of_different_kinds_use_the_earliest():
    """Discontinuation at VIS4 and rescue at VIS3: the earliest (VIS3) is used, with a note."""
    ev = pd.DataFrame(
        {
            "subject": ["PT12", "PT12"],
            "visit": ["VIS4", "VIS3"],
            "strategy": ["JR", "CR"],
            "event": ["discontinuation", "rescue"],
        }
    )
    res = run(events=ev)
    assert res.events.loc[0, "visit"] == "VIS3" and res.events.loc[0, "strategy"] == "CR"
    assert any("PT12" in n for n in res.notes)


def test_subject_not_in_data():
    ev = pd.DataFrame({"subject": ["PT999"], "visit": ["VIS2"], "strategy": ["JR"]})
    with pytest.raises(DataError) as e:
        run(events=ev)
    assert "PT999" in one_sentence(e.value)


def test_empty_delta_grid():
    with pytest.raises(DataError) as e:
        trialkit.tipping_point(fev(), deltas=np.array([]), events=events("JR"), **ARGS)
    assert "empty" in one_sentence(e.value)


def test_unknown_method_and_missing_n_samples():
    with pytest.raises(DataError):
        run(method="bayes")
    with pytest.raises(DataError) as e:
        run(method="approxbayes")
    assert "n_samples" in one_sentence(e.value)


def test_lmcf_with_event_at_first_visit():
    ev = pd.DataFrame({"subject": ["PT12"], "visit": ["VIS1"], "strategy": ["LMCF"]})
    with pytest.raises(DataError) as e:
        run(events=ev)
    assert "LMCF" in one_sentence(e.value)


def test_no_missing_data_is_a_note_not_an_error():
    """Complete data: nothing is imputed; the result says so and equals the complete-data
    ANCOVA (the jackknife then only resamples subjects)."""
    full = fev().copy()
    full["CHANGE"] = full["CHANGE"].fillna(full.groupby("VISIT")["CHANGE"].transform("mean"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = run(data=full)
    assert any("nothing was imputed" in n for n in res.notes)
    assert any("nothing was imputed" in str(w.message) for w in caught)
    assert res.n_imputed == 0
    # the full-data estimate is then the per-visit OLS ANCOVA on the data as given
    import statsmodels.formula.api as smf

    v4 = full[full.VISIT == "VIS4"].assign(T=lambda d: (d.THERAPY == "TRT").astype(float))
    ols = smf.ols("CHANGE ~ T + BASVAL", data=v4).fit()
    assert res.differences["estimate"].iloc[-1] == pytest.approx(ols.params["T"], rel=1e-10)


def test_post_event_discard_equals_data_with_those_values_removed():
    """post_event="discard" (hypothetical) = the same call on data whose values from the
    event on were deleted by hand."""
    d = fev()
    ev = pd.DataFrame({"subject": ["PT1", "PT2"], "visit": ["VIS2", "VIS3"], "strategy": "JR"})
    res = run(events=ev, post_event="discard")
    cut = d.copy()
    vis = cut.VISIT.str[-1].astype(int)
    cut.loc[
        ((cut.PATIENT == "PT1") & (vis >= 2)) | ((cut.PATIENT == "PT2") & (vis >= 3)), "CHANGE"
    ] = np.nan
    by_hand = run(data=cut, events=ev)
    pd.testing.assert_frame_equal(res.differences, by_hand.differences)
    assert any("set to missing" in n for n in res.notes)
