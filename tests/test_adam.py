"""CDISC ADaM input (``[trial] layout = "adam"``): reading ADSL + BDS, the record accounting,
and the bad-input sentences (file, column and row) through the real CLI.

Data: ``sample_data/adam_pilot`` (the CDISC pilot CDISCPILOT01, see its README). The counts
are R's (``tests/reference/adam_pilot/table_14_3_01.R``, its ``accounting`` block).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from conftest import assert_clean_failure

from trialkit.data.adam import read_adam
from trialkit.plan.loader import load_plan

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "adam_pilot"
REF = json.loads((ROOT / "tests/reference/adam_pilot/table_14_3_01.json").read_text())
ACCOUNT = REF["accounting"]


@pytest.fixture
def pilot(tmp_path: Path) -> Path:
    """A copy of the pilot sample (ADSL, ADQSADAS, plan.toml) in a temporary folder."""
    for name in ("adsl.xpt", "adqsadas.xpt", "plan.toml"):
        shutil.copy(SAMPLE / name, tmp_path / name)
    return tmp_path


def rewrite(path: Path, change: Callable[[pd.DataFrame], pd.DataFrame], version: int = 5) -> None:
    """Read an XPT file, change its data and write it back with its labels."""
    df, meta = pyreadstat.read_xport(str(path))
    out = change(df.copy())
    labels = [meta.column_names_to_labels.get(c, "") for c in out.columns]
    pyreadstat.write_xport(
        out,
        str(path),
        column_labels=labels,
        table_name=meta.table_name,
        file_format_version=version,
    )


def edit_plan(folder: Path, old: str, new: str) -> Path:
    plan = folder / "plan.toml"
    text = plan.read_text(encoding="utf-8")
    assert old in text
    plan.write_text(text.replace(old, new), encoding="utf-8")
    return plan


def test_reader_counts_match_r(pilot: Path) -> None:
    """Population, analysis flag and derived records are counted as R counts them."""
    data, plan, labels, source = read_adam(load_plan(pilot / "plan.toml"))
    assert source.adsl_subjects == ACCOUNT["adsl_subjects"]
    assert source.analysed_subjects == ACCOUNT["efficacy_subjects"]
    assert dict(source.outside_population) == ACCOUNT["outside_population"]
    (rec,) = source.outcomes
    assert rec.records == ACCOUNT["actot_records"]
    assert rec.not_flagged == ACCOUNT["not_flagged"]
    assert dict(rec.derived_included) == ACCOUNT["analysis_derived"]
    assert rec.derived_excluded == ()
    # the conventions: AVISITN orders the visits, ABLFL marks the baseline
    assert plan.visits.order == ("Baseline", "Week 8", "Week 16", "Week 24")
    assert plan.visits.baseline == "Baseline"
    # labels from the files: PARAM labels the outcome, variable labels the columns
    assert plan.outcomes[0].label == "Adas-Cog(11) Subscore"
    assert labels["SITEGR1"] == "Pooled Site Group 1"
    # Week 24 change: n, mean and SD per arm as R has them, LOCF included (the ANCOVA's
    # column); the outcome's own column holds the observed records only (MMRM, CONSORT)
    week24 = data[data["AVISIT"] == "Week 24"]
    observed = week24.groupby("TRT01P")["ACTOT"].count()
    assert observed.to_dict() == ACCOUNT["week24_observed"]
    assert source.ancova_columns == (("ACTOT", "ACTOT_LOCF"),)
    assert labels["ACTOT_LOCF"] == "Adas-Cog(11) Subscore (with LOCF records)"
    wk24 = week24.groupby("TRT01P")["ACTOT_LOCF"]
    for row in REF["descriptive"]:
        assert wk24.count()[row["arm"]] == row["n"]
        assert wk24.mean()[row["arm"]] == pytest.approx(row["mean"], rel=1e-12)
        assert wk24.std()[row["arm"]] == pytest.approx(row["sd"], rel=1e-12)
    # ADSL disposition drives the CONSORT flow: EOSSTT and its reason DCSREAS
    assert plan.disposition.withdrew == "EOS_DISCONTINUED"
    assert plan.disposition.withdrew_reason == "DCSREAS"


def test_derived_records_excluded_by_default(pilot: Path) -> None:
    """Without ``derived``, LOCF records are left out and counted; Week 24 is observed only."""
    plan = edit_plan(pilot, 'derived = ["LOCF"]\n', "")
    data, _, _, source = read_adam(load_plan(plan))
    (rec,) = source.outcomes
    assert dict(rec.derived_excluded) == ACCOUNT["analysis_derived"]
    assert rec.derived_included == ()
    assert "ACTOT_LOCF" not in data.columns and source.ancova_columns == ()
    wk24 = data[(data["AVISIT"] == "Week 24") & data["ACTOT"].notna()]
    assert wk24.groupby("TRT01P").size().to_dict() == ACCOUNT["week24_observed"]


def test_xport_v8_reads_like_v5(pilot: Path) -> None:
    """SAS XPORT v8 (long names and labels) reads to the same trial as v5."""
    before = read_adam(load_plan(pilot / "plan.toml"))[0]
    rewrite(pilot / "adqsadas.xpt", lambda df: df, version=8)
    after = read_adam(load_plan(pilot / "plan.toml"))[0]
    pd.testing.assert_frame_equal(before, after)


# -- bad input: one sentence naming file, column and row, exit 2, no traceback ------------


@pytest.mark.parametrize(
    ("old", "new", "fragments"),
    [
        pytest.param(
            'paramcd = "ACTOT"\n',
            "",
            ("outcomes[1].paramcd", 'required for layout = "adam"'),
            id="paramcd-missing-from-plan",
        ),
        pytest.param(
            'paramcd = "ACTOT"',
            'paramcd = "ACTOT13"',
            (
                "adqsadas.xpt, column 'PARAMCD', rows 1-1040: no record has PARAMCD 'ACTOT13'",
                "'ACTOT'",
            ),
            id="bds-without-the-paramcd",
        ),
    ],
)
def test_plan_names_what_the_bds_lacks(pilot: Path, cli, old, new, fragments) -> None:  # type: ignore[no-untyped-def]
    plan = edit_plan(pilot, old, new)
    assert_clean_failure(cli("validate", "--plan", plan), *fragments)


def test_two_analysis_records_for_one_visit(pilot: Path, cli) -> None:  # type: ignore[no-untyped-def]
    def duplicate(df: pd.DataFrame) -> pd.DataFrame:
        row = df.index[(df["AVISIT"] == "Week 16") & (df["ANL01FL"] == "Y")][0]
        return pd.concat([df.loc[:row], df.loc[[row]], df.loc[row + 1 :]], ignore_index=True)

    df, _ = pyreadstat.read_xport(str(pilot / "adqsadas.xpt"))
    first = df.index[(df["AVISIT"] == "Week 16") & (df["ANL01FL"] == "Y")][0]
    rewrite(pilot / "adqsadas.xpt", duplicate)
    subject = df.loc[first, "USUBJID"]
    assert_clean_failure(
        cli("validate", "--plan", pilot / "plan.toml"),
        f"adqsadas.xpt, column 'ANL01FL', rows {first + 1}, {first + 2}: subject {subject} has "
        "2 analysis records of PARAMCD 'ACTOT' at visit 'Week 16'",
    )


def set_cell(file: str, row: int, column: str, value: str) -> Callable[[Path], None]:
    """Write ``value`` into one cell (0-based ``row``) of a copied pilot file; a numeric
    column becomes text first (as a SAS character variable)."""

    def apply(folder: Path) -> None:
        def change(df: pd.DataFrame) -> pd.DataFrame:
            if df[column].dtype.kind == "f":
                df[column] = df[column].map(lambda v: f"{v:g}").astype(object)
            df.loc[row, column] = value
            return df

        rewrite(folder / file, change)

    return apply


@pytest.mark.parametrize(
    ("spoil", "sentence"),
    [
        pytest.param(
            set_cell("adsl.xpt", 2, "EFFFL", "YES"),
            "adsl.xpt, column 'EFFFL', row 3: flag value 'YES' is not Y, N or blank.",
            id="population-flag",
        ),
        pytest.param(
            set_cell("adqsadas.xpt", 9, "TRTP", "Xanomeline Mid Dose"),
            "adqsadas.xpt, column 'TRTP', row 10: arm 'Xanomeline Mid Dose' is not an arm of "
            "ADSL (adsl.xpt, column 'TRT01P'",
            id="bds-arm-not-in-adsl",
        ),
        pytest.param(
            set_cell("adqsadas.xpt", 4, "USUBJID", "01-999-0001"),
            "adqsadas.xpt, column 'USUBJID', row 5: subject 01-999-0001 is not in ADSL (adsl.xpt).",
            id="bds-subject-not-in-adsl",
        ),
        pytest.param(
            set_cell("adsl.xpt", 1, "USUBJID", "01-701-1015"),
            "adsl.xpt, column 'USUBJID', rows 1, 2: subject 01-701-1015 has more than one "
            "ADSL row.",
            id="adsl-subject-twice",
        ),
        pytest.param(
            set_cell("adsl.xpt", 3, "TRT01PN", "54 mg"),
            "adsl.xpt, column 'TRT01PN', row 4: the dose '54 mg' is not a number.",
            id="dose-not-numeric",
        ),
    ],
)
def test_bad_cell_named(pilot: Path, cli, spoil, sentence: str) -> None:  # type: ignore[no-untyped-def]
    spoil(pilot)
    assert_clean_failure(cli("validate", "--plan", pilot / "plan.toml"), sentence)


def test_every_problem_listed_at_once(pilot: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """Two bad files: both problems in one run."""

    def flag(df: pd.DataFrame) -> pd.DataFrame:
        df.loc[0, "EFFFL"] = "?"
        return df

    def arm(df: pd.DataFrame) -> pd.DataFrame:
        df.loc[0, "TRTP"] = "Nothing"
        return df

    rewrite(pilot / "adsl.xpt", flag)
    rewrite(pilot / "adqsadas.xpt", arm)
    result = cli("validate", "--plan", pilot / "plan.toml")
    assert_clean_failure(result, "column 'EFFFL', row 1", "column 'TRTP', row 1")


def test_missing_bds_column_named(pilot: Path, cli) -> None:  # type: ignore[no-untyped-def]
    rewrite(pilot / "adqsadas.xpt", lambda df: df.drop(columns=["ABLFL"]))
    assert_clean_failure(
        cli("validate", "--plan", pilot / "plan.toml"),
        "adqsadas.xpt has no column 'ABLFL'",
    )


def test_record_flag_all_records(pilot: Path) -> None:
    """``record_flag = ""`` keeps every record: then the pilot's non-analysis duplicates show."""
    plan = edit_plan(pilot, 'record_flag = "ANL01FL"', 'record_flag = ""')
    from trialkit.core.problems import DataValidationError

    with pytest.raises(DataValidationError, match="analysis records of PARAMCD 'ACTOT'"):
        read_adam(load_plan(plan))


