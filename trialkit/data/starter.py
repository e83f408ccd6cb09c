"""Write a starter plan from a data file's columns (``trialkit init``).

The starter plan guesses the subject, arm and visit columns from their names, detects the
long or wide layout from column-name patterns (``ders_0``/``ders_9``, ``bdi.pre``/``bdi.2m``),
and lists numeric measurements as candidate outcomes with their observed ranges. Every guess
carries a ``# TODO`` comment. The control arm is never guessed -- choosing it decides the
sign of every effect -- so ``[arms] control`` is left empty for the user to fill in; after
that the plan loads with :func:`trialkit.load_plan`.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from trialkit.core.errors import DataError
from trialkit.core.outputs import Output, check_outputs
from trialkit.data.readers import RawTable, detect_format, excel_sheets, read_table
from trialkit.data.values import numeric_values, text_values
from trialkit.specs import MMRM_OPTIONS, Option

_SUBJECT = re.compile(
    r"(^|[_.\s])(id|subj\w*|subject\w*|participant\w*|patient\w*|pid|usubjid)$", re.I
)
_SUBJECT_NAMES = {
    "participant_id",
    "subject_id",
    "patient_id",
    "usubjid",
    "subjid",
    "pid",
    "id",
    "record_id",
}
_ARM = re.compile(r"arm|group|treat|trt|condition|allocat|randomi[sz]", re.I)
_VISIT = re.compile(
    r"^(a?visitn?|visit\w*|week|wk|weeks|time|timepoint|wave|occasion|month|day)$", re.I
)
_WIDE = re.compile(
    r"^(?P<stem>.+?)[._](?P<suffix>\d+(\.\d+)?[a-z]?|t\d+|pre|post|baseline|bl|base|fu\d*)$", re.I
)
_EARLY = {"pre": 0, "baseline": 0, "bl": 0, "base": 0, "post": 1}


@dataclass(frozen=True)
class StarterPlan:
    """A starter plan: its TOML text and the guesses made."""

    text: str
    layout: str
    subject: str | None
    arm: str | None
    visit: str | None
    visits: tuple[str, ...]
    outcomes: tuple[str, ...]
    arm_values: tuple[str, ...]


def toml_string(s: object) -> str:
    """A TOML basic string (JSON string syntax is valid TOML)."""
    return json.dumps(str(s), ensure_ascii=False)


def toml_strings(items: list[str] | tuple[str, ...]) -> str:
    return "[" + ", ".join(toml_string(i) for i in items) + "]"


def _guess(columns: list[str], pattern: re.Pattern[str], exclude: set[str]) -> str | None:
    for c in columns:
        if c not in exclude and pattern.search(c):
            return c
    return None


def _guess_arm(df: pd.DataFrame, exclude: set[str]) -> str | None:
    """The first arm-like column with exactly two values, else the first arm-like column."""
    names = [c for c in df.columns if c not in exclude and _ARM.search(c)]
    two = [c for c in names if df[c].nunique(dropna=True) == 2]
    return (two or names or [None])[0]


def _suffix_key(suffix: str) -> tuple[int, float, str]:
    s = suffix.lower()
    if s in _EARLY:
        return (_EARLY[s], 0.0, s)
    if s.startswith("fu"):
        return (3, float(s[2:] or 0), s)
    digits = re.match(r"t?(\d+(\.\d+)?)", s)
    return (2, float(digits.group(1)) if digits else 0.0, s)


def detect_wide(columns: list[str]) -> tuple[tuple[str, ...], dict[str, list[str]]]:
    """Visits and outcome stems from wide column names, or ``((), {})`` if none.

    Columns ``stem<sep>suffix`` (separator ``_`` or ``.``) are grouped by stem; stems with two
    or more suffixes are repeated measures. The visits are the suffixes of the stem with the
    most of them, ordered pre/baseline first, then post, then by number, follow-ups last.
    Returns the visits and, per stem having every visit, its columns in visit order.
    """
    stems: dict[str, dict[str, str]] = {}
    for c in columns:
        m = _WIDE.match(c)
        if m:
            stems.setdefault(m["stem"], {})[m["suffix"]] = c
    stems = {k: v for k, v in stems.items() if len(v) >= 2}
    if not stems:
        return (), {}
    widest = max(stems.values(), key=len)
    visits = tuple(sorted(widest, key=_suffix_key))
    outcomes = {
        stem: [cols[v] for v in visits]
        for stem, cols in stems.items()
        if all(v in cols for v in visits)
    }
    return visits, outcomes


def starter_plan(raw: RawTable, data_ref: str, sheets: tuple[str, ...] = ()) -> StarterPlan:
    """Build a starter plan for ``raw``; ``data_ref`` is the data path as the plan writes it.

    ``sheets``: the workbook's sheet names when it has several (``raw`` is the first one).
    """
    df = raw.df
    columns = list(df.columns)
    preferred = [c for c in columns if c.lower() in _SUBJECT_NAMES]
    subject = preferred[0] if preferred else _guess(columns, _SUBJECT, set())
    arm = _guess_arm(df, {subject} if subject else set())
    visit = _guess(columns, _VISIT, {subject, arm} - {None})
    wide_visits, wide_outcomes = detect_wide(columns)
    layout = "wide" if visit is None and wide_outcomes else "long"
    arm_values = tuple(pd.unique(text_values(df[arm]).dropna())) if arm else ()
    numeric = [c for c in columns if not numeric_values(df[c])[1].any() and df[c].notna().any()]

    if layout == "wide":
        visits = wide_visits
        outcome_cols = {stem: cols for stem, cols in wide_outcomes.items()}
        used = {c for cols in outcome_cols.values() for c in cols}
        subject_level = [c for c in numeric if c not in used and c not in (subject, arm)]
    else:
        visits = _long_visits(df[visit]) if visit else ()
        candidates = [c for c in numeric if c not in (subject, arm, visit)]
        varying = _varying(df, subject, candidates) if subject else candidates
        outcome_cols = {c: [c] for c in varying}
        subject_level = [c for c in candidates if c not in varying]

    lines = [
        "# Starter analysis plan written by `trialkit init`. Check every TODO, then run",
        f"#   trialkit validate {data_ref} --plan <this file>",
        "# Every key is documented in docs/plan.md.",
        "",
        "[trial]",
        f"title = {toml_string('TODO: trial title')}",
        f"data = {toml_string(data_ref)}",
        *(
            [
                f"sheet = {toml_string(raw.sheet or '')}  "
                f"# TODO: check; the sheets: {toml_strings(sheets)}"
            ]
            if len(sheets) > 1
            else []
        ),
        f"layout = {toml_string(layout)}  # detected from the column names",
        "",
        "[columns]",
        f"subject = {toml_string(subject or '')}  # TODO: check (guessed from the column names)",
        f"arm = {toml_string(arm or '')}  # TODO: check",
    ]
    if layout == "long":
        lines.append(f"visit = {toml_string(visit or '')}  # TODO: check")
    lines += [
        "",
        "[arms]",
        'control = ""  # TODO: the control arm, one of '
        + ", ".join(toml_string(a) for a in arm_values),
        '# control_label = "..."    # optional display names',
        '# treatment_label = "..."',
        "",
        "[visits]",
        f"order = {toml_strings(visits)}  # TODO: check the time order",
        f"baseline = {toml_string(visits[0] if visits else '')}",
        "# labels = [...]   # optional display names, one per visit",
        "",
    ]
    for name, cols in outcome_cols.items():
        label = outcome_label(name, [raw.variable_labels.get(c, "") for c in cols], raw)
        lines += _outcome_block(df, name, cols, layout, label)
    if subject_level:
        lines.append(
            "# Subject-level numeric columns (candidate covariates or baseline-table rows): "
            + ", ".join(subject_level)
        )
    categorical = categorical_covariates(df, subject, (subject, arm, visit))
    if categorical:
        lines.append(
            "# Subject-level categorical columns (candidate covariates, e.g. stratification "
            "factors; add them to [model] covariates): " + ", ".join(categorical)
        )
    lines += [
        "",
        "[model]",
        'covariates = ["baseline"]        # "baseline" = the outcome\'s own baseline value',
        'visit_covariates = ["baseline"]',
        "",
        "[analysis]",
        "alpha = 0.05",
        "[analysis.mmrm]",
        *_spec_lines(MMRM_OPTIONS),
        "",
    ]
    return StarterPlan(
        text="\n".join(lines),
        layout=layout,
        subject=subject,
        arm=arm,
        visit=visit,
        visits=tuple(visits),
        outcomes=tuple(outcome_cols),
        arm_values=arm_values,
    )


def _spec_lines(options: tuple[Option, ...]) -> list[str]:
    """``key = default  # choices`` for the options a starter plan shows (from the spec)."""
    out = []
    for o in options:
        if o.starter:
            line = f"{o.name} = {toml_string(o.default)}"
            choices = " ".join(o.choices.codes) if o.choices is not None else ""
            out.append(f"{line:<32} # {choices}".rstrip() if choices else line)
    return out


