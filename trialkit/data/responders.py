"""Responder outcomes checked against the data: binary columns hold 0/1, yes/no, true/false.

:func:`binary_codes` is the one place those spellings are read (the responder engine uses it
too); :func:`check_responders` reports, for each binary responder column, the first row
holding anything else, in one sentence naming the file, column, row and subject.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trialkit.core.problems import Problem
from trialkit.data.values import text_values
from trialkit.plan.schema import Plan

_YES = frozenset({"1", "1.0", "yes", "true"})
_NO = frozenset({"0", "0.0", "no", "false"})


def binary_codes(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """1.0/0.0 per cell (NaN where missing or blank) and a mask of cells that are neither.

    Accepted (any case, surrounding blanks ignored): 1/0, yes/no, true/false; booleans.
    """
    if pd.api.types.is_bool_dtype(series):
        return series.to_numpy(dtype=float), np.zeros(len(series), dtype=bool)
    text = series.astype("string").str.strip().str.lower()
    yes = text.isin(_YES).fillna(False).to_numpy(dtype=bool)
    no = text.isin(_NO).fillna(False).to_numpy(dtype=bool)
    missing = series.isna().to_numpy() | (text.fillna("") == "").to_numpy(dtype=bool)
    values = np.where(yes, 1.0, np.where(no, 0.0, np.nan))
    return values, ~(yes | no | missing)


def responder_columns(plan: Plan) -> list[tuple[str, str]]:
    """Binary responder columns the plan names, with their keys."""
    out: list[tuple[str, str]] = []
    for i, r in enumerate(plan.responders):
        key = f"responders[{i + 1}]"
        if r.column:
            out.append((r.column, f"{key}.column"))
        out.extend((c, f"{key}.columns") for c in r.columns)
    return out


def responder_subject_columns(plan: Plan) -> list[tuple[str, str]]:
    """Subject-level covariates of the responder models (``baseline`` is not a column)."""
    return [
        (c, f"responders[{i + 1}].covariates")
        for i, r in enumerate(plan.responders)
        for c in r.covariates or ()
        if c != "baseline"
    ]


def check_responders(
    df: pd.DataFrame, plan: Plan, file: str, rows: np.ndarray, subject: pd.Series | None
) -> list[Problem]:
    """For each binary responder column: the first value that is not 0/1/yes/no/true/false.

    ``rows`` gives the file's row number of each row of ``df``; ``subject`` the subject ids.
    """
    problems: list[Problem] = []
    seen: set[str] = set()
    for col, key in responder_columns(plan):
        if col not in df.columns or col in seen:
            continue  # a missing column is reported by the validator
        seen.add(col)
        _, bad = binary_codes(df[col])
        if not bad.any():
            continue
        first = int(np.flatnonzero(bad)[0])
        who = f" (subject {subject.iloc[first]})" if subject is not None else ""
        more = int(bad.sum()) - 1
        tail = f"; {more} more row(s) likewise" if more else ""
        problems.append(
            Problem(
                "error",
                f"Column '{col}' of {file} has '{df[col].iloc[first]}' at row {rows[first]}"
                f"{who}; a binary responder ({key}) must be 0/1, yes/no or true/false{tail}.",
                file=file,
                column=col,
                row=int(rows[first]),
                key=key,
                subject=str(subject.iloc[first]) if subject is not None else None,
            )
        )
    return problems + _check_comparisons(df, plan, file)


def _check_comparisons(df: pd.DataFrame, plan: Plan, file: str) -> list[Problem]:
    """A hypothesis ``comparison`` must be an arm of the data other than the control."""
    if plan.multiplicity is None or plan.columns.arm not in df.columns:
        return []
    arms = [str(a) for a in pd.unique(text_values(df[plan.columns.arm]).dropna())]
    out = []
    for i, h in enumerate(plan.multiplicity.hypotheses):
        if h.comparison is None or (h.comparison in arms and h.comparison != plan.arms.control):
            continue
        key = f"multiplicity.hypotheses[{i + 1}].comparison"
        others = ", ".join(f"'{a}'" for a in arms if a != plan.arms.control)
        out.append(
            Problem(
                "error",
                f"Key '{key}' is '{h.comparison}', which is not an arm compared with the control "
                f"in column '{plan.columns.arm}' of {file} (arms: {others}).",
                file=file,
                key=key,
                column=plan.columns.arm,
            )
        )
    return out