# -- trialkit init on ADSL + BDS --------------------------------------------------------


def test_init_on_adsl_and_bds_lists_paramcds(pilot: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """Two BDS files: every PARAMCD is listed with its PARAM and record count; the plan
    written, once the control arm is set, reads the data."""

    def second_param(df: pd.DataFrame) -> pd.DataFrame:
        df["PARAMCD"] = "ACTOTX"
        df["PARAM"] = "Copy of the total"
        return df

    shutil.copy(pilot / "adqsadas.xpt", pilot / "adqsx.xpt")
    rewrite(pilot / "adqsx.xpt", second_param)
    out = pilot / "starter.toml"
    result = cli(
        "init", pilot / "adsl.xpt", pilot / "adqsadas.xpt", pilot / "adqsx.xpt", "--out", out
    )
    assert result.exit_code == 0, result.output
    assert "layout adam" in result.output
    text = out.read_text(encoding="utf-8")
    assert 'layout = "adam"' in text
    assert "#   ACTOT      Adas-Cog(11) Subscore (1040)" in text
    assert "#   ACTOTX     Copy of the total (1040)" in text
    assert "EFFFL (234 Y)" in text  # the population flags with their counts
    assert '"LOCF" (444 records)' in text  # derivation types found in the BDS files
    assert (
        'dose = "TRT01PN"  # Placebo = 0; Xanomeline Low Dose = 54; Xanomeline High Dose = 81'
        in text
    )
    assert 'dataset = "adqsx.xpt"' in text
    edit_plan_text = text.replace('control = ""', 'control = "Placebo"')
    out.write_text(edit_plan_text, encoding="utf-8")
    data, plan, _, _ = read_adam(load_plan(out))
    assert plan.visits.order == ("Baseline", "Week 8", "Week 16", "Week 24")
    assert {"ACTOT", "ACTOTX"} <= set(data.columns)
    checked = cli("validate", "--plan", out)
    assert checked.exit_code == 0, checked.output


def test_init_needs_one_adsl(pilot: Path, cli) -> None:  # type: ignore[no-untyped-def]
    assert_clean_failure(
        cli("init", pilot / "adqsadas.xpt", pilot / "adqsadas.xpt", "--out", pilot / "s.toml"),
        "needs exactly one ADSL",
    )


# -- CDISC Dataset-JSON v1.1 --------------------------------------------------------------

JSON_ADSL = ROOT / "tests" / "data" / "adam" / "adsl.json"


def test_dataset_json_adsl_matches_the_xpt() -> None:
    """The R Submission Pilot 5 Dataset-JSON export of ADSL reads to the XPORT file's values
    and labels; its two decimals written as the text 'NA' are read as missing, with notes."""
    from trialkit.data.readers import read_table
    from trialkit.data.values import numeric_values, text_values

    js, xpt = read_table(JSON_ADSL), read_table(SAMPLE / "adsl.xpt")
    assert js.format == "dataset-json"
    assert list(js.df.columns) == list(xpt.df.columns)
    assert js.variable_labels == xpt.variable_labels
    for col in ("USUBJID", "TRT01P", "EFFFL", "ITTFL", "SITEGR1", "EOSSTT", "DCSREAS"):
        pd.testing.assert_series_equal(text_values(js.df[col]), text_values(xpt.df[col]))
    for col in ("TRT01PN", "AGE", "BMIBL", "WEIGHTBL", "CUMDOSE"):
        a, b = numeric_values(js.df[col])[0], numeric_values(xpt.df[col])[0]
        np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-12, equal_nan=True)
    assert len(js.notes) == 2 and "column 'BMIBL' (decimal)" in js.notes[0]
    assert "(row 42)" in js.notes[0]


