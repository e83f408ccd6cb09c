"""Plan loading: defaults, every kind of problem collected at once, docs kept in sync."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from conftest import CONTROL, plan_dict, to_toml

from trialkit import load_plan
from trialkit.core.errors import PlanError
from trialkit.data import PlanValidationError
from trialkit.plan.keys import reference_markdown
from trialkit.specs import COVARIANCES, DF_METHODS

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, plan: dict[str, Any]) -> Path:
    path = tmp_path / "plan.toml"
    path.write_text(to_toml(plan))
    return path


def problems(tmp_path: Path, plan: dict[str, Any]) -> list[str]:
    with pytest.raises(PlanValidationError) as info:
        load_plan(write(tmp_path, plan))
    for p in info.value.report.problems:
        assert p.file == "plan.toml"
    return [f"{p.message} {p.hint or ''}" for p in info.value.report.problems]


def test_loads_with_defaults(tmp_path: Path) -> None:
    plan = load_plan(write(tmp_path, plan_dict()))
    assert plan.title == "Test trial"
    assert plan.data == (tmp_path / "trial.csv").resolve()
    assert plan.path == (tmp_path / "plan.toml").resolve()
    assert plan.arms.control == CONTROL and plan.arms.treatment is None
    assert plan.visits.order == ("0", "9", "21")
    assert plan.primary.name == "ders"
    assert plan.outcome("pain").role == "secondary"
    assert plan.outcome("pain").column == "pain"
    assert plan.outcome("ders").range == (18.0, 90.0)
    assert plan.analysis.mmrm.df_method == "satterthwaite"
    assert plan.analysis.mmrm.reml is True
    assert plan.analysis.ancova.enabled is True
    assert plan.adherence is not None and plan.adherence.denominator == "randomised"
    assert plan.model.covariates == ("baseline", "age")


def test_numeric_visits_and_arms_become_text(tmp_path: Path) -> None:
    d = plan_dict()
    d["visits"] = {"order": [0, 9, 21], "baseline": 0}
    d["arms"] = {"control": 1, "treatment": 2}
    plan = load_plan(write(tmp_path, d))
    assert plan.visits.order == ("0", "9", "21") and plan.visits.baseline == "0"
    assert (plan.arms.control, plan.arms.treatment) == ("1", "2")


def test_misspelled_key_suggests_close_match(tmp_path: Path) -> None:
    d = plan_dict()
    d["model"]["covariate"] = d["model"].pop("covariates")
    found = problems(tmp_path, d)
    assert any(
        "Unknown key 'model.covariate'" in m and "did you mean 'covariates'?" in m for m in found
    )


def test_misspelled_table_suggests_close_match(tmp_path: Path) -> None:
    d = plan_dict()
    d["anaylsis"] = d.pop("analysis")
    assert any("did you mean 'analysis'?" in m for m in problems(tmp_path, d))


def test_missing_required_keys_all_reported(tmp_path: Path) -> None:
    d = plan_dict()
    del d["trial"]["title"]
    del d["columns"]["subject"]
    del d["visits"]
    found = problems(tmp_path, d)
    assert any("Required key 'trial.title' is missing" in m for m in found)
    assert any("Required key 'columns.subject' is missing" in m for m in found)
    assert any("Required table 'visits' is missing" in m for m in found)


def test_missing_outcomes(tmp_path: Path) -> None:
    d = plan_dict()
    del d["outcomes"]
    assert any("'[[outcomes]]' is missing" in m for m in problems(tmp_path, d))


def test_wrong_types(tmp_path: Path) -> None:
    d = plan_dict()
    d["analysis"]["mmrm"]["reml"] = "yes"
    d["analysis"]["alpha"] = "0.05"
    d["outcomes"][0]["range"] = [18]
    found = problems(tmp_path, d)
    assert any("'analysis.mmrm.reml' must be boolean, not a string ('yes')" in m for m in found)
    assert any("'analysis.alpha' must be number, not a string" in m for m in found)
    assert any("'outcomes[1].range' must be array of two numbers" in m for m in found)


@pytest.mark.parametrize(
    ("key", "bad", "allowed"),
    [
        ("covariance", "unstructured", COVARIANCES.accepted),
        ("df_method", "kenward_roger", DF_METHODS.accepted),
    ],
)
def test_invalid_enum(tmp_path: Path, key: str, bad: str, allowed: tuple[str, ...]) -> None:
    d = plan_dict()
    d["analysis"]["mmrm"][key] = bad
    (found,) = problems(tmp_path, d)
    assert f"Key 'analysis.mmrm.{key}' has '{bad}', which is not allowed" in found
    assert "allowed: " + ", ".join(allowed) in found


def test_allowed_enums_come_from_the_spec() -> None:
    """The plan accepts exactly the spec's names (and their aliases), sp_exp included."""
    from trialkit.plan.keys import PLAN

    mmrm = PLAN.get("analysis").get("mmrm")  # type: ignore[union-attr]
    assert mmrm.get("covariance").choices == COVARIANCES.accepted  # type: ignore[union-attr]
    assert mmrm.get("df_method").choices == DF_METHODS.accepted  # type: ignore[union-attr]
    assert "sp_exp" in COVARIANCES.codes and "un" in COVARIANCES.accepted


