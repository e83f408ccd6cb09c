"""ImputationSpec: the one place the imputation options' names, defaults and rules live; the
API's keyword arguments and ``spec=`` give the same result; results are read-only.

Sources: the issue's API contract (keyword arguments of impute_and_analyse / tipping_point);
the vocabularies of trialkit/specs/imputation.py (rbmi's names, with the J2R alias).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from imputation_data import ARGS, events, fev

import trialkit
from trialkit.errors import DataError
from trialkit.specs.estimand import ASSUMPTIONS, METHODS
from trialkit.specs.imputation import IMPUTATION_METHODS, STRATEGIES, ImputationSpec


def test_defaults_and_vocabulary():
    s = ImputationSpec()
    assert (s.method, s.resampling, s.analysis, s.post_event) == (
        "condmean",
        "jackknife",
        "ancova",
        "keep",
    )
    assert s.check() == ()
    assert STRATEGIES.canonical("j2r") == "JR" and ASSUMPTIONS is STRATEGIES
    assert METHODS.codes == ("mmrm", *IMPUTATION_METHODS.codes)


@pytest.mark.parametrize(
    ("options", "key", "fragment"),
    [
        ({"method": "bayes"}, "method", "'method' is 'bayes', which is not known"),
        ({"resampling": "jacknife"}, "resampling", "'resampling' is 'jacknife'"),
        ({"method": "approxbayes"}, "n_samples", "needs 'n_samples' of at least 2, not None"),
        ({"resampling": "bootstrap", "n_samples": 1}, "n_samples", "at least 2, not 1"),
        ({"analysis": "glm"}, "analysis", "'analysis' is 'glm'"),
        ({"post_event": "drop"}, "post_event", "'post_event' is 'drop'"),
        ({"alpha": 0.7}, "alpha", "use a value in (0, 0.5)"),
    ],
)
def test_check_names_the_option(options, key, fragment):
    problems = ImputationSpec(**options).check(prefix="x.")
    assert len(problems) == 1
    assert problems[0].key == f"x.{key}"
    with pytest.raises(DataError) as e:
        ImputationSpec.from_options(**options)
    assert fragment in str(e.value) and "\n" not in str(e.value)


def test_from_options_normalises_and_overrides():
    base = ImputationSpec(method="approxbayes", n_samples=5, seed=3)
    s = ImputationSpec.from_options(base, method="CONDMEAN", resampling=None, seed=4)
    assert (s.method, s.resampling, s.n_samples, s.seed) == ("condmean", "jackknife", 5, 4)
    with pytest.raises(DataError, match="unknown imputation option"):
        ImputationSpec.from_options(methd="condmean")


def test_keywords_and_spec_give_the_same_result():
    """The API contract's keyword arguments and spec= (with a keyword overriding it)."""
    kw = trialkit.impute_and_analyse(
        fev(), events=events("JR"), method="approxbayes", n_samples=4, seed=9, **ARGS
    )
    spec = ImputationSpec(method="approxbayes", n_samples=4, seed=1)
    sp = trialkit.impute_and_analyse(fev(), events=events("JR"), spec=spec, seed=9, **ARGS)
    pd.testing.assert_frame_equal(kw.differences, sp.differences, check_exact=True)
    assert sp.seed == 9 and sp.method == "approxbayes"


def test_results_are_read_only_copies_with_short_repr_and_summary():
    res = trialkit.impute_and_analyse(fev(), events=events("JR"), **ARGS)
    d = res.differences
    d.loc[:, "estimate"] = 0.0
    assert not np.allclose(res.differences["estimate"], 0.0)
    res.reference["TRT"] = "TRT"
    assert res.reference["TRT"] == "PBO"
    with pytest.raises(AttributeError):
        res.method = "approxbayes"  # type: ignore[misc]
    assert "\n" not in repr(res) and "jackknife" in repr(res)
    text = res.summary()
    assert text.startswith(repr(res)) and "VIS4" in text and "std_error" in text
    tp = trialkit.tipping_point(fev(), events=events("JR"), deltas=[0.0, -8.0], **ARGS)
    t = tp.table
    t.loc[:, "p_value"] = 1.0
    assert tp.table["p_value"].min() < 0.05
    assert "\n" not in repr(tp) and "delta" in tp.summary()
