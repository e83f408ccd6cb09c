"""Make ``acupuncture_headache.csv`` (what the plan reads) from the source file, unchanged
except for these recodings, each needed to read the file as the paper analysed it:

* ``arm``, ``sex_label``, ``diagnosis``: the source's 0/1 codes as words (``group`` 1
  "Acupuncture", 0 "Usual care"; ``sex`` 1 "Female", 0 "Male"; ``migraine`` 1 "Migraine",
  0 "Tension-type"), for the report's labels. The 0/1 columns are kept.
* ``site``: ``acupuncturist`` as text ("A01" ... "A12"), so that the models treat the site as a
  categorical covariate (12 levels), not as a number.
* ``f2``, ``f5`` (days with headache at 3 and 12 months) are blank where the headache diary
  was not returned (``pk2``/``pk5`` blank): the source codes those as 0, which would be read as
  "no headache days". Two patients returned a diary with no headache days (``pk5`` observed,
  ``f5`` = 0); their zeros are kept.

Run from anywhere: ``python sample_data/acupuncture/prepare.py``. The output is byte-identical
to the shipped file (``tests/test_acupuncture_example.py`` checks this).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "vickers_acupuncture_source.csv"
TARGET = HERE / "acupuncture_headache.csv"


def prepare(source: Path = SOURCE) -> pd.DataFrame:
    """The analysis file as a DataFrame (see the module docstring)."""
    df = pd.read_csv(source)
    out = df.copy()
    out.insert(1, "arm", df["group"].map({1: "Acupuncture", 0: "Usual care"}))
    out.insert(2, "site", "A" + df["acupuncturist"].astype(int).astype(str).str.zfill(2))
    out.insert(5, "sex_label", df["sex"].map({1: "Female", 0: "Male"}))
    out.insert(7, "diagnosis", df["migraine"].map({1: "Migraine", 0: "Tension-type"}))
    for visit in ("2", "5"):
        out[f"f{visit}"] = df[f"f{visit}"].where(df[f"pk{visit}"].notna())
    return out.drop(columns=["group"])


def main() -> None:
    prepare().to_csv(TARGET, index=False, lineterminator="\n", float_format="%.10g")
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