def _long_visits(s: pd.Series) -> tuple[str, ...]:
    values, bad = numeric_values(s)
    if not bad.any() and values.notna().any():
        uniq = np.unique(values.dropna().to_numpy())
        return tuple(text_values(pd.Series(uniq)).tolist())
    return tuple(pd.unique(text_values(s).dropna()))


_VISIT_WORD = re.compile(r"[\s,;:-]*\b(week|wk|visit|month|day|time|timepoint)\s*$", re.I)


def outcome_label(name: str, labels: list[str], raw: RawTable) -> str:
    """The outcome's display name: its own variable label; for wide data without one, the
    part the visit columns' labels share (``"BDI-II, baseline"`` and ``"BDI-II, week 9"``
    give ``"BDI-II"``), never the baseline column's label alone; else the name."""
    own = raw.variable_labels.get(name)
    if own:
        return own
    if len(labels) == 1:
        return labels[0] or name
    if all(labels):
        common = os.path.commonprefix(labels)
        if any(len(x) > len(common) and x[len(common)].isalnum() for x in labels):
            common = re.sub(r"\w*$", "", common)  # a shared partial word ("week 0"/"week 9")
        common = _VISIT_WORD.sub("", common).rstrip(" ,;:-_([")
        if len(common) >= 3:
            return common
    return name


