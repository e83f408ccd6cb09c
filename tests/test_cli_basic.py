"""CLI basics: --version, --help, init, analyze; and the trial summary behind analyze."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from conftest import CONTROL, TREATMENT, assert_clean_failure, long_frame, wide_frame

import trialkit
from trialkit import load_plan, read_trial, summarize_trial
from trialkit.data import bundled


def test_version(cli) -> None:
    result = cli("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"trialkit {trialkit.__version__}"
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", trialkit.__version__)


@pytest.mark.parametrize("command", [[], ["validate"], ["init"], ["analyze"]])
def test_help(cli, command: list[str]) -> None:
    result = cli(*command, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage: trialkit" in result.output


def test_lazy_exports_do_not_break_import() -> None:
    with pytest.raises(AttributeError, match="no attribute 'no_such_function'"):
        trialkit.no_such_function  # noqa: B018


def fill_control(path: Path, control: str) -> None:
    text = path.read_text()
    assert 'control = ""' in text
    path.write_text(text.replace('control = ""', f"control = {control!r}".replace("'", '"'), 1))


def test_init_long_loads_after_filling_control(cli, tmp_path: Path) -> None:
    data = tmp_path / "trial.csv"
    long_frame().to_csv(data, index=False)
    out = tmp_path / "plan.toml"
    result = cli("init", data, "--out", out)
    assert result.exit_code == 0, result.output
    assert "layout long; subject column pid; arm column arm; visit column week" in result.output
    text = out.read_text()
    assert "TODO" in text
    assert 'data = "trial.csv"' in text
    assert 'column = "ders"' in text and 'column = "pain"' in text
    assert "Subject-level numeric columns" in text and "age" in text
    fill_control(out, CONTROL)
    plan = load_plan(out)
    assert plan.layout == "long"
    assert plan.visits.order == ("0", "9", "21")
    assert [o.name for o in plan.outcomes] == ["ders", "pain"]
    assert cli("validate", "--plan", out).exit_code == 0


def test_init_wide_spss_with_dotted_names(cli, tmp_path: Path) -> None:
    wide = wide_frame(long_frame()).rename(
        columns={
            "ders_0": "ders.pre",
            "ders_9": "ders.post",
            "ders_21": "ders.2m",
            "pain_0": "pain.pre",
            "pain_9": "pain.post",
            "pain_21": "pain.2m",
        }
    )
    wide["arm"] = wide["arm"].map({CONTROL: 1.0, TREATMENT: 2.0})
    data = tmp_path / "wide.sav"
    pyreadstat.write_sav(
        wide, str(data), variable_value_labels={"arm": {1.0: CONTROL, 2.0: TREATMENT}}
    )
    out = tmp_path / "plan.toml"
    result = cli("init", data, "--out", out)
    assert result.exit_code == 0, result.output
    assert "layout wide" in result.output
    assert f'one of "{CONTROL}", "{TREATMENT}"' in out.read_text()
    fill_control(out, TREATMENT)
    plan = load_plan(out)
    assert plan.layout == "wide"
    assert plan.visits.order == ("pre", "post", "2m")
    assert plan.outcome("ders").columns == ("ders.pre", "ders.post", "ders.2m")
    trial = read_trial(None, out)
    assert len(trial.data) == 12 * 3


def test_init_without_filling_control_reports_it(cli, tmp_path: Path) -> None:
    data = tmp_path / "trial.csv"
    long_frame().to_csv(data, index=False)
    out = tmp_path / "plan.toml"
    cli("init", data, "--out", out)
    assert_clean_failure(cli("validate", "--plan", out), "Key 'arms.control' is empty")


def test_init_refuses_to_overwrite(cli, tmp_path: Path) -> None:
    data = tmp_path / "trial.csv"
    long_frame().to_csv(data, index=False)
    out = tmp_path / "plan.toml"
    out.write_text("# mine\n")
    assert_clean_failure(cli("init", data, "--out", out), "already exists; use --force")
    assert out.read_text() == "# mine\n"
    assert cli("init", data, "--out", out, "--force").exit_code == 0


def test_init_unreadable_data(cli, tmp_path: Path) -> None:
    assert_clean_failure(cli("init", tmp_path / "x.csv"), "x.csv does not exist")


def test_analyze_without_arguments_uses_sample(cli) -> None:
    result = cli("analyze")
    assert result.exit_code == 0, result.output
    assert "Online DBT for chronic pain (SYNTHETIC sample data)" in result.output
    assert re.search(
        r"Randomised\s+89: Standard care alone 44, Online DBT \+ standard care 45", result.output
    )
    assert "Emotion dysregulation (DERS-18, 18-90)" in result.output
    # the MMRM and ANCOVA differences per visit for every outcome (issue 3)
    for label in ("Pain intensity (NRS, 0-10)", "Well-being (WHO-5 percentage, 0-100)"):
        assert label in result.output


def test_analyze_missing_sample_is_clear(cli, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(bundled, "sample_dir", lambda: tmp_path / "sample_data")
    assert_clean_failure(cli("analyze"), "bundled sample plan", "is missing")


def test_analyze_generated_trial(cli, write_trial) -> None:
    df = long_frame()
    df.loc[(df["pid"] == "P002") & (df["week"] == 21), "ders"] = np.nan
    files = write_trial(df)
    result = cli("analyze", files.data, "--plan", files.plan)
    assert result.exit_code == 0, result.output
    assert "Test trial" in result.output
    assert re.search(r"Randomised\s+12:", result.output)


def test_analyze_data_without_plan(cli, write_trial) -> None:
    files = write_trial()
    assert_clean_failure(cli("analyze", files.data), "with --plan")


def test_summarize_trial_counts(write_trial) -> None:
    df = long_frame()
    drop = (df["pid"].isin(["P002", "P004"])) & (df["week"] == 21)
    df = df[~drop]  # two treatment subjects without a week-21 row
    df.loc[(df["pid"] == "P001") & (df["week"] == 9), "pain"] = np.nan
    summary = summarize_trial(read_trial(None, write_trial(df).plan))
    assert summary.n_subjects == 12
    assert summary.arms[["arm", "n"]].to_dict("list") == {"arm": [CONTROL, TREATMENT], "n": [6, 6]}
    out = summary.outcomes.set_index(["outcome", "visit", "arm"])
    assert out.loc[("ders", "21", TREATMENT), "n_observed"] == 4
    assert out.loc[("ders", "21", TREATMENT), "pct_missing"] == pytest.approx(100 * 2 / 6)
    assert out.loc[("pain", "9", CONTROL), "n_observed"] == 5
    assert out.loc[("ders", "0", CONTROL), "pct_missing"] == 0.0
    assert len(summary.outcomes) == 2 * 3 * 2
    assert isinstance(summary.outcomes, pd.DataFrame)


def test_main_runs_blas_on_one_thread_unless_the_user_chose(monkeypatch) -> None:
    """The console script sets OPENBLAS_NUM_THREADS=1 only when no BLAS thread variable is
    set (the value a user exports is kept)."""
    import trialkit.cli.app as cli_app

    calls = []
    monkeypatch.setattr(cli_app, "app", lambda: calls.append(dict(os.environ)))
    for var in cli_app.BLAS_THREAD_VARIABLES:
        monkeypatch.setenv(var, "")  # recorded, so teardown restores what was there
        monkeypatch.delenv(var)
    cli_app.main()
    assert calls[-1]["OPENBLAS_NUM_THREADS"] == "1"
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    cli_app.main()
    assert calls[-1]["OPENBLAS_NUM_THREADS"] == "2"
    monkeypatch.delenv("OPENBLAS_NUM_THREADS")
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    cli_app.main()
    assert "OPENBLAS_NUM_THREADS" not in calls[-1]
