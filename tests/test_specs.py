"""The model specifications are the single source of option names, defaults and rules.

Every place that names an MMRM or ANCOVA option (the plan key table, ``docs/plan.md``, the
starter plan, the report labels, the engine's structure and df registries, the API defaults)
is checked against :mod:`trialkit.specs`; a test here fails when any two disagree.
Source of the rules: R mmrm ``mmrm_control()`` (Kenward-Roger needs REML) and SAS PROC MIXED
(``EMPIRICAL`` goes with ``DDFM=BW``/``RESIDUAL``, not KR).
"""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path

import pytest
from conftest import assert_clean_failure, plan_dict, plan_section

from trialkit.core.errors import ModelError
from trialkit.data.readers import read_table
from trialkit.data.starter import starter_plan
from trialkit.inference.contrasts import DF_REGISTRY
from trialkit.models.ancova import fit_ancova
from trialkit.models.covariance import NAMES, Structure
from trialkit.models.mmrm import fit_mmrm
from trialkit.report.format import covariance_name, df_method_name
from trialkit.specs import (
    ANCOVA_OPTIONS,
    COVARIANCES,
    DF_METHODS,
    HC_TYPES,
    MMRM_OPTIONS,
    AncovaSpec,
    MMRMSpec,
)
from trialkit.specs.adam import ADAM_OPTIONS, ADAM_OUTCOME_OPTIONS, VARIABLES, AdamSpec

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("section", "options", "spec"),
    [
        (("analysis", "mmrm"), MMRM_OPTIONS, MMRMSpec()),
        (("analysis", "ancova"), ANCOVA_OPTIONS, AncovaSpec()),
        (("adam",), ADAM_OPTIONS, AdamSpec()),
    ],
)
def test_plan_keys_are_the_spec_options(section, options, spec) -> None:
    keys = plan_section(*section)
    plan_options = [o for o in options if o.plan_key]
    assert keys.names() == [o.name for o in plan_options]
    fields = {f.name for f in dataclasses.fields(spec)}
    for o in options:
        assert o.name in fields
        default = getattr(spec, o.name)
        assert o.default == (list(default) if isinstance(default, tuple) else default)
        key = keys.get(o.name)
        if o.plan_key:
            assert key.default == o.default  # type: ignore[union-attr]
            assert key.choices == o.accepted  # type: ignore[union-attr]
    # every spec field that a plan can set is a documented option
    assert fields == {o.name for o in options}


def test_engine_registries_match_the_spec() -> None:
    assert NAMES == COVARIANCES.codes
    for code in COVARIANCES.codes:
        assert Structure(code, 3).name == code
    assert set(DF_REGISTRY) == set(DF_METHODS.codes)


def test_report_labels_come_from_the_spec() -> None:
    for choice in COVARIANCES:
        assert covariance_name(choice.code) == choice.label
        for alias in choice.aliases:
            assert covariance_name(alias) == choice.label
    for choice in DF_METHODS:
        assert df_method_name(choice.code) == choice.label


def test_api_defaults_are_the_spec_defaults() -> None:
    """fit_mmrm / fit_ancova take every option from the spec unless it is given."""
    for fn, options in ((fit_mmrm, MMRM_OPTIONS), (fit_ancova, ())):
        params = inspect.signature(fn).parameters
        for o in options:
            assert params[o.name].default is None, o.name
    params = inspect.signature(fit_ancova).parameters
    for name in ("robust", "lsmeans_weights", "alpha"):
        assert params[name].default is None


def test_starter_plan_writes_the_spec_defaults() -> None:
    raw = read_table(ROOT / "sample_data" / "dbt_trial_long.csv")
    text = starter_plan(raw, "dbt_trial_long.csv").text
    spec = MMRMSpec()
    assert f'covariance = "{spec.covariance}"' in text
    assert f'df_method = "{spec.df_method}"' in text
    for code in COVARIANCES.codes:
        assert code in text


def test_docs_generated_from_spec() -> None:
    from trialkit.plan.keys import reference_markdown

    text = (ROOT / "docs" / "plan.md").read_text(encoding="utf-8")
    assert reference_markdown() in text
    assert f'`"{MMRMSpec().df_method}"`' in reference_markdown()


