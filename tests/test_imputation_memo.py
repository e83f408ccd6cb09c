"""The imputation model is fitted once for analyses of the same data that differ only in
how missing values are imputed, and sharing the fit changes no number.

Source of the expected values: the same analyses with the memo switched off (every fit
recomputed); the imputation numbers themselves are checked against rbmi in
tests/test_imputation_rbmi.py.
"""

from __future__ import annotations

import pandas as pd
import pytest
from rich.console import Console

import trialkit.imputation.condmean as condmean
import trialkit.imputation.draws as draws
from trialkit.analysis.estimands import analyze_estimands
from trialkit.cli.errors import load_trial


def _estimates(trial) -> list[pd.DataFrame]:  # type: ignore[no-untyped-def]
    (res,) = analyze_estimands(trial)
    out = [r.differences for r in res.estimators]
    return out + [r.tipping for r in res.estimators if r.tipping is not None]


def test_mar_and_j2r_share_one_fit_and_give_the_same_numbers(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    trial = load_trial(None, None, Console(stderr=True))
    calls: list[int] = []
    real = draws._fit_full

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kwargs)

    refits: list[int] = []
    real_refits = condmean.refit_batch

    def counting_refits(ctx, subjects):  # type: ignore[no-untyped-def]
        refits.append(len(subjects))
        return real_refits(ctx, subjects)

    monkeypatch.setattr(draws, "_fit_full", counting)
    monkeypatch.setattr(condmean, "refit_batch", counting_refits)
    draws._FIT_MEMO.clear()
    shared = _estimates(trial)
    # the sample's MAR and J2R conditional-mean estimators (and the J2R tipping grid) impute
    # the same observed values: one imputation-model fit and one set of jackknife refits
    # (one per subject) serve them all
    assert len(calls) == 1
    assert sum(refits) == trial.subjects.shape[0]
    monkeypatch.setattr(draws, "FIT_MEMO_SIZE", 0)
    draws._FIT_MEMO.clear()
    calls.clear()
    refits.clear()
    fresh = _estimates(trial)
    assert len(calls) == 2  # MAR and J2R each fit (the J2R estimator reuses its grid's result)
    assert sum(refits) == 2 * trial.subjects.shape[0]
    for a, b in zip(shared, fresh, strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_memo_is_bounded() -> None:
    assert draws.FIT_MEMO_SIZE >= 1
    assert len(draws._FIT_MEMO) <= draws.FIT_MEMO_SIZE


@pytest.fixture(autouse=True)
def _clean_memo():  # type: ignore[no-untyped-def]
    yield
    draws._FIT_MEMO.clear()
