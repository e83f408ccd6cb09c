"""Delta adjustment and the tipping point.

Sources: rbmi 1.6 ``d_lagscale`` semantics (hand-computed below: the increment at the j-th
visit from the event is sum_{l<=j} lag_l delta_{v_l}); linearity of the per-visit ANCOVA in
the outcome (an independent least-squares computation); the tipping point's defining
property p(delta*) = alpha.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from imputation_data import ARGS, events, fev

import trialkit
from trialkit.imputation import delta_increment, delta_shift


def template(post: list[list[bool]], arms: list[str]) -> pd.DataFrame:
    t = len(post[0])
    return pd.DataFrame(
        {
            "subject": np.repeat([f"S{i}" for i in range(len(post))], t),
            "visit": np.tile([f"V{j}" for j in range(t)], len(post)),
            "arm": np.repeat(arms, t),
            "is_post_ice": np.ravel(post),
        }
    )


def test_delta_increment_hand_computed():
    """delta (1, 2, 3, 4), lag (1, 1, 0.5, 0): event at visit 2 -> 0, 1*2, 2+1*3, 5+0.5*4;
    event at visit 4 -> only 1*4; no event -> 0."""
    tmpl = template(
        [[False, True, True, True], [False, False, False, True], [False] * 4], ["A", "B", "A"]
    )
    out = delta_increment([1, 2, 3, 4], lag=[1, 1, 0.5, 0])(tmpl).reshape(3, 4)
    np.testing.assert_allclose(out, [[0, 2, 5, 7], [0, 0, 0, 4], [0, 0, 0, 0]])
    only_a = delta_increment([1, 2, 3, 4], arms=["A"])(tmpl).reshape(3, 4)
    np.testing.assert_allclose(only_a, [[0, 2, 5, 9], [0, 0, 0, 0], [0, 0, 0, 0]])


def test_delta_shift_selects_arm_and_visits():
    tmpl = template([[False, True], [True, True]], ["A", "B"])
    out = delta_shift(2.5, arms=["B"], visits=["V1"])(tmpl)
    np.testing.assert_array_equal(out, [0, 0, 0, 2.5])


def _last_visit_shift_effect(shift_rows: np.ndarray) -> float:
    """Treatment coefficient of regressing a per-subject VIS4 shift on [1, arm, BASVAL]."""
    v4 = fev()[fev().VISIT == "VIS4"].sort_values("PATIENT")
    X = np.column_stack([np.ones(len(v4)), v4.THERAPY == "TRT", v4.BASVAL])
    return float(np.linalg.lstsq(X, shift_rows, rcond=None)[0][1])


def test_delta_only_moves_imputed_values_by_the_ancova_slope():
    """delta = 5 on the imputed TRT values (DataFrame form and function form agree): the VIS4
    difference moves by the least-squares effect of that shift; observed values unchanged."""
    ev = events("JR")
    base = trialkit.impute_and_analyse(fev(), events=ev, **ARGS)
    shifted = trialkit.impute_and_analyse(
        fev(), events=ev, delta=delta_shift(5.0, arms=["TRT"]), **ARGS
    )
    v4 = fev()[fev().VISIT == "VIS4"].sort_values("PATIENT")
    rows = np.where(v4.CHANGE.isna() & (v4.THERAPY == "TRT"), 5.0, 0.0)
    moved = shifted.differences["estimate"].iloc[-1] - base.differences["estimate"].iloc[-1]
    assert moved == pytest.approx(_last_visit_shift_effect(rows), rel=1e-9)
    table = fev()[["PATIENT", "VISIT", "THERAPY"]].assign(
        delta=lambda d: np.where(d.THERAPY == "TRT", 5.0, 0.0)
    )
    by_frame = trialkit.impute_and_analyse(fev(), events=ev, delta=table, **ARGS)
    pd.testing.assert_frame_equal(by_frame.differences, shifted.differences)


def test_tipping_point_root_has_p_equal_alpha():
    """Grid -10..0 on the TRT imputed values (JR, condmean + jackknife): p rises as delta
    falls; the root found by brentq has p = 0.05 and lies between the bracketing grid points."""
    tp = trialkit.tipping_point(
        fev(), deltas=np.arange(-10.0, 0.5, 1.0), events=events("JR"), **ARGS
    )
    tab = tp.table
    assert list(tab.columns) == [
        "delta",
        "estimate",
        "std_error",
        "df",
        "ci_lower",
        "ci_upper",
        "p_value",
        "significant",
    ]
    assert np.all(np.diff(tab["p_value"]) < 0)
    assert len(tp.tipping_points) == 1
    d = tp.tipping_point
    lo = tab.loc[~tab.significant, "delta"].max()
    hi = tab.loc[tab.significant, "delta"].min()
    assert lo < d < hi
    at_root = trialkit.impute_and_analyse(
        fev(), events=events("JR"), delta=delta_shift(d, arms=["TRT"]), **ARGS
    )
    assert at_root.differences["p_value"].iloc[-1] == pytest.approx(0.05, rel=1e-8)
    # delta = 0 is the unadjusted analysis
    base = trialkit.impute_and_analyse(fev(), events=events("JR"), **ARGS)
    row0 = tab[tab.delta == 0].iloc[0]
    assert row0["estimate"] == base.differences["estimate"].iloc[-1]
    assert "tipping point" in repr(tp)


def test_tipping_point_without_crossing():
    tp = trialkit.tipping_point(fev(), deltas=[0.0, 1.0, 2.0], events=events("JR"), **ARGS)
    assert tp.tipping_points == () and tp.tipping_point is None
    assert tp.table["significant"].all()
