"""Degenerate fits are errors, never numbers (trialkit/models/degenerate.py), through the
Python API; and visits that cannot be estimated are left out with their reason.

Data: tests/corpus/trial.csv (written by tests/corpus/make_corpus.py, fixed seed), 16
subjects in two arms at weeks 0, 4 and 8.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trialkit import fit_ancova, fit_mmrm
from trialkit.errors import ModelError
from trialkit.report.spreadsheet import guard_cell, guard_formulas

DATA = Path(__file__).resolve().parent / "corpus" / "trial.csv"
ROLES = {"arm": "group", "control": "Control", "visit": "week", "subject": "id"}


@pytest.fixture(scope="module")
def post() -> pd.DataFrame:
    df = pd.read_csv(DATA)
    base = df[df["week"] == 0].set_index("id")["score"].rename("bl")
    return df[df["week"] > 0].join(base, on="id").reset_index(drop=True)


def _fit(model: str, data: pd.DataFrame, covariates=(), **kw):
    if model == "mmrm":
        return fit_mmrm(data, outcome="score", **ROLES, covariates=list(covariates), **kw)
    return fit_ancova(data, outcome="score", **ROLES, baseline=None, covariates=covariates, **kw)


MODELS = ("mmrm", "ancova")


@pytest.mark.parametrize("model", MODELS)
def test_constant_outcome_is_an_error(model, post) -> None:
    # the case: a difference of 1e-15 with p = 0.00014 used to be reported
    with pytest.raises(ModelError, match=r"score is constant \(every analysed value is 10\)"):
        _fit(model, post.assign(score=10.0), covariates=["age"])


@pytest.mark.parametrize("model", MODELS)
def test_tiny_variation_relative_to_scale_is_an_error(model, post) -> None:
    """A difference of 1e-15 on a scale of 5: the fit reproduces the data exactly."""
    y = 5.0 + 1e-15 * (post["group"] == "Active")
    with pytest.raises(ModelError, match="constant|reproduces score exactly"):
        _fit(model, post.assign(score=y))


@pytest.mark.parametrize("model", MODELS)
def test_deterministic_outcome_is_an_error(model, post) -> None:
    y = post["bl"] + np.where(post["group"] == "Active", 2.0, 0.0) + 0.25 * post["week"]
    with pytest.raises(ModelError, match="reproduces score exactly"):
        _fit(model, post.assign(score=y), covariates=["bl"])


@pytest.mark.parametrize("model", MODELS)
def test_one_subject_per_arm_is_an_error(model, post) -> None:
    with pytest.raises(ModelError, match="arm Active has 1 subject with an observed score"):
        _fit(model, post[post["id"].isin(["S01", "S02", "S03"])])


def test_more_coefficients_than_observations_is_an_error(post) -> None:
    few = post[post["id"].isin(["S01", "S02", "S03", "S04", "S05"]) & (post["week"] == 8)]
    few = few.assign(x1=[1.0, 2.0, 4.0, 3.0, 7.0], x2=[0.5, 0.1, 0.9, 0.3, 0.2])
    with pytest.raises(ModelError, match="5 observations of score cannot estimate 5"):
        fit_ancova(few, outcome="score", **ROLES, baseline="bl", covariates=["x1", "x2"])


@pytest.mark.parametrize("model", MODELS)
def test_covariate_problems_name_the_covariate(model, post) -> None:
    data = post.assign(
        empty=np.nan, one=1.0, age2=post["age"], armx=(post["group"] == "Active") * 1.0
    )
    cases = {
        "empty": "covariate empty is missing for every subject",
        "one": r"covariate one has the same value \(1.0\)",
        "armx": "covariate armx has one value per arm",
    }
    for cov, message in cases.items():
        with pytest.raises(ModelError, match=message):
            _fit(model, data, covariates=["age", cov])
    with pytest.raises(ModelError, match="covariates age and age2 hold the same values"):
        _fit(model, data, covariates=["age", "age2"])


@pytest.mark.parametrize("model", MODELS)
def test_visit_without_data_is_not_estimable(model, post) -> None:
    gap = post.assign(score=np.where(post["week"] == 4, np.nan, post["score"]))
    fit = _fit(model, gap, covariates=["bl"])
    assert fit.not_estimable == {"4": "no observed score at week 4"}
    assert list(fit.differences["visit"]) == ["8"]
    # the estimate is the one from the week-8 data alone
    alone = _fit(model, post[post["week"] == 8], covariates=["bl"])
    np.testing.assert_allclose(
        fit.differences[["estimate", "std_error"]].to_numpy(),
        alone.differences[["estimate", "std_error"]].to_numpy(),
        rtol=1e-6,
    )


@pytest.mark.parametrize("model", MODELS)
def test_visit_without_data_in_one_arm_is_not_estimable(model, post) -> None:
    gap = post.assign(
        score=np.where((post["week"] == 4) & (post["group"] == "Active"), np.nan, post["score"])
    )
    fit = _fit(model, gap)
    assert fit.not_estimable == {"4": "no observed score in arm Active at week 4"}
    assert list(fit.differences["visit"]) == ["8"]


def test_formula_cells_are_guarded_but_numbers_kept() -> None:
    assert guard_cell("=1+2") == "'=1+2"
    assert guard_cell("@SUM(A1)") == "'@SUM(A1)"
    assert guard_cell("+x") == "'+x"
    assert guard_cell("-x") == "'-x"
    assert guard_cell("-1.5") == "-1.5"  # a plain number written as text
    assert guard_cell("2e-3") == "2e-3"
    assert guard_cell(-1.5) == -1.5
    frame = pd.DataFrame({"study": ["=cmd", "ok"], "yi": [-0.5, 0.2], "n": [3, 4]})
    out = guard_formulas(frame)
    assert out["study"].tolist() == ["'=cmd", "ok"]
    assert out["yi"].tolist() == [-0.5, 0.2]
    assert out["yi"].dtype == float and out["n"].dtype == frame["n"].dtype
    assert frame["study"].tolist() == ["=cmd", "ok"]  # the input is not modified