@pytest.mark.parametrize(
    ("changes", "key", "words"),
    [
        ({"reml": False, "df_method": "kenward-roger"}, "reml", "needs a REML fit"),
        ({"reml": False}, "reml", "needs a REML fit"),  # the default df is KR-linear
        ({"robust": True}, "robust", "sandwich standard errors go with"),
        ({"robust": True, "df_method": "satterthwaite"}, "robust", "not 'satterthwaite'"),
        ({"covariance": "banana"}, "covariance", "not known"),
        ({"fallback": ("us", "banana")}, "fallback", "not a covariance structure"),
    ],
)
def test_spec_rules(changes: dict, key: str, words: str) -> None:
    spec = dataclasses.replace(MMRMSpec(), **changes)
    (problem,) = spec.check(prefix="analysis.mmrm.")
    assert problem.key == f"analysis.mmrm.{key}"
    assert words in problem.message
    with pytest.raises(ModelError, match=words.split("'")[0]):
        MMRMSpec.from_options(**changes)


def test_spec_rules_pass_for_compatible_options() -> None:
    assert MMRMSpec(reml=False, df_method="satterthwaite").check() == ()
    assert MMRMSpec(robust=True, df_method="between-within").check() == ()
    assert MMRMSpec(covariance="UN").normalised().covariance == "us"
    assert AncovaSpec(robust="hc3").normalised().robust == "HC3"
    assert HC_TYPES.codes == ("HC0", "HC1", "HC2", "HC3")


@pytest.mark.parametrize(
    ("mmrm", "message"),
    [
        ({"reml": False, "df_method": "kenward-roger"}, "needs a REML fit"),
        ({"robust": True}, "sandwich standard errors go with"),
    ],
)
def test_validate_reports_incompatible_options(cli, write_trial, mmrm: dict, message: str) -> None:
    """`trialkit validate` reports option rules as plan problems (exit 2, no traceback)."""
    d = plan_dict()
    d["analysis"]["mmrm"].update(mmrm)
    files = write_trial(plan=d)
    result = cli("validate", files.data, "--plan", files.plan)
    assert_clean_failure(result, message)


def test_adam_outcome_keys_are_the_spec_options() -> None:
    """The ADaM keys of [[outcomes]] come from ADAM_OUTCOME_OPTIONS, as do their defaults."""
    keys = plan_section("outcomes")
    for o in ADAM_OUTCOME_OPTIONS:
        key = keys.get(o.name)
        assert key is not None and key.default == o.default and key.choices == o.accepted
    assert keys.get("variable").choices == VARIABLES.accepted  # type: ignore[union-attr]


def test_arm_options_are_plan_keys_and_api_arguments() -> None:
    """``comparisons`` and ``dose`` are declared once (specs/comparisons.py): the [arms] plan
    keys, the plan's defaults and the model arguments come from there."""
    from trialkit.plan.schema import Arms
    from trialkit.specs.comparisons import ARM_OPTIONS

    keys = plan_section("arms")
    for o in ARM_OPTIONS:
        key = keys.get(o.name)
        assert key is not None and key.kind == o.kind
        assert key.default == o.default and key.choices == o.accepted
        assert getattr(Arms(control="c"), o.name) == o.default
        for fn in (fit_mmrm, fit_ancova):
            assert inspect.signature(fn).parameters[o.name].default is None


@pytest.mark.parametrize("alpha", [0.0, 0.5, 0.7, -0.1, float("nan")])
def test_every_model_spec_checks_alpha_the_same_way(alpha: float) -> None:
    """MMRM, ANCOVA, imputation and responder specs share one alpha range check: a level
    outside (0, 0.5) is one problem at the spec's ``alpha`` key, in the same words."""
    from trialkit.specs.imputation import ImputationSpec
    from trialkit.specs.responder import ResponderSpec

    for spec in (MMRMSpec, AncovaSpec, ImputationSpec, ResponderSpec):
        (problem,) = spec(alpha=alpha).check(prefix="x.")
        assert problem.key == "x.alpha"
        assert problem.message == f"'x.alpha' is {alpha}; use a value in (0, 0.5)."
        assert spec(alpha=0.05).check(prefix="x.") == ()
