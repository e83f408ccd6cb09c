"""``trialkit init`` polish: the outcome label is the outcome's own variable label (never
the baseline column's alone), and categorical subject-level columns are suggested as
covariates. Checked on the bundled SPSS/CSV sample files and on small handmade frames."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from trialkit.data.readers import RawTable
from trialkit.data.starter import categorical_covariates, outcome_label

SAMPLE = Path(__file__).parents[1] / "sample_data"


def _raw(labels: dict[str, str]) -> RawTable:
    return RawTable(pd.DataFrame(), Path("x.sav"), "spss", variable_labels=labels)


def test_outcome_label_prefers_its_own_label() -> None:
    raw = _raw({"bdi": "Depression (BDI-II)", "bdi_0": "BDI at baseline"})
    assert outcome_label("bdi", ["BDI at baseline", "x"], raw) == "Depression (BDI-II)"


def test_wide_label_is_the_shared_part_not_the_baseline_column() -> None:
    raw = _raw({})
    labels = [
        "Depression (BDI-II), week 0",
        "Depression (BDI-II), week 9",
        "Depression (BDI-II), week 21",
    ]
    assert outcome_label("bdi", labels, raw) == "Depression (BDI-II)"
    labels = ["BDI-II, baseline", "BDI-II, 2 months"]
    assert outcome_label("bdi", labels, raw) == "BDI-II"
    assert outcome_label("bdi", ["Baseline BDI", "Follow-up BDI"], raw) == "bdi"


def test_categorical_covariates_are_constant_within_subject_and_dense() -> None:
    df = pd.DataFrame(
        {
            "id": [1, 1, 2, 2, 3, 3],
            "sex": ["F", "F", "M", "M", "F", "F"],
            "site": ["A", "B", "A", "A", "B", "B"],  # changes within subject 1
            "reason": [None, None, None, None, "moved", "moved"],  # sparse free text
            "visit": ["0", "9", "0", "9", "0", "9"],
        }
    )
    assert categorical_covariates(df, "id", ("id", "visit")) == ["sex"]


def test_init_on_the_samples(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "plan.toml"
    result = cli("init", SAMPLE / "dbt_trial_wide.sav", "--out", out)
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert 'label = "Emotion dysregulation (DERS-18, 18-90)"' in text
    assert "categorical columns (candidate covariates" in text and ": gender" in text
