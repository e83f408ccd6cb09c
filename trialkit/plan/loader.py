"""Load an analysis plan from TOML, collecting every problem before giving up.

The loader works in two passes. The first walks the TOML against the key table in
:mod:`trialkit.plan.keys`: unknown keys (with a "did you mean" suggestion), missing required
keys, wrong types and values outside an allowed set. The second builds the
:class:`~trialkit.plan.schema.Plan` and checks the keys against each other (the baseline visit
is one of the visits, wide outcomes have one column per visit, ...). All problems of both
passes are raised together in one :class:`~trialkit.core.problems.PlanValidationError`.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any

from trialkit.core.errors import PlanError
from trialkit.core.problems import PlanValidationError, Problem, ValidationReport, did_you_mean
from trialkit.plan.build import as_text, build_plan
from trialkit.plan.keys import KINDS, PLAN, Key, Section
from trialkit.plan.schema import Plan

_TOML_TYPES = {
    bool: "boolean",
    int: "integer",
    float: "float",
    str: "string",
    list: "array",
    dict: "table",
}


def load_plan(path: str | Path) -> Plan:
    """Read and check a plan file.

    Parameters
    ----------
    path
        The plan TOML file. ``[trial] data`` and other paths in it are resolved relative to
        the plan file's folder.

    Returns
    -------
    Plan
        The plan; ``arms.treatment`` stays None when the file omits it (it is filled from
        the data by :func:`trialkit.read_trial`).

    Raises
    ------
    PlanError
        The file is missing or is not valid TOML (one sentence).
    PlanValidationError
        The TOML has any problem; ``error.report`` lists all of them, each with the file
        and key path.
    """
    path = Path(path)
    if not path.exists():
        raise PlanError(f"Plan file {path} does not exist.")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise PlanError(f"Plan file {path} is not UTF-8 text ({exc.reason}).") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PlanError(f"Plan file {path} is not valid TOML: {exc}.") from exc
    except OSError as exc:
        raise PlanError(f"Plan file {path} could not be read ({exc.strerror}).") from exc
    problems: list[Problem] = []
    checked = check_section(raw, PLAN, "", path.name, problems)
    _layout_tables(checked, path.name, problems)
    plan = None
    if not problems:
        plan = build_plan(checked, path.resolve(), problems)
    report = ValidationReport(tuple(problems))
    if not report.ok or plan is None:
        raise PlanValidationError(report, f"Plan file {path}")
    return plan


#: Tables every layout but ``adam`` needs (ADaM data name their columns and visits).
_NOT_ADAM = ("columns", "visits")


def _layout_tables(checked: dict[str, Any], file: str, problems: list[Problem]) -> None:
    """``[columns]`` and ``[visits]`` are required unless ``[trial] layout = "adam"``, and
    ``[adam]`` is for that layout only."""
    layout = (checked.get("trial") or {}).get("layout")
    if layout == "adam":
        return
    if checked.get("adam") is not None:
        problems.append(
            Problem(
                "error",
                f"Table '[adam]' is for layout = \"adam\"; [trial] layout is '{layout}'.",
                file=file,
                key="adam",
            )
        )
    for name in _NOT_ADAM:
        if checked.get(name) is None:
            problems.append(
                Problem("error", f"Required table '{name}' is missing.", file=file, key=name)
            )


def check_section(
    table: dict[str, Any], section: Section, prefix: str, file: str, problems: list[Problem]
) -> dict[str, Any]:
    """Check one TOML table against its :class:`Section`; return the normalised values.

    Missing optional keys are filled with their defaults, a missing optional table is None
    and a missing array of tables is ``[]``; sub-sections are checked recursively.
    """
    out: dict[str, Any] = {}
    known = section.names()
    for name in table:
        if name not in known:
            where = f"{prefix}.{name}" if prefix else name
            problems.append(
                Problem(
                    "error",
                    f"Unknown key '{where}'.",
                    file=file,
                    key=where,
                    hint=did_you_mean(name, known) or f"known keys: {', '.join(known)}",
                )
            )
    for spec in section.keys:
        where = f"{prefix}.{spec.name}" if prefix else spec.name
        if spec.name not in table:
            if spec.required:
                what = "table" if isinstance(spec, Section) else "key"
                shape = f"[[{where}]]" if isinstance(spec, Section) and spec.array else where
                problems.append(
                    Problem("error", f"Required {what} '{shape}' is missing.", file=file, key=where)
                )
            if isinstance(spec, Section):
                out[spec.name] = [] if spec.array else None
            else:
                out[spec.name] = spec.default
            continue
        value = table[spec.name]
        if isinstance(spec, Section):
            out[spec.name] = _check_subsection(value, spec, where, file, problems)
        else:
            out[spec.name] = check_value(value, spec, where, file, problems)
    return out


def _check_subsection(
    value: Any, spec: Section, where: str, file: str, problems: list[Problem]
) -> Any:
    if spec.array:
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            problems.append(
                Problem(
                    "error",
                    f"'{where}' must be an array of tables, written [[{where}]].",
                    file=file,
                    key=where,
                )
            )
            return []
        if spec.required and not value:
            problems.append(
                Problem(
                    "error", f"At least one [[{where}]] table is required.", file=file, key=where
                )
            )
        return [
            check_section(v, spec, f"{where}[{i + 1}]", file, problems) for i, v in enumerate(value)
        ]
    if not isinstance(value, dict):
        problems.append(
            Problem(
                "error",
                f"'{where}' must be a table, written [{where}], not {_type_name(value)}.",
                file=file,
                key=where,
            )
        )
        return None
    return check_section(value, spec, where, file, problems)


def _type_name(value: Any) -> str:
    name = _TOML_TYPES.get(type(value), type(value).__name__)
    return ("an " if name[0] in "aeiou" else "a ") + name


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _is_text(v: Any) -> bool:
    return isinstance(v, str) or _is_number(v)


_VALIDATORS = {
    "string": lambda v: isinstance(v, str),
    "path": lambda v: isinstance(v, str),
    "paths": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    "text": _is_text,
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": _is_number,
    "boolean": lambda v: isinstance(v, bool),
    "strings": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    "texts": lambda v: isinstance(v, list) and all(_is_text(x) for x in v),
    "numbers": lambda v: isinstance(v, list) and all(_is_number(x) for x in v),
    "matrix": lambda v: (
        isinstance(v, list)
        and all(isinstance(r, list) and all(_is_number(x) for x in r) for r in v)
    ),
    "pair": lambda v: isinstance(v, list) and len(v) == 2 and all(_is_number(x) for x in v),
    "labels": lambda v: isinstance(v, dict) and all(isinstance(x, str) for x in v.values()),
    "counts": lambda v: (
        isinstance(v, dict)
        and all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in v.values())
    ),
    # a code, or pairs of arm values (numbers are read as text)
    "comparisons": lambda v: (
        isinstance(v, str)
        or (
            isinstance(v, list)
            and all(isinstance(p, list) and len(p) == 2 and all(_is_text(x) for x in p) for p in v)
        )
    ),
    # a column name, or arm = dose (the doses are checked to be numbers when the plan is built)
    "dose": lambda v: isinstance(v, str | dict),
}


def check_value(value: Any, spec: Key, where: str, file: str, problems: list[Problem]) -> Any:
    """Check one value's type and allowed values; return it normalised (or the default)."""
    if not _VALIDATORS[spec.kind](value):
        shown = repr(value) if not isinstance(value, dict | list) else _type_name(value)
        problems.append(
            Problem(
                "error",
                f"Key '{where}' must be {KINDS[spec.kind]}, not {_type_name(value)} ({shown}).",
                file=file,
                key=where,
            )
        )
        return spec.default
    if spec.kind == "text":
        value = as_text(value)
    elif spec.kind == "texts":
        value = [as_text(v) for v in value]
    elif spec.kind == "comparisons" and isinstance(value, list):
        value = [[as_text(x) for x in pair] for pair in value]
    if spec.choices and not (spec.kind == "comparisons" and isinstance(value, list)):
        items = value if isinstance(value, list) else [value]
        for item in items:
            if item not in spec.choices:
                problems.append(
                    Problem(
                        "error",
                        f"Key '{where}' has '{item}', which is not allowed.",
                        file=file,
                        key=where,
                        hint=_choice_hint(item, spec.choices),
                    )
                )
    if spec.kind in ("string", "text", "path") and spec.required and not value.strip():
        problems.append(Problem("error", f"Key '{where}' is empty.", file=file, key=where))
    return value


def _choice_hint(item: str, choices: tuple[str, ...]) -> str:
    dym = did_you_mean(item, choices)
    allowed = "allowed: " + ", ".join(choices)
    return f"{dym} {allowed}" if dym else allowed
