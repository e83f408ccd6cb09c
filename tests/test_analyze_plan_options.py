"""Plan options for the MMRM reach the fit and the report: a covariance per arm (SAS
GROUP=), Kenward-Roger in SAS's parametrisation, and robust SEs."""

from __future__ import annotations

import json
from pathlib import Path

from trialkit.data.bundled import sample_dir


def _variant(tmp_path: Path, extra: str, df_method: str) -> Path:
    text = (sample_dir() / "dbt_long.toml").read_text()
    text = text.replace(
        'data = "dbt_trial_long.csv"', f'data = "{sample_dir() / "dbt_trial_long.csv"}"'
    )
    text = text.replace('df_method = "kenward-roger-linear"', f'df_method = "{df_method}"')
    text = text.replace("robust = false", "robust = false\n" + extra)
    path = tmp_path / "plan.toml"
    path.write_text(text)
    return path


def test_group_covariance_and_sas_kr(cli, tmp_path: Path) -> None:
    plan = _variant(
        tmp_path, 'group_covariance = true\nkr_parametrization = "sas"', "kenward-roger"
    )
    out = tmp_path / "r.json"
    result = cli("analyze", "--plan", plan, "--json", out)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "A separate covariance matrix is estimated for each arm (SAS GROUP=)." in text
    assert "second-derivative term in SAS PROC MIXED's covariance parametrisation" in text
    report = json.loads(out.read_text())
    assert report["schema_version"] == "1.2"


def test_robust_between_within(cli, tmp_path: Path) -> None:
    plan = (
        _variant(tmp_path, "", "between-within")
        .read_text()
        .replace("robust = false", "robust = true")
    )
    path = tmp_path / "robust.toml"
    path.write_text(plan)
    result = cli("analyze", "--plan", path)
    assert result.exit_code == 0, result.output
    assert "empirical (sandwich) standard errors" in " ".join(result.output.split())