def test_adam_with_dataset_json_adsl(pilot: Path) -> None:
    shutil.copy(JSON_ADSL, pilot / "adsl.json")
    plan = edit_plan(pilot, 'data = "adsl.xpt"', 'data = "adsl.json"')
    from_json = read_adam(load_plan(plan))[0]
    from_xpt = read_adam(load_plan(SAMPLE / "plan.toml"))[0]
    pd.testing.assert_series_equal(from_json["ACTOT"], from_xpt["ACTOT"])
    assert (from_json["USUBJID"] == from_xpt["USUBJID"]).all()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"clinicalData": {}}', "is Dataset-JSON v1.0; trialkit reads v1.1"),
        ('{"datasetJSONVersion": "2.0", "columns": [], "rows": []}', "version 2.0"),
        (
            '{"datasetJSONVersion": "1.1.0", "columns": [{"name": "A", "dataType": "integer"}],'
            ' "rows": [[1], ["x"]]}',
            "bad.json, column 'A', row 2: 'x' is not an integer value.",
        ),
        (
            '{"datasetJSONVersion": "1.1.0", "columns": [{"name": "A", "dataType": "double"}],'
            ' "rows": [[1.5], ["2.5"], [null], ["NA"], [true]]}',
            "bad.json, column 'A', row 5: True is not a double value.",
        ),
        (
            '{"datasetJSONVersion": "1.1.0", "columns": [{"name": "A", "dataType": "string"}],'
            ' "rows": [["a", "b"]]}',
            "bad.json, row 1: 2 values for 1 columns.",
        ),
        ("[1, 2]", "is JSON but not a Dataset-JSON object"),
    ],
)
def test_dataset_json_bad_input(tmp_path: Path, cli, content: str, message: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    assert_clean_failure(cli("init", path, "--out", tmp_path / "p.toml"), message)


def test_dataset_json_ndjson(tmp_path: Path) -> None:
    from trialkit.data.readers import read_table

    meta = {
        "datasetJSONVersion": "1.1.0",
        "name": "ADX",
        "columns": [
            {"name": "USUBJID", "label": "Subject", "dataType": "string"},
            {"name": "AVAL", "label": "Value", "dataType": "decimal"},
            {"name": "FL", "dataType": "boolean"},
        ],
    }
    rows = [["S1", "1.50", True], ["S2", None, False]]
    path = tmp_path / "adx.ndjson"
    path.write_text("\n".join(json.dumps(x) for x in [meta, *rows]), encoding="utf-8")
    raw = read_table(path)
    assert raw.df["AVAL"].tolist()[0] == 1.5 and np.isnan(raw.df["AVAL"].tolist()[1])
    assert raw.df["FL"].tolist() == [True, False]
    assert raw.variable_labels == {"USUBJID": "Subject", "AVAL": "Value"}


def test_adam_with_sas7bdat_adsl(pilot: Path) -> None:
    """ADSL as SAS7BDAT (haven's writer; tests/data/adam/make_adsl_subset.R) reads to the
    same trial as the XPORT ADSL."""
    shutil.copy(ROOT / "tests/data/adam/adsl_subset.sas7bdat", pilot / "adsl.sas7bdat")
    plan = edit_plan(pilot, 'data = "adsl.xpt"', 'data = "adsl.sas7bdat"')
    got, _, labels, source = read_adam(load_plan(plan))
    want = read_adam(load_plan(SAMPLE / "plan.toml"))[0]
    for col in ("USUBJID", "AVISIT", "TRT01P"):
        assert got[col].astype(str).tolist() == want[col].astype(str).tolist()
    for col in ("ACTOT", "ACTOT_LOCF", "TRT01PN"):
        np.testing.assert_array_equal(got[col].to_numpy(float), want[col].to_numpy(float))
    assert source.analysed_subjects == ACCOUNT["efficacy_subjects"]
    assert labels["EFFFL"] == "Efficacy Population Flag"


def test_bds_visit_not_in_planned_visits(pilot: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """With [visits] given, a BDS analysis record at another visit is named, not dropped."""
    text = (pilot / "plan.toml").read_text(encoding="utf-8")
    text = text[: text.index("[[published]]")]  # its published figures are at Week 24
    text += '\n[visits]\norder = ["Baseline", "Week 8", "Week 16"]\nbaseline = "Baseline"\n'
    (pilot / "plan.toml").write_text(text, encoding="utf-8")
    df, _ = pyreadstat.read_xport(str(pilot / "adqsadas.xpt"))
    first = df.index[(df["AVISIT"] == "Week 24") & (df["ANL01FL"] == "Y")][0]
    assert_clean_failure(
        cli("validate", "--plan", pilot / "plan.toml"),
        f"adqsadas.xpt, column 'AVISIT', rows {first + 1}, ",
        "visit 'Week 24' is not in the plan's [visits] order.",
    )


def test_no_output_overwrites_a_bds_file(pilot: Path, cli) -> None:  # type: ignore[no-untyped-def]
    before = (pilot / "adqsadas.xpt").read_bytes()
    assert_clean_failure(
        cli("analyze", "--plan", pilot / "plan.toml", "--markdown", pilot / "adqsadas.xpt"),
        "it is the input file adqsadas.xpt",
    )
    assert (pilot / "adqsadas.xpt").read_bytes() == before


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param(
            'bds = ["adqsadas.xpt"]',
            'bds = ["adqsadas.xpt", "advs.xpt"]',
            "Key 'outcomes[1].dataset' is required when 'adam.bds' lists 2 files.",
            id="dataset-needed",
        ),
        pytest.param(
            'paramcd = "ACTOT"',
            'paramcd = "ACTOT"\ndataset = "adqs.xpt"',
            "Key 'outcomes[1].dataset' is 'adqs.xpt', which is not a file in 'adam.bds'",
            id="dataset-unknown",
        ),
        pytest.param(
            'layout = "adam"',
            'layout = "long"',
            "Table '[adam]' is for layout = \"adam\"; [trial] layout is 'long'.",
            id="adam-table-on-long-layout",
        ),
        pytest.param(
            'variable = "CHG"',
            'variable = "PCHG"',
            "Key 'outcomes[1].variable' has 'PCHG', which is not allowed.",
            id="variable-unknown",
        ),
    ],
)
def test_adam_plan_problems(pilot: Path, old: str, new: str, message: str) -> None:
    from trialkit.core.problems import PlanValidationError

    plan = edit_plan(pilot, old, new)
    with pytest.raises(PlanValidationError) as err:
        load_plan(plan)
    assert any(message in p.message for p in err.value.report.problems)


