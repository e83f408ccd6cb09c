"""Results are read-only: tables handed out are copies; repr is one line; summary() is text.

Source: the design rule (linearmodels-style immutable results); no statistical reference.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from conftest import long_frame

from trialkit.meta import meta_analysis
from trialkit.models.ancova import fit_ancova
from trialkit.models.mmrm import fit_mmrm


def _fits():
    df = long_frame(n_subjects=40).rename(columns={"week": "visit"})
    base = df[df["visit"] == 0].set_index("pid")["ders"].rename("ders_bl")
    post = df[df["visit"] != 0].join(base, on="pid")
    common = dict(
        outcome="ders", arm="arm", control=df["arm"].iloc[0], visit="visit", subject="pid"
    )
    mm = fit_mmrm(post, **common, covariates=["ders_bl"], df_method="satterthwaite")
    an = fit_ancova(post, **common, baseline="ders_bl")
    return mm, an


def test_tables_are_copies() -> None:
    mm, an = _fits()
    for result, name in (
        (mm, "differences"),
        (mm, "lsmeans"),
        (mm, "coefficients"),
        (an, "differences"),
    ):
        before = getattr(result, name)["estimate"].to_numpy().copy()
        table = getattr(result, name)
        table.loc[:, "estimate"] = 1e9
        np.testing.assert_array_equal(getattr(result, name)["estimate"].to_numpy(), before)
    theta = mm.theta
    theta[:] = 0
    assert np.any(mm.theta != 0)
    counts = mm.sample.n_subjects
    total = sum(counts.values())
    counts.clear()
    assert sum(mm.sample.n_subjects.values()) == total > 0
    excluded = mm.sample.excluded
    excluded["extra"] = 1
    assert "extra" not in mm.sample.excluded.columns


def test_repr_and_summary() -> None:
    mm, an = _fits()
    assert repr(mm).startswith("MMRMResult(outcome='ders', covariance='us'")
    assert "\n" not in repr(mm) and "\n" not in repr(an)
    text = mm.summary()
    assert text.splitlines()[0] == repr(mm)
    assert "estimate" in text and "p_value" in text
    assert "AncovaResult(" in an.summary()
    res = meta_analysis(
        pd.DataFrame({"study": ["a", "b", "c"], "yi": [0.1, 0.3, 0.2], "vi": [0.01, 0.02, 0.015]})
    )
    assert repr(res).startswith("MetaAnalysisResult(measure=")
    # the meta-analysis result keeps its tidy one-row summary() frame (public API since 0.1)
    assert list(res.summary().columns)[:6] == [
        "estimate",
        "std_error",
        "df",
        "ci_lower",
        "ci_upper",
        "p_value",
    ]
