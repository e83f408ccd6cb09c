"""Shared fixtures: small synthetic trials written to tmp_path, a TOML writer, a CLI runner.

All data here are generated with fixed seeds; nothing is read from outside the repository.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

CONTROL = "Treatment as usual"
TREATMENT = "Online DBT"
VISITS = (0, 9, 21)


def long_frame(n_subjects: int = 12, seed: int = 20240501) -> pd.DataFrame:
    """A clean long trial: pid, arm, week, ders (18-90), pain (0-10), age, sessions."""
    rng = np.random.default_rng(seed)
    pid = np.repeat([f"P{i:03d}" for i in range(1, n_subjects + 1)], len(VISITS))
    arm_of = np.where(np.arange(n_subjects) % 2 == 0, CONTROL, TREATMENT)
    age = rng.integers(20, 70, n_subjects)
    sessions = np.where(arm_of == TREATMENT, rng.integers(0, 9, n_subjects), 0)
    return pd.DataFrame(
        {
            "pid": pid,
            "arm": np.repeat(arm_of, len(VISITS)),
            "week": np.tile(VISITS, n_subjects),
            "ders": rng.integers(18, 91, n_subjects * len(VISITS)).astype(float),
            "pain": np.round(rng.uniform(0, 10, n_subjects * len(VISITS)), 1),
            "age": np.repeat(age, len(VISITS)),
            "sessions": np.repeat(sessions, len(VISITS)),
        }
    )


def wide_frame(long: pd.DataFrame) -> pd.DataFrame:
    """The same trial in wide layout: ders_0, ders_9, ders_21, pain_0, ..."""
    base = long.drop_duplicates("pid")[["pid", "arm", "age", "sessions"]].reset_index(drop=True)
    for outcome in ("ders", "pain"):
        w = long.pivot(index="pid", columns="week", values=outcome)
        for v in VISITS:
            base[f"{outcome}_{v}"] = w.loc[base["pid"], v].to_numpy()
    return base


def plan_dict(layout: str = "long", data: str = "trial.csv") -> dict[str, Any]:
    """A plan (as a dict mirroring the TOML) for :func:`long_frame` / :func:`wide_frame`."""
    plan: dict[str, Any] = {
        "trial": {"title": "Test trial", "data": data, "layout": layout},
        "columns": {"subject": "pid", "arm": "arm"},
        "arms": {"control": CONTROL},
        "visits": {"order": [str(v) for v in VISITS], "baseline": "0"},
        "outcomes": [
            {"name": "ders", "label": "DERS-18", "range": [18, 90], "role": "primary"},
            {"name": "pain", "label": "Pain NRS", "range": [0, 10]},
        ],
        "model": {"covariates": ["baseline", "age"], "visit_covariates": ["baseline"]},
        "adherence": {"column": "sessions", "sessions": 8, "threshold": 6},
        "analysis": {"alpha": 0.05, "mmrm": {"covariance": "us", "df_method": "satterthwaite"}},
    }
    if layout == "long":
        plan["columns"]["visit"] = "week"
        for o in plan["outcomes"]:
            o["column"] = o["name"]
    else:
        for o in plan["outcomes"]:
            o["columns"] = [f"{o['name']}_{v}" for v in VISITS]
    return plan


def plan_section(*path: str):  # type: ignore[no-untyped-def]
    """The plan key table's section at ``path`` (e.g. ``"analysis", "mmrm"``)."""
    from trialkit.plan.keys import PLAN, Section

    s = PLAN
    for name in path:
        sub = s.get(name)
        assert isinstance(sub, Section)
        s = sub
    return s


def to_toml(d: dict[str, Any]) -> str:
    """Write a dict as TOML (tables, arrays of tables, scalars and arrays of scalars)."""
    lines: list[str] = []

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int | float):
            return repr(v)
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{json.dumps(k)} = {value(x)}" for k, x in v.items()) + " }"
        raise TypeError(type(v))

    def table(prefix: str, t: dict[str, Any]) -> None:
        scalars = {
            k: v
            for k, v in t.items()
            if not isinstance(v, dict)
            and not (isinstance(v, list) and v and isinstance(v[0], dict))
        }
        for k, v in scalars.items():
            bare = k.replace("_", "").replace("-", "").isalnum() and k.isascii()
            lines.append(f"{k if bare else json.dumps(k)} = {value(v)}")
        for k, v in t.items():
            name = f"{prefix}.{k}" if prefix else k
            if isinstance(v, dict):
                lines.extend(["", f"[{name}]"])
                table(name, v)
            elif isinstance(v, list) and v and isinstance(v[0], dict):
                for item in v:
                    lines.extend(["", f"[[{name}]]"])
                    table(name, item)

    table("", d)
    return "\n".join(lines) + "\n"


@dataclass
class TrialFiles:
    data: Path
    plan: Path


@pytest.fixture
def write_trial(tmp_path: Path) -> Callable[..., TrialFiles]:
    """Factory: write a data frame and a plan dict to ``tmp_path``; return their paths."""

    def write(
        df: pd.DataFrame | None = None,
        plan: dict[str, Any] | None = None,
        name: str = "trial.csv",
        layout: str = "long",
        plan_text: str | None = None,
    ) -> TrialFiles:
        if df is None:
            df = long_frame() if layout == "long" else wide_frame(long_frame())
        if plan is None:
            plan = plan_dict(layout, name)
        plan = copy.deepcopy(plan)
        path = tmp_path / name
        if name.endswith(".csv"):
            df.to_csv(path, index=False)
        elif name.endswith(".xlsx"):
            df.to_excel(path, index=False)
        else:
            raise ValueError(name)
        plan_path = tmp_path / "plan.toml"
        plan_path.write_text(plan_text if plan_text is not None else to_toml(plan))
        return TrialFiles(path, plan_path)

    return write


@dataclass
class CliResult:
    exit_code: int
    output: str
    exception: BaseException | None


@pytest.fixture
def cli() -> Callable[..., CliResult]:
    """Run the ``trialkit`` app in-process with a wide terminal (so table cells don't wrap)."""
    from trialkit.cli.app import _register, app

    _register()
    runner = CliRunner()

    def run(*args: str | Path) -> CliResult:
        result = runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "400"})
        return CliResult(result.exit_code, result.output, result.exception)

    return run


def assert_clean_failure(result: CliResult, *fragments: str) -> None:
    """Exit code 2, no traceback, and every fragment in the output."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for f in fragments:
        assert f in result.output, f"{f!r} not in output:\n{result.output}"


@pytest.fixture(scope="session")
def sample_analysis():  # type: ignore[no-untyped-def]
    """The bundled sample trial analysed once per test session (the report tests share it)."""
    import trialkit
    from trialkit.analysis import analyze_trial
    from trialkit.data.bundled import sample_plan

    return analyze_trial(trialkit.read_trial(None, sample_plan()))