def test_enum_typo_suggests(tmp_path: Path) -> None:
    d = plan_dict()
    d["analysis"]["mmrm"]["df_method"] = "satterthwait"
    assert any("did you mean 'satterthwaite'?" in m for m in problems(tmp_path, d))


def test_many_problems_collected_in_one_error(tmp_path: Path) -> None:
    d = plan_dict()
    d["model"]["covariate"] = ["age"]
    d["analysis"]["mmrm"]["covariance"] = "unstructured"
    d["outcomes"][1]["role"] = "main"
    del d["arms"]["control"]
    with pytest.raises(PlanValidationError) as info:
        load_plan(write(tmp_path, d))
    assert len(info.value.report.errors) == 4
    assert str(info.value).startswith(f"Plan file {tmp_path / 'plan.toml'} has 4 errors")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["visits"].update(baseline="1"), "'visits.baseline' is '1', which is not in"),
        (lambda d: d["visits"].update(labels=["a", "b"]), "'visits.labels' has 2 entries"),
        (lambda d: d["columns"].pop("visit"), "'columns.visit' is required for the long layout"),
        (
            lambda d: d["model"].update(visit_covariates=["age"], covariates=["baseline"]),
            "'model.visit_covariates' has 'age', not in 'model.covariates'",
        ),
        (
            lambda d: d.update(published=[{"outcome": "dres", "visit": "9", "difference": -1.0}]),
            "'published[1].outcome' is 'dres', which is not an outcome name",
        ),
        (lambda d: d["adherence"].update(threshold=9), "'adherence.threshold' is 9, outside 0..8"),
        (
            lambda d: d["outcomes"][1].update(name="ders"),
            "Outcome name 'ders' is used more than once",
        ),
        (
            lambda d: d["outcomes"][0].update(range=[90, 18]),
            "'outcomes[1].range' must be [min, max]",
        ),
        (lambda d: d["arms"].update(control=""), "Key 'arms.control' is empty"),
    ],
)
def test_cross_key_checks(tmp_path: Path, change, expected: str) -> None:
    d = plan_dict()
    change(d)
    found = problems(tmp_path, d)
    assert any(expected in m for m in found), found


def test_wide_outcome_needs_one_column_per_visit(tmp_path: Path) -> None:
    d = plan_dict("wide")
    d["outcomes"][0]["columns"] = ["ders_0", "ders_9"]
    found = problems(tmp_path, d)
    assert any(
        "'outcomes[1].columns' has 2 columns but 'visits.order' has 3 visits" in m for m in found
    )


def test_long_outcome_with_columns_is_an_error(tmp_path: Path) -> None:
    d = plan_dict()
    d["outcomes"][0]["columns"] = ["a", "b", "c"]
    assert any("is for the wide layout" in m for m in problems(tmp_path, d))


def test_missing_plan_file(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match=r"nope\.toml does not exist"):
        load_plan(tmp_path / "nope.toml")


def test_invalid_toml(tmp_path: Path) -> None:
    (tmp_path / "plan.toml").write_text('[trial]\ntitle = "unterminated\n')
    with pytest.raises(PlanError, match=r"plan\.toml is not valid TOML") as info:
        load_plan(tmp_path / "plan.toml")
    assert "line 2" in str(info.value)


def test_docs_key_reference_is_current() -> None:
    """docs/plan.md holds the key reference generated from trialkit/plan/keys.py."""
    text = (ROOT / "docs" / "plan.md").read_text()
    assert reference_markdown() in text


def test_docs_worked_example_loads(tmp_path: Path) -> None:
    text = (ROOT / "docs" / "plan.md").read_text()
    example = re.search(r"<!-- example -->\n```toml\n(.*?)```", text, re.S)
    assert example is not None
    (tmp_path / "plan.toml").write_text(example.group(1))
    plan = load_plan(tmp_path / "plan.toml")
    assert plan.primary.name == "ders"
    assert plan.analysis.mmrm.df_method == "kenward-roger-linear"


@pytest.mark.parametrize("name", ["dbt_long.toml", "dbt_wide.toml"])
def test_sample_plans_load(name: str) -> None:
    plan = load_plan(ROOT / "sample_data" / name)
    assert plan.arms.control == "Standard care"
    assert plan.data.exists()
