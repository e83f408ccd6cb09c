"""ANCOVA per visit vs R ``lm`` + ``emmeans`` (+ ``sandwich::vcovHC``).

Source: tests/reference/ancova_trial2/ (README.md there): ``lm(Y ~ ARM + BASE + SITE)`` on
complete cases at each visit of tests/reference/mmrm_trial2/data.csv; LS means with SITE
equal or proportional weights; HC0-HC3 SEs with residual df. These are exact linear-model
quantities, so the tolerance is 1e-9 relative (closed form).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from mmrm_reference import REF, TRIAL2_ROLES, TRIAL2_VISITS, max_rel, trial2_data

from trialkit import fit_ancova

with open(REF / "ancova_trial2" / "ancova_trial2_reference.json") as fh:
    R = json.load(fh)
VISITS = TRIAL2_VISITS
CLOSED_FORM_TOL = 1e-9


def _fit(robust: str | None = None, weights: str = "equal"):
    return fit_ancova(
        trial2_data(),
        **TRIAL2_ROLES,
        baseline="BASE",
        covariates=["SITE"],
        robust=robust,
        lsmeans_weights=weights,
    )


def _check(fit, key: str) -> None:
    for i, v in enumerate(VISITS):
        ref = R[v][key]
        diff = fit.differences.iloc[i]
        rd = ref["difference"]
        assert diff["visit"] == v
        for ours, theirs in (
            ("estimate", "estimate"),
            ("std_error", "se"),
            ("df", "df"),
            ("ci_lower", "lower"),
            ("ci_upper", "upper"),
            ("p_value", "p"),
        ):
            assert max_rel(diff[ours], rd[theirs]) < CLOSED_FORM_TOL
        lsm = fit.lsmeans[fit.lsmeans["visit"] == v]
        assert list(lsm["arm"]) == ref["lsmeans"]["arm"]
        assert max_rel(lsm["estimate"], ref["lsmeans"]["estimate"]) < CLOSED_FORM_TOL
        assert max_rel(lsm["std_error"], ref["lsmeans"]["se"]) < CLOSED_FORM_TOL
        assert max_rel(lsm["ci_lower"], ref["lsmeans"]["lower"]) < CLOSED_FORM_TOL


def test_model_based() -> None:
    _check(_fit(), "model")


def test_proportional_weights() -> None:
    _check(_fit(weights="proportional"), "model_proportional")


@pytest.mark.parametrize("hc", ["HC0", "HC1", "HC2", "HC3"])
def test_robust(hc: str) -> None:
    _check(_fit(robust=hc), hc)


def test_sample_counts_and_exclusions() -> None:
    fit = _fit()
    for v in VISITS:
        ref = R[v]
        row = fit.differences.set_index("visit").loc[v]
        assert row["n"] == ref["n_used"]
        assert row["n_control"] == ref["n_per_arm"]["Control"]
        assert row["n_treatment"] == ref["n_per_arm"]["Active"]
        excluded = fit.samples[v].excluded
        assert sorted(excluded["subject"]) == sorted(ref["excluded_subjects"])
        assert set(excluded["reason"]) <= {f"no observed Y at VISIT {v}"}
        assert fit.samples[v].total_subjects + len(excluded) == ref["n_total"]


def test_unknown_robust_type_is_a_plain_error() -> None:
    from trialkit.core.errors import ModelError

    with pytest.raises(ModelError, match="'robust' is 'HC9', which is not known"):
        _fit(robust="HC9")
    assert np.isfinite(_fit().differences["estimate"]).all()
