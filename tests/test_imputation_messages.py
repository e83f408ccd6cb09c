"""Imputation messages name visits as the report does: by the plan's label when given."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trialkit.errors import ModelError
from trialkit.imputation import impute_and_analyse


def _no_data_at_last_visit() -> pd.DataFrame:
    rng = np.random.default_rng(20261208)
    n, visits = 30, ["1", "2", "3"]
    df = pd.DataFrame(
        {
            "id": np.repeat([f"s{i}" for i in range(n)], 3),
            "arm": np.repeat(np.where(np.arange(n) % 2, "T", "C"), 3),
            "week": visits * n,
            "base": np.repeat(rng.normal(50, 5, n), 3),
        }
    )
    df["y"] = df["base"] + rng.normal(0, 3, len(df))
    df.loc[df["week"] == "3", "y"] = np.nan  # nobody observed at the last visit
    return df


@pytest.mark.parametrize(
    ("labels", "where"),
    [(None, "visit 3"), ({"1": "Week 1", "2": "Week 2", "3": "Week 3"}, "Week 3")],
)
def test_missing_visit_is_named_by_its_label(labels, where) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ModelError, match=f"no observed MAR value at {where}$"):
        impute_and_analyse(
            _no_data_at_last_visit(),
            outcome="y",
            arm="arm",
            control="C",
            visit="week",
            subject="id",
            covariates=["base"],
            visit_labels=labels,
        )
