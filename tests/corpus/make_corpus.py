"""Write the bad-input corpus's data files (deterministic; seed fixed below).

Run from the repository root: ``python tests/corpus/make_corpus.py``. The plans and
``cases.toml`` are written by hand; this script only writes the CSV/XLSX data they use, so
the corpus can be regenerated and reviewed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SEED = 20261130
VISITS = (0, 4, 8)
CONTROL, TREATMENT = "Control", "Active"


def base(n: int = 16, seed: int = SEED) -> pd.DataFrame:
    """A clean long trial: id, group, week, score (outcome), pain (outcome), age, sex."""
    rng = np.random.default_rng(seed)
    ids = [f"S{i:02d}" for i in range(1, n + 1)]
    arm = np.where(np.arange(n) % 2 == 0, CONTROL, TREATMENT)
    age = rng.integers(20, 70, n).astype(float)
    sex = rng.choice(["F", "M"], n)
    t = len(VISITS)
    score0 = rng.normal(50, 10, n)
    rows = {
        "id": np.repeat(ids, t),
        "group": np.repeat(arm, t),
        "week": np.tile(VISITS, n),
        "score": np.round(
            np.repeat(score0, t)
            - np.tile(np.arange(t), n) * np.repeat(np.where(arm == TREATMENT, 3.0, 1.0), t)
            + rng.normal(0, 4, n * t),
            1,
        ),
        "pain": np.round(rng.uniform(0, 10, n * t), 1),
        "age": np.repeat(age, t),
        "sex": np.repeat(sex, t),
    }
    return pd.DataFrame(rows)


def write(df: pd.DataFrame, name: str) -> None:
    df.to_csv(HERE / name, index=False)


def _two_sheets(df: pd.DataFrame) -> None:
    with pd.ExcelWriter(HERE / "two_sheets.xlsx") as xw:
        pd.DataFrame({"note": ["read me first"]}).to_excel(xw, sheet_name="README", index=False)
        df.to_excel(xw, sheet_name="data", index=False)


def main() -> None:
    df = base()
    write(df, "trial.csv")
    post = df["week"] > 0
    # every outcome's model fails: both outcomes constant (and so deterministic)
    write(df.assign(score=10.0, pain=3.0), "constant_outcomes.csv")
    # deterministic: outcome an exact linear function of arm and visit
    # deterministic: each follow-up value is the baseline value plus an arm x visit effect
    first = df.groupby("id")["score"].transform("first")
    shift = np.where(df["group"] == TREATMENT, 0.5, 0.0) * df["week"]
    det = df.assign(score=first + shift, pain=2 * first + shift + 1)
    write(det, "deterministic_outcomes.csv")
    # 1-2 subjects per arm
    write(df[df["id"].isin(["S01", "S02", "S03"])], "tiny_arms.csv")
    # no follow-up in one arm
    nofu = df.copy()
    nofu.loc[post & (nofu["group"] == TREATMENT), ["score", "pain"]] = np.nan
    write(nofu, "no_followup_one_arm.csv")
    # no baseline values
    nob = df.copy()
    nob.loc[~post, ["score", "pain"]] = np.nan
    write(nob, "no_baseline.csv")
    # covariates: all missing, constant, duplicated, equal to the arm
    write(
        df.assign(
            empty=np.nan,
            constant=1.0,
            age_copy=df["age"],
            arm_code=np.where(df["group"] == TREATMENT, 1.0, 0.0),
        ),
        "covariates.csv",
    )
    # every outcome value missing at one follow-up visit (week 4)
    gap = df.copy()
    gap.loc[gap["week"] == 4, ["score", "pain"]] = np.nan
    write(gap, "visit_all_missing.csv")
    # an outcome column whose name has a space (trialkit init writes column != name)
    write(df.rename(columns={"score": "total score"}), "spaced_column.csv")
    # a multi-sheet workbook (rewritten only when absent: xlsx files carry a timestamp)
    if not (HERE / "two_sheets.xlsx").exists():
        _two_sheets(df)
    # duplicate headers
    (HERE / "duplicate_headers.csv").write_text(
        (HERE / "trial.csv").read_text().replace(",sex", ",age", 1)
    )
    # the effects file `trialkit analyze --effects` writes, for three trials
    pd.DataFrame(
        {
            "study": ["Trial A", "Trial B", "Trial C"],
            "outcome": "score",
            "visit": "8",
            "measure": "MD",
            "yi": [-4.1, -2.5, -6.0],
            "se": [1.9, 2.2, 2.8],
            "n1": [40, 55, 31],
            "n2": [41, 52, 30],
        }
    ).to_csv(HERE / "effects_md.csv", index=False)
    # meta-analysis inputs
    (HERE / "meta_empty.csv").write_text("")
    (HERE / "meta_header_only.csv").write_text("study,yi,se\n")
    pd.DataFrame(
        {"study": ["A", "B", "C"], "yi": [1e300, 0.5, 0.2], "se": [1e-300, 0.1, 0.2]}
    ).to_csv(HERE / "meta_extreme.csv", index=False)
    pd.DataFrame({"study": ["A", "B", "C"], "yi": [0.3, 0.5, 0.2], "se": [0.1, 0.1, 0.2]}).to_csv(
        HERE / "meta_ok.csv", index=False
    )
    pd.DataFrame({"study": ["Only trial"], "yi": [0.3], "se": [0.1]}).to_csv(
        HERE / "meta_one.csv", index=False
    )
    (HERE / "meta_repeated_header.csv").write_text(
        "study,yi,se,note,note\nA,0.3,0.1,first,second\nB,0.5,0.1,,\nC,0.2,0.2,,\n"
    )


if __name__ == "__main__":
    main()
