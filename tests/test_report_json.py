"""The JSON report: valid against its JSON Schema, versioned, and every number an exact copy of
the result objects (whose values are validated against R in the model and summary tests)."""

from __future__ import annotations

import json
import math

import jsonschema
import numpy as np
import pytest

import trialkit
from trialkit.analysis import TrialAnalysis, analyze_trial
from trialkit.data.bundled import sample_plan
from trialkit.report.json_report import SCHEMA_VERSION, load_schema, render_json, report_dict


@pytest.fixture(scope="module")
def analysis() -> TrialAnalysis:
    return analyze_trial(trialkit.read_trial(None, sample_plan()))


@pytest.fixture(scope="module")
def doc(analysis: TrialAnalysis) -> dict:
    return json.loads(render_json(analysis))


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_validates_against_schema(doc: dict, validator: jsonschema.Draft202012Validator) -> None:
    errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(doc)]
    assert errors == []
    assert doc["schema_version"] == SCHEMA_VERSION == "1.2"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("outcomes", 0, "results", 1, "estimate"), "not a number"),
        (("outcomes", 0, "mmrm", "differences", 0, "p_value"), 1.5),
        (("schema_version",), "2.0"),
        (("replication", 0, "agrees"), "yes"),
        (("effects", 0, "n1"), -1),
    ],
)
def test_schema_rejects_broken_documents(
    doc: dict, validator: jsonschema.Draft202012Validator, path: tuple, value: object
) -> None:
    broken = json.loads(json.dumps(doc))
    node = broken
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert not validator.is_valid(broken)


def test_strict_json_without_nan(analysis: TrialAnalysis) -> None:
    text = render_json(analysis)
    assert "NaN" not in text and "Infinity" not in text
    # Baseline rows have no model estimate: null, not NaN.
    base = json.loads(text)["outcomes"][0]["results"][0]
    assert base["is_baseline"] is True and base["estimate"] is None


def test_numbers_are_exact_copies(analysis: TrialAnalysis, doc: dict) -> None:
    for oa, o in zip(analysis.outcomes, doc["outcomes"], strict=True):
        assert o["name"] == oa.name
        m = oa.mmrm
        for col in ("estimate", "std_error", "df", "ci_lower", "ci_upper", "p_value"):
            assert [r[col] for r in o["mmrm"]["differences"]] == m.differences[col].tolist()
            assert [r[col] for r in o["mmrm"]["lsmeans"]] == m.lsmeans[col].tolist()
            assert [r[col] for r in o["mmrm"]["coefficients"]] == m.coefficients[col].tolist()
            assert [r[col] for r in o["ancova"]["differences"]] == oa.ancova.differences[
                col
            ].tolist()
        post = [r for r in o["results"] if not r["is_baseline"]]
        assert [r["estimate"] for r in post] == m.differences["estimate"].tolist()
        assert [r["d"] for r in post] == m.effect_sizes["estimate"].tolist()
        assert [r["ancova_p_value"] for r in post] == oa.ancova.differences["p_value"].tolist()
        assert o["mmrm"]["loglik"] == m.loglik
        assert o["mmrm"]["sample"]["n_subjects"] == m.sample.n_subjects
        assert len(o["mmrm"]["sample"]["excluded"]) == len(m.sample.excluded)
        obs = oa.observed
        assert [r["mean"] for r in o["observed"]] == obs["mean"].tolist()
        assert [r["n"] for r in o["observed"]] == obs["n"].tolist()


def test_replication_and_effects(analysis: TrialAnalysis, doc: dict) -> None:
    # The sample plan has six [[published]] entries; each is in the JSON with its flag.
    assert len(doc["replication"]) == len(analysis.trial.plan.published) == 6
    rep = analysis.replication
    assert [r["estimate"] for r in doc["replication"]] == rep["estimate"].tolist()
    assert [r["agrees"] for r in doc["replication"]] == rep["agrees"].tolist()
    eff = analysis.effects_frame()
    assert [r["yi"] for r in doc["effects"]] == eff["yi"].tolist()
    assert [r["n1"] for r in doc["effects"]] == eff["n1"].tolist()


def test_report_dict_is_json_ready(analysis: TrialAnalysis) -> None:
    # Every leaf is a plain JSON type (no NumPy scalars, no NaN).
    def leaves(x: object):
        if isinstance(x, dict):
            for v in x.values():
                yield from leaves(v)
        elif isinstance(x, list):
            for v in x:
                yield from leaves(v)
        else:
            yield x

    for leaf in leaves(report_dict(analysis)):
        assert leaf is None or type(leaf) in (str, int, float, bool), type(leaf)
        assert not (isinstance(leaf, float) and not math.isfinite(leaf))
        assert not isinstance(leaf, np.generic)
