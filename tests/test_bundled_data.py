"""Where trialkit finds its bundled example data (trialkit/data/bundled.py), and the CLI paths
that use them: ``trialkit analyze`` with no arguments and ``trialkit meta --example``.

The installed-wheel case is tested in test_wheel_install.py; here the package
``trialkit.sample_data`` is the checkout's ``sample_data/`` (editable install) or, without an
installation, the folder beside the ``trialkit`` package.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from conftest import assert_clean_failure

from trialkit.data import bundled
from trialkit.errors import DataError

ROOT = Path(__file__).resolve().parents[1]


def test_sample_dir_is_the_checkouts_sample_data() -> None:
    assert bundled.sample_dir().resolve() == (ROOT / "sample_data").resolve()
    assert bundled.sample_plan().name == "dbt_long.toml"
    assert bundled.meta_example().is_file()


def test_sample_dir_without_the_installed_package(monkeypatch: pytest.MonkeyPatch) -> None:
    # A source tree run without installation: the folder beside the trialkit package.
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    assert bundled.sample_dir().resolve() == (ROOT / "sample_data").resolve()


def test_missing_bundled_file_is_one_sentence(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(bundled, "sample_dir", lambda: tmp_path)
    with pytest.raises(DataError, match=r"The bundled meta-analysis example .* is missing"):
        bundled.meta_example()


def test_meta_example_flag_runs_the_bundled_file(cli) -> None:
    by_flag = cli("meta", "--example", "--preset", "revman5", "--subgroup", "setting")
    by_path = cli("meta", bundled.meta_example(), "--preset", "revman5", "--subgroup", "setting")
    assert by_flag.exit_code == 0, by_flag.output
    assert by_flag.output == by_path.output


@pytest.mark.parametrize("both", [False, True])
def test_meta_needs_exactly_one_of_file_and_example(cli, both: bool) -> None:
    args = ("meta", bundled.meta_example(), "--example") if both else ("meta",)
    assert_clean_failure(cli(*args), "Give either a STUDIES file or --example (not both).")
