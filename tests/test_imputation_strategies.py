"""Imputation strategies and the user hook: hand-computed cases.

Source: the definitions of Carpenter, Roger & Kenward (2013) as implemented by rbmi 1.6
(``strategy_JR/CR/CIR/LMCF``, ``compute_sigma``), recomputed here by an independent route.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from imputation_data import ARGS, events, fev

import trialkit
from trialkit.imputation import strategies as st

T = np.array([[4.0, 2.0, 1.0], [2.0, 5.0, 2.5], [1.0, 2.5, 6.0]])
R = np.array([[3.0, 1.5, 1.2], [1.5, 4.0, 2.0], [1.2, 2.0, 7.0]])
MAR = np.array([True, False, False])


def test_joint_sigma_is_own_before_and_reference_conditional_after():
    """Pre-event ~ N(0, T_MM); post | pre follows the reference's regression on pre-event
    values: Cov(post, pre) = R_bM R_MM^-1 T_MM, Var(post) = B T_MM B' + R_bb.M."""
    S = st.joint_sigma(T, R, MAR)
    m, b = [0], [1, 2]
    B = R[np.ix_(b, m)] @ np.linalg.inv(R[np.ix_(m, m)])
    resid = R[np.ix_(b, b)] - B @ R[np.ix_(m, b)]
    np.testing.assert_allclose(S[np.ix_(m, m)], T[np.ix_(m, m)], rtol=1e-14)
    np.testing.assert_allclose(S[np.ix_(b, m)], B @ T[np.ix_(m, m)], rtol=1e-14)
    np.testing.assert_allclose(S[np.ix_(b, b)], B @ T[np.ix_(m, m)] @ B.T + resid, rtol=1e-13)
    assert st.joint_sigma(T, T, MAR) is T
    np.testing.assert_array_equal(st.joint_sigma(T, R, np.ones(3, bool)), T)
    np.testing.assert_array_equal(st.joint_sigma(T, R, np.zeros(3, bool)), R)


def test_means_of_each_strategy():
    """Own means (10, 12, 14), reference (10, 11, 11), event at visit 2 (index 1)."""
    mu_g = np.array([[10.0, 12.0, 14.0]])
    mu_r = np.array([[10.0, 11.0, 11.0]])
    mu, _ = st.strategy_jr(mu_g, mu_r, T, R, MAR)
    np.testing.assert_array_equal(mu, [[10, 11, 11]])
    mu, S = st.strategy_cr(mu_g, mu_r, T, R, MAR)
    np.testing.assert_array_equal(mu, mu_r)
    assert S is R
    mu, _ = st.strategy_cir(mu_g, mu_r + [[0.0, 1.0, 3.0]], T, R, MAR)
    # last MAR visit 0: own 10 + reference increments (12 - 10, 14 - 10)
    np.testing.assert_array_equal(mu, [[10, 12, 14]])
    mu, S = st.strategy_lmcf(mu_g, mu_r, T, R, MAR)
    np.testing.assert_array_equal(mu, [[10, 10, 10]])
    assert S is T
    with pytest.raises(ValueError):
        st.strategy_lmcf(mu_g, mu_r, T, R, np.zeros(3, bool))


def test_user_hook_equal_to_jr_reproduces_jr():
    """A user strategy that is JR under another name gives JR's result exactly."""

    def my_jump(mu_g, mu_r, s_g, s_r, is_mar):
        return st.strategy_jr(mu_g, mu_r, s_g, s_r, is_mar)

    ev = events("JR")
    jr = trialkit.impute_and_analyse(fev(), events=ev, **ARGS)
    mine = trialkit.impute_and_analyse(
        fev(), events=ev.assign(strategy="MYJUMP"), strategies={"MYJUMP": my_jump}, **ARGS
    )
    pd.testing.assert_frame_equal(jr.differences, mine.differences)


def test_user_hook_shift():
    """A hook adding 2 to the own-arm means after the event moves every imputed post-event
    value by exactly 2 (conditional means are linear in mu). The per-visit ANCOVA is linear
    in y, so the VIS4 difference moves by the treatment coefficient of regressing that shift
    (2 on the imputed post-event cells, else 0) on [1, arm, BASVAL]."""

    def plus_two(mu_g, mu_r, s_g, s_r, is_mar):
        mu = mu_g.copy()
        mu[:, ~is_mar] += 2.0
        return mu, s_g

    ev = events("MAR")
    base = trialkit.impute_and_analyse(fev(), events=ev, **ARGS)
    shifted = trialkit.impute_and_analyse(
        fev(), events=ev.assign(strategy="PLUS2"), strategies={"PLUS2": plus_two}, **ARGS
    )
    v4 = fev()[fev().VISIT == "VIS4"].sort_values("PATIENT")
    shift = np.where(v4.PATIENT.isin(ev.subject) & v4.CHANGE.isna(), 2.0, 0.0)
    X = np.column_stack([np.ones(len(v4)), v4.THERAPY == "TRT", v4.BASVAL])
    expected = np.linalg.lstsq(X, shift, rcond=None)[0][1]
    diff = shifted.differences["estimate"].iloc[-1] - base.differences["estimate"].iloc[-1]
    assert diff == pytest.approx(expected, rel=1e-8)
    assert abs(expected) > 0.01


def test_mmrm_analysis_on_complete_data_equals_fit_mmrm():
    """analysis="mmrm" on data with nothing to impute = trialkit.fit_mmrm on those data
    (the engine validated against R mmrm); every imputation is the same data set, so Rubin's
    rules return the complete-data estimate and SE."""
    import warnings

    full = fev().copy()
    full["CHANGE"] = full["CHANGE"].fillna(full.groupby("VISIT")["CHANGE"].transform("mean"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = trialkit.impute_and_analyse(
            full, method="approxbayes", n_samples=2, seed=1, analysis="mmrm", **ARGS
        )
    args = {k: v for k, v in ARGS.items() if k != "reference"}
    fit = trialkit.fit_mmrm(full, **args)
    np.testing.assert_allclose(res.differences["estimate"], fit.differences["estimate"], rtol=1e-8)
    np.testing.assert_allclose(
        res.differences["std_error"], fit.differences["std_error"], rtol=1e-8
    )
