"""Readers: every supported format on a generated file, SPSS metadata, and read failures."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from trialkit.core.errors import DataError
from trialkit.data import read_table

DATA = Path(__file__).parent / "data"


def small_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "pid": ["S1", "S2", "S3", "S4"],
            "week": [0, 9, 0, 9],
            "score": [10.5, np.nan, 12.0, 30.25],
        }
    )


def assert_frame_values(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == list(want.columns)
    for col in want.columns:
        g, w = got[col], want[col]
        if pd.api.types.is_numeric_dtype(w):
            np.testing.assert_allclose(g.to_numpy(float), w.to_numpy(float), rtol=0, atol=0)
        else:
            assert g.tolist() == w.tolist()


@pytest.mark.parametrize(
    ("name", "fmt", "first_row"),
    [("t.csv", "csv", 2), ("t.tsv", "tsv", 2), ("t.xlsx", "xlsx", 2), ("t.parquet", "parquet", 1)],
)
def test_read_plain_formats(tmp_path: Path, name: str, fmt: str, first_row: int) -> None:
    df = small_frame()
    path = tmp_path / name
    if fmt == "csv":
        df.to_csv(path, index=False)
    elif fmt == "tsv":
        df.to_csv(path, index=False, sep="\t")
    elif fmt == "xlsx":
        df.to_excel(path, index=False)
    else:
        df.to_parquet(path, index=False)
    raw = read_table(path)
    assert raw.format == fmt
    assert raw.first_row == first_row
    assert raw.row_numbers([0, 3]) == [first_row, first_row + 3]
    assert_frame_values(raw.df, df)


@pytest.mark.parametrize(("name", "sep"), [("t.csv.gz", ","), ("t.tsv.gz", "\t")])
def test_read_gzipped_text(tmp_path: Path, name: str, sep: str) -> None:
    df = small_frame()
    with gzip.open(tmp_path / name, "wt") as fh:
        df.to_csv(fh, index=False, sep=sep)
    raw = read_table(tmp_path / name)
    assert_frame_values(raw.df, df)


def test_csv_blank_cells_and_padding_are_missing(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("pid,arm\nS1,  A \nS2,   \n")
    raw = read_table(tmp_path / "t.csv")
    assert raw.df["arm"].iloc[0] == "A"
    assert pd.isna(raw.df["arm"].iloc[1])


def write_spss(path: Path, compress: bool = False) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "pid": [1.0, 2.0, 3.0, 4.0],
            "arm": [1.0, 2.0, 1.0, 2.0],
            "score": [10.0, -99.0, 12.0, 14.0],
            "pain": [0.0, 5.0, 10.0, 3.0],
        }
    )
    pyreadstat.write_sav(
        df,
        str(path),
        compress=compress,
        column_labels={"arm": "Randomised arm", "score": "Score total"},
        variable_value_labels={
            "arm": {1.0: "Treatment as usual", 2.0: "Online DBT"},
            "score": {-99.0: "Not answered"},
            "pain": {0.0: "No pain", 10.0: "Worst pain"},
        },
        missing_ranges={"score": [-99.0]},
    )
    return df


@pytest.mark.parametrize(("name", "compress"), [("t.sav", False), ("t.zsav", True)])
def test_read_spss_user_missing_and_labels(tmp_path: Path, name: str, compress: bool) -> None:
    write_spss(tmp_path / name, compress)
    raw = read_table(tmp_path / name)
    assert raw.format == "spss"
    assert raw.first_row == 1
    # -99 is declared missing in the file: it must be NaN, not a score of -99.
    assert raw.df["score"].isna().tolist() == [False, True, False, False]
    assert raw.df["score"].dropna().tolist() == [10.0, 12.0, 14.0]
    # Fully labelled column: codes become labels.
    assert raw.df["arm"].tolist() == [
        "Treatment as usual",
        "Online DBT",
        "Treatment as usual",
        "Online DBT",
    ]
    # Anchor labels on a scale (only 0 and 10 labelled) keep the numbers.
    assert raw.df["pain"].tolist() == [0.0, 5.0, 10.0, 3.0]
    assert raw.variable_labels == {"arm": "Randomised arm", "score": "Score total"}
    assert raw.value_labels["arm"] == {1.0: "Treatment as usual", 2.0: "Online DBT"}


def test_read_stata_labels(tmp_path: Path) -> None:
    df = pd.DataFrame({"pid": [1, 2, 3], "arm": [1, 2, 1], "score": [1.5, 2.5, np.nan]})
    pyreadstat.write_dta(
        df,
        str(tmp_path / "t.dta"),
        column_labels={"score": "Score"},
        variable_value_labels={"arm": {1: "Control", 2: "Active"}},
    )
    raw = read_table(tmp_path / "t.dta")
    assert raw.format == "stata"
    assert raw.df["arm"].tolist() == ["Control", "Active", "Control"]
    assert raw.df["score"].iloc[:2].tolist() == [1.5, 2.5]
    assert pd.isna(raw.df["score"].iloc[2])
    assert raw.variable_labels == {"score": "Score"}


def test_read_sas_xport(tmp_path: Path) -> None:
    df = pd.DataFrame({"PID": ["A1", "A2"], "SCORE": [3.0, 4.5]})
    pyreadstat.write_xport(df, str(tmp_path / "t.xpt"), column_labels={"SCORE": "Total score"})
    raw = read_table(tmp_path / "t.xpt")
    assert raw.format == "xport"
    assert_frame_values(raw.df, df)
    assert raw.variable_labels == {"SCORE": "Total score"}


def test_read_sas7bdat() -> None:
    # pyreadstat cannot write SAS7BDAT; tests/data/iris.sas7bdat comes from the R package
    # haven 2.5.1 (MIT); see tests/data/PROVENANCE.md.
    raw = read_table(DATA / "iris.sas7bdat")
    assert raw.format == "sas7bdat"
    assert raw.df.shape == (150, 5)
    assert list(raw.df.columns) == [
        "Sepal_Length",
        "Sepal_Width",
        "Petal_Length",
        "Petal_Width",
        "Species",
    ]
    # Fisher's iris: first row 5.1, 3.5, 1.4, 0.2 setosa; 50 rows per species. The file
    # stores Species in 6 characters, so the names are truncated in the file itself.
    assert raw.df.iloc[0, :4].tolist() == [5.1, 3.5, 1.4, 0.2]
    assert raw.df["Species"].value_counts().to_dict() == {
        "setosa": 50,
        "versic": 50,
        "virgin": 50,
    }


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"nothere\.csv does not exist"):
        read_table(tmp_path / "nothere.csv")


def test_unknown_extension(tmp_path: Path) -> None:
    (tmp_path / "t.xml").write_text("<ODM/>")
    with pytest.raises(DataError, match=r"t\.xml has an unknown format '\.xml'"):
        read_table(tmp_path / "t.xml")


@pytest.mark.parametrize("name", ["bad.sav", "bad.xlsx", "bad.parquet", "bad.dta", "bad.xpt"])
def test_corrupt_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(bytes(np.random.default_rng(7).integers(0, 256, 512, dtype=np.uint8)))
    with pytest.raises(DataError) as info:
        read_table(path)
    message = str(info.value)
    assert name in message
    assert "could not be read" in message
    assert "\n" not in message


def test_tab_separated_file_named_csv(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("a\tb\n1\t2\n")
    with pytest.raises(DataError, match="looks tab-separated"):
        read_table(tmp_path / "t.csv")


def test_csv_with_bom_and_windows_encoding(tmp_path: Path) -> None:
    (tmp_path / "bom.csv").write_bytes("pid,site\nS1,Zürich\n".encode("utf-8-sig"))
    raw = read_table(tmp_path / "bom.csv")
    assert list(raw.df.columns) == ["pid", "site"]
    (tmp_path / "win.csv").write_bytes("pid,site\nS1,Zürich\n".encode("cp1252"))
    assert read_table(tmp_path / "win.csv").df["site"].tolist() == ["Zürich"]


def test_semicolon_separated_csv(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("pid;score\nS1;1,5\n")
    with pytest.raises(DataError, match="looks semicolon-separated"):
        read_table(tmp_path / "t.csv")


@pytest.mark.parametrize(
    ("writer", "name"), [(pyreadstat.write_sav, "t.sav"), (pyreadstat.write_dta, "t.dta")]
)
def test_blank_text_cells_are_missing_as_in_csv(tmp_path: Path, writer, name: str) -> None:
    """SPSS and Stata store a blank string cell as ''; it must arrive missing, like CSV."""
    df = pd.DataFrame({"pid": ["A", "B", "C"], "reason": ["Moved away", "", "  "]})
    writer(df, str(tmp_path / name))
    df.to_csv(tmp_path / "t.csv", index=False)
    got = read_table(tmp_path / name).df["reason"]
    csv = read_table(tmp_path / "t.csv").df["reason"]
    assert got.isna().tolist() == csv.isna().tolist() == [False, True, True]
    assert got.iloc[0] == "Moved away"
