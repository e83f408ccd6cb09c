"""Checks of ADaM datasets, each problem one sentence naming the file, column and row.

Used by :mod:`trialkit.data.adam`: required variables, Y/N/blank flags, BDS subjects and arms
that ADSL does not have, and two analysis records for one subject x visit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from trialkit.core.problems import (
    DataValidationError,
    Problem,
    ValidationReport,
    did_you_mean,
    quote_list,
)
from trialkit.data.readers import RawTable
from trialkit.data.values import text_values
from trialkit.plan.schema import Outcome
from trialkit.specs.adam import AdamSpec

#: BDS variables that may carry the arm (besides ADSL's planned arm variable).
BDS_ARMS = ("TRTP",)


class AdamProblems:
    """Problems of one ADaM read, each at a file, column and row."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def at(self, raw: RawTable, column: str, mask: np.ndarray, message: str) -> None:
        rows = raw.row_numbers(np.flatnonzero(mask))
        where = f"row {rows[0]}" if len(rows) == 1 else f"rows {row_list(rows)}"
        self.items.append(
            Problem(
                "error",
                f"{raw.name}, column '{column}', {where}: {message}",
                file=raw.name,
                column=column,
                row=rows[0],
            )
        )

    def file(
        self, raw: RawTable, column: str | None, message: str, hint: str | None = None
    ) -> None:
        self.items.append(Problem("error", message, file=raw.name, column=column, hint=hint))

    def raise_if_any(self, subject: str) -> None:
        if self.items:
            raise DataValidationError(ValidationReport(tuple(self.items)), subject)


def row_list(rows: Sequence[int], limit: int = 3) -> str:
    shown = ", ".join(str(r) for r in rows[:limit])
    return shown + (f" and {len(rows) - limit} more" if len(rows) > limit else "")


def need_columns(raw: RawTable, columns: Sequence[str], why: str, bad: AdamProblems) -> bool:
    """True when ``raw`` has every column; else one problem per missing column, saying
    ``why`` it is needed (e.g. ``"plan key 'adam.population'"``)."""
    missing = [c for c in dict.fromkeys(columns) if c and c not in raw.df.columns]
    for c in missing:
        bad.file(
            raw,
            c,
            f"{raw.name} has no column '{c}' ({why}).",
            did_you_mean(c, list(raw.df.columns)),
        )
    return not missing


def yn_flag(raw: RawTable, column: str, bad: AdamProblems) -> pd.Series:
    """A Y/N/blank flag as booleans (``Y`` is True); other values are problems."""
    text = text_values(raw.df[column])
    upper = text.str.upper()
    wrong = (text.notna() & ~upper.isin(["Y", "N"])).to_numpy()
    if wrong.any():
        values = quote_list(list(pd.unique(text[wrong])))
        bad.at(raw, column, wrong, f"flag value {values} is not Y, N or blank.")
    return upper.eq("Y").fillna(False).astype(bool)


def check_bds_subjects(
    raw: RawTable,
    subj: pd.Series,
    rows: np.ndarray,
    spec: AdamSpec,
    subjects: pd.DataFrame,
    adsl: RawTable,
    bad: AdamProblems,
) -> None:
    """Every BDS subject is in ADSL, and every BDS arm is one of ADSL's arms."""
    known = set(subjects[spec.subject].dropna())
    unknown = (rows & subj.notna() & ~subj.isin(known)).to_numpy()
    if unknown.any():
        bad.at(
            raw,
            spec.subject,
            unknown,
            f"subject {subj[unknown].iloc[0]} is not in ADSL ({adsl.name}).",
        )
    arms = set(subjects[spec.arm].dropna())
    for col in dict.fromkeys((spec.arm, *BDS_ARMS)):
        if col not in raw.df.columns:
            continue
        arm = text_values(raw.df[col])
        absent = (rows & arm.notna() & ~arm.isin(arms)).to_numpy()
        if absent.any():
            bad.at(
                raw,
                col,
                absent,
                f"arm '{arm[absent].iloc[0]}' is not an arm of ADSL ({adsl.name}, column "
                f"'{spec.arm}': {quote_list(sorted(arms))}).",
            )


def check_duplicates(
    raw: RawTable,
    subj: pd.Series,
    visit: pd.Series,
    use: np.ndarray,
    outcome: Outcome,
    column: str,
    bad: AdamProblems,
) -> None:
    keys = pd.DataFrame({"s": subj, "v": visit})[use]
    dup = keys.duplicated(keep=False)
    if not dup.any():
        return
    first = keys[dup].iloc[0]
    mask = use & (subj == first["s"]).to_numpy() & (visit == first["v"]).to_numpy()
    n = int(keys[dup].drop_duplicates().shape[0])
    more = f" ({n} subject x visit pairs in all)" if n > 1 else ""
    bad.at(
        raw,
        column,
        mask,
        f"subject {first['s']} has {int(mask.sum())} analysis records of PARAMCD "
        f"'{outcome.paramcd}' at visit '{first['v']}'{more}; flag one per visit with "
        "the analysis-record flag.",
    )
