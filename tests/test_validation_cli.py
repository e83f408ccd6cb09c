"""Every validation problem, through ``trialkit validate``: exit 2, the message, no traceback.

Row numbers: CSV files count the header as row 1, so data row i (0-based) is row i + 2.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from conftest import CONTROL, TREATMENT, assert_clean_failure, long_frame, plan_dict, wide_frame

from trialkit import read_trial
from trialkit.data import DataValidationError, PlanValidationError, read_table, validate
from trialkit.plan import load_plan

ROOT = Path(__file__).resolve().parents[1]


def run_validate(cli, files):
    return cli("validate", files.data, "--plan", files.plan)


def test_valid_data_passes(cli, write_trial) -> None:
    result = run_validate(cli, write_trial())
    assert result.exit_code == 0, result.output
    assert "OK: the data match the plan (12 subjects x 3 visits, 2 outcome(s)" in result.output


def test_data_file_missing(cli, write_trial, tmp_path: Path) -> None:
    files = write_trial()
    result = cli("validate", tmp_path / "gone.csv", "--plan", files.plan)
    assert_clean_failure(result, "gone.csv does not exist")


def test_data_file_unknown_format(cli, write_trial, tmp_path: Path) -> None:
    files = write_trial()
    (tmp_path / "t.xml").write_text("<ODM/>")
    assert_clean_failure(
        cli("validate", tmp_path / "t.xml", "--plan", files.plan), "unknown format '.xml'"
    )


def test_data_file_corrupt(cli, write_trial, tmp_path: Path) -> None:
    files = write_trial()
    (tmp_path / "t.sav").write_bytes(b"this is not an SPSS file at all" * 10)
    assert_clean_failure(
        cli("validate", tmp_path / "t.sav", "--plan", files.plan), "t.sav could not be read as SPSS"
    )


def test_plan_file_missing(cli, write_trial, tmp_path: Path) -> None:
    files = write_trial()
    assert_clean_failure(
        cli("validate", files.data, "--plan", tmp_path / "none.toml"), "none.toml does not exist"
    )


def test_plan_not_toml(cli, write_trial) -> None:
    files = write_trial(plan_text="[trial\ntitle = 1\n")
    assert_clean_failure(run_validate(cli, files), "plan.toml is not valid TOML")


def test_plan_key_misspelled(cli, write_trial) -> None:
    plan = plan_dict()
    plan["model"]["covariats"] = plan["model"].pop("covariates")
    result = run_validate(cli, write_trial(plan=plan))
    assert_clean_failure(result, "Unknown key 'model.covariats'", "did you mean 'covariates'?")


def test_plan_key_missing(cli, write_trial) -> None:
    plan = plan_dict()
    del plan["columns"]["arm"]
    assert_clean_failure(
        run_validate(cli, write_trial(plan=plan)), "Required key 'columns.arm' is missing"
    )


def test_plan_problems_listed_together(cli, write_trial) -> None:
    plan = plan_dict()
    plan["analysis"]["mmrm"]["covariance"] = "unstructured"
    plan["analysis"]["mmrm"]["df_method"] = "KR"
    plan["trial"]["layot"] = "long"
    result = run_validate(cli, write_trial(plan=plan))
    assert_clean_failure(
        result,
        "3 error(s), 0 warning(s)",
        "'analysis.mmrm.covariance' has 'unstructured'",
        "'analysis.mmrm.df_method' has 'KR'",
        "did you mean 'layout'?",
        "allowed: us, un, cs, csh, ar1, ar1h, arh1, toep, toeph, ad, adh, ante, sp_exp, spexp",
        "allowed: kenward-roger-linear, kenward-roger, satterthwaite, between-within, residual",
    )


def test_plan_column_absent_suggests(cli, write_trial) -> None:
    plan = plan_dict()
    plan["model"]["covariates"] = ["baseline", "agee"]
    assert_clean_failure(
        run_validate(cli, write_trial(plan=plan)),
        "Column 'agee' named by plan key 'model.covariates' is not in trial.csv",
        "did you mean 'age'?",
    )


def _set(**changes):
    """A mutation of long_frame(): ``column=[(row_index, value), ...]``."""

    def mutate(df: pd.DataFrame) -> pd.DataFrame:
        for col, cells in changes.items():
            if any(isinstance(v, str) for _, v in cells) and df[col].dtype != object:
                df = df.astype({col: object})
            for i, v in cells:
                df.loc[i, col] = v
        return df

    return mutate


def _where(mask, col: str, value):
    def mutate(df: pd.DataFrame) -> pd.DataFrame:
        df.loc[mask(df), col] = value
        return df

    return mutate


# (id, mutation of long_frame(), exit code, fragments the output must contain)
DATA_CASES = [
    (
        "one_arm",  # k >= 2 arms are accepted (tests/test_karm_cli.py); one arm is not
        _where(lambda d: d["arm"] == TREATMENT, "arm", CONTROL),
        2,
        ["Arm column 'arm' has 1 different value(s)", "a comparison needs at least 2 arms"],
    ),
    (
        "duplicate_subject_visit",  # P002 week 9 (row 6) again as the last row, row 38
        lambda d: pd.concat([d, d.iloc[[4]]], ignore_index=True),
        2,
        [
            "1 subject x visit combination(s) appear on more than one row: subject P002 visit 9 "
            "(rows 6, 38)"
        ],
    ),
    (
        "arm_changes",  # P001 is control at rows 2-3, treatment at row 4
        _set(arm=[(2, TREATMENT)]),
        2,
        [f"Subject P001 changes arm between rows ('{CONTROL}', '{TREATMENT}' at rows 2, 3, 4)"],
    ),
    (
        "non_numeric",
        _set(ders=[(3, "n.a."), (7, "12,5"), (10, "?"), (20, "x")]),
        2,
        [
            "Column 'ders' (outcome 'ders') has 4 non-numeric value(s): 'n.a.' (row 5, subject "
            "P002), '12,5' (row 9, subject P003), '?' (row 12, subject P004) and 1 more"
        ],
    ),
    (
        "out_of_range",
        _set(ders=[(5, 95.0)], pain=[(8, -1.0)]),
        2,
        [
            "Column 'ders' (outcome 'ders') has 1 value(s) outside its range [18, 90]: 95 "
            "(row 7, subject P002)",
            "Column 'pain' (outcome 'pain') has 1 value(s) outside its range [0, 10]: -1 (row 10",
        ],
    ),
    (
        "adherence_out_of_range",
        _where(lambda d: d["pid"] == "P002", "sessions", 12),
        2,
        ["Column 'sessions' (adherence) has 3 value(s) outside its range [0, 8]"],
    ),
    (
        "visit_not_in_plan",
        _where(lambda d: d["week"] == 21, "week", 24),
        2,
        [
            "Visit column 'week' has value(s) '24' that are not in plan key 'visits.order' "
            "('0', '9', '21'), in 12 row(s) from row 4",
            "Plan visit(s) '21' in 'visits.order' have no rows in column 'week'",
        ],
    ),
    (
        "blank_subject_id",
        _set(pid=[(3, None), (4, None)]),
        2,
        ["Column 'pid' has 2 blank subject id value(s) at rows 5, 6"],
    ),
    (
        "missing_baseline_is_a_warning",
        _where(lambda d: d["pid"].isin(["P003", "P008"]) & (d["week"] == 0), "ders", np.nan),
        0,
        [
            "1 warning(s)",
            "2 subject(s) have no baseline value of outcome 'ders': 'P003', 'P008'",
            "OK: the data match the plan",
        ],
    ),
    (
        "subject_level_varies_is_a_warning",
        lambda d: _set(age=[(1, d.loc[0, "age"] + 1)])(d),
        0,
        [
            "Subject-level column 'age' varies within 1 subject(s) ('P001'); the first "
            "non-missing value is used",
            "OK: the data match the plan",
        ],
    ),
]


@pytest.mark.parametrize(
    ("mutate", "code", "fragments"),
    [c[1:] for c in DATA_CASES],
    ids=[c[0] for c in DATA_CASES],
)
def test_data_problem(cli, write_trial, mutate, code: int, fragments: list[str]) -> None:
    result = run_validate(cli, write_trial(mutate(long_frame())))
    if code == 2:
        assert_clean_failure(result, *fragments)
    else:
        assert result.exit_code == 0, result.output
        for f in fragments:
            assert f in result.output, result.output


def test_control_arm_not_in_data(cli, write_trial) -> None:
    plan = plan_dict()
    plan["arms"]["control"] = "Treatment as usal"
    assert_clean_failure(
        run_validate(cli, write_trial(plan=plan)),
        "Plan key 'arms.control' is 'Treatment as usal', which is not a value of arm column 'arm'",
        f"did you mean '{CONTROL}'?",
    )


def test_duplicate_subject_wide(cli, write_trial) -> None:
    wide = wide_frame(long_frame())
    wide = pd.concat([wide, wide.iloc[[0]]], ignore_index=True)
    assert_clean_failure(
        run_validate(cli, write_trial(wide, name="w.csv", layout="wide")),
        "1 subject combination(s) appear on more than one row: subject P001 (rows 2, 14)",
    )


def test_all_problems_reported_at_once(cli, write_trial) -> None:
    df = long_frame().astype({"ders": object})
    df.loc[4, "ders"] = "abc"
    df.loc[7, "pain"] = 11.0
    df.loc[10, "week"] = 5
    df = pd.concat([df, df.iloc[[1]]], ignore_index=True)
    df.loc[(df["pid"] == "P004") & (df["week"] == 0), "pain"] = np.nan
    plan = plan_dict()
    plan["baseline_table"] = {"continuous": ["age", "bmi"]}
    result = run_validate(cli, write_trial(df, plan))
    assert_clean_failure(
        result,
        "5 error(s), 1 warning(s)",
        "Column 'bmi' named by plan key 'baseline_table.continuous'",
        "non-numeric value(s): 'abc' (row 6",
        "outside its range [0, 10]: 11 (row 9",
        "Visit column 'week' has value(s) '5'",
        "appear on more than one row: subject P001 visit 9",
        "no baseline value of outcome 'pain': 'P004'",
    )


def test_spss_rows_are_case_numbers(tmp_path: Path) -> None:
    df = long_frame(4)
    df["arm"] = df["arm"].map({CONTROL: 1.0, TREATMENT: 2.0})
    df.loc[2, "ders"] = 99.0
    pyreadstat.write_sav(
        df, str(tmp_path / "t.sav"), variable_value_labels={"arm": {1.0: CONTROL, 2.0: TREATMENT}}
    )
    plan_path = tmp_path / "plan.toml"
    from conftest import to_toml

    plan_path.write_text(to_toml(plan_dict("long", "t.sav")))
    report = validate(read_table(tmp_path / "t.sav"), load_plan(plan_path))
    (problem,) = report.errors
    assert problem.row == 3  # third case in SPSS's Data View
    assert "99 (row 3, subject P001)" in problem.message


def test_read_trial_raises_with_full_report(write_trial) -> None:
    df = long_frame()
    df.loc[0, "ders"] = 200.0
    df.loc[1, "pain"] = 20.0
    files = write_trial(df)
    with pytest.raises(DataValidationError) as info:
        read_trial(files.data, files.plan)
    assert len(info.value.report.errors) == 2
    assert str(info.value).startswith(f"Data file {files.data} has 2 errors; the first:")


def test_read_trial_raises_plan_report(write_trial) -> None:
    plan = plan_dict()
    plan["analysis"]["mmrm"]["covariance"] = "diag"
    files = write_trial(plan=plan)
    with pytest.raises(PlanValidationError) as info:
        read_trial(files.data, files.plan)
    assert info.value.report.errors[0].key == "analysis.mmrm.covariance"


def test_console_script_process_has_no_traceback(write_trial) -> None:
    """The real entry point, in a child process: stderr has the sentence, exit code 2."""
    df = long_frame()
    df.loc[0, "ders"] = 200.0
    files = write_trial(df)
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from trialkit.cli.app import main; main()",
            "validate",
            str(files.data),
            "--plan",
            str(files.plan),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"COLUMNS": "300", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "outside its range [18, 90]: 200 (row 2, subject P001)" in proc.stderr