def categorical_covariates(
    df: pd.DataFrame, subject: str | None, skip: tuple[str | None, ...], max_levels: int = 10
) -> list[str]:
    """Text columns with 2 to ``max_levels`` values, recorded for at least 80% of rows and
    constant within each subject (candidate categorical covariates such as sex, site or a
    stratification factor; sparse free-text columns such as reasons are left out)."""
    out = []
    for c in df.columns:
        if c in skip:
            continue
        values = text_values(df[c])
        if values.notna().mean() < 0.8:
            continue
        n = values.nunique(dropna=True)
        if not 2 <= n <= max_levels or not numeric_values(df[c])[1].any():
            continue
        if (
            subject is not None
            and (df.assign(_v=values).groupby(subject)["_v"].nunique() > 1).any()
        ):
            continue
        out.append(str(c))
    return out


def _varying(df: pd.DataFrame, subject: str, cols: list[str]) -> list[str]:
    if not cols:
        return []
    counts = df.groupby(subject, sort=False)[cols].nunique(dropna=True)
    return [c for c in cols if (counts[c] > 1).any()]


def _outcome_block(
    df: pd.DataFrame, name: str, cols: list[str], layout: str, label: str
) -> list[str]:
    values = pd.concat([numeric_values(df[c])[0] for c in cols])
    safe = re.sub(r"\W", "_", name)
    safe = safe if re.match(r"[A-Za-z_]", safe) else f"x_{safe}"
    out = [
        "[[outcomes]]  # TODO: keep the outcomes you analyse, delete the others",
        f"name = {toml_string(safe)}",
        f"label = {toml_string(label)}  # TODO: display name",
    ]
    out.append(
        f"columns = {toml_strings(cols)}"
        if layout == "wide"
        else f"column = {toml_string(cols[0])}"
    )
    lo, hi = float(values.min()), float(values.max())
    if lo < hi:
        out.append(f"range = [{lo:g}, {hi:g}]  # TODO: observed range; use the instrument's range")
    out += [
        "lower_is_better = true  # TODO: check",
        'role = "secondary"  # TODO: mark one "primary"',
        "",
    ]
    return out


def write_starter_plan(data: str | Path, out: str | Path, force: bool = False) -> StarterPlan:
    """Read ``data`` and write a starter plan to ``out``.

    Raises
    ------
    DataError
        The data file cannot be read, ``out`` exists and ``force`` is False, or ``out``
        cannot be written.
    """
    data, out = Path(data), Path(out)
    check_outputs([Output("starter plan", out)], [data])
    if out.exists() and not force:
        raise DataError(f"Plan file {out} already exists; use --force to overwrite it.")
    sheets = tuple(excel_sheets(data)) if detect_format(data) == "xlsx" and data.is_file() else ()
    if len(sheets) > 1:  # guess the largest sheet; the plan marks the guess TODO
        raw = max((read_table(data, sheet=s) for s in sheets), key=lambda t: t.df.size)
    else:
        raw = read_table(data)
    ref = os.path.relpath(data.resolve(), out.resolve().parent)
    if ref.startswith(".."):  # far away: an absolute path reads better
        ref = str(data.resolve())
    plan = starter_plan(raw, Path(ref).as_posix(), sheets)
    try:
        out.write_text(plan.text, encoding="utf-8")
    except OSError as exc:
        raise DataError(f"Plan file {out} could not be written ({exc.strerror}).") from exc
    return plan