def test_adam_layout_needs_its_table(pilot: Path) -> None:
    from trialkit.core.problems import PlanValidationError

    text = (pilot / "plan.toml").read_text(encoding="utf-8")
    start, end = text.index("[adam]"), text.index("[arms]")
    (pilot / "plan.toml").write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(PlanValidationError) as err:
        load_plan(pilot / "plan.toml")
    assert any("'[adam]' is required" in p.message for p in err.value.report.problems)


def test_dataset_json_numbers_missing_text_and_nulls(tmp_path: Path) -> None:
    """Numeric columns: numbers and numeric text are read, null is missing, text written for
    a missing value ('NA', '.') is missing with a note naming its rows."""
    from trialkit.data.dataset_json import read_dataset_json

    path = tmp_path / "ok.json"
    path.write_text(
        '{"datasetJSONVersion": "1.1.0", "columns": [{"name": "A", "dataType": "double"}],'
        ' "rows": [[1.5], ["2.5"], [null], ["NA"], [3], ["."]]}',
        encoding="utf-8",
    )
    df, _, notes = read_dataset_json(path)
    np.testing.assert_array_equal(df["A"].to_numpy(), [1.5, 2.5, np.nan, np.nan, 3.0, np.nan])
    assert len(notes) == 1 and "2 value(s)" in notes[0] and "(row 4, 6)" in notes[0]
