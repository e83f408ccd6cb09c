"""CONSORT enrolment: assessed for eligibility and excluded, with reasons.

A dataset of randomised patients cannot say who was screened, so the counts come from the
plan, either as numbers::

    [enrolment]
    assessed = 312
    excluded = { "Did not meet inclusion criteria" = 160, "Declined to participate" = 38 }

or from a **screening log** (``screening_log = "screening.csv"``, relative to the plan): a
CSV file with one row per person assessed for eligibility and the columns

``eligible``
    1/0 (or true/false, yes/no): met the eligibility criteria.
``randomised`` (or ``randomized``)
    1/0: was randomised.
``exclusion_reason``
    free text, blank for randomised people. A blank reason for a person not randomised
    counts as "Not eligible, reason not recorded" or "Eligible, not randomised, reason not
    recorded" according to ``eligible``.

Other columns (e.g. a screening id or date) are ignored. Assessed = the number of rows;
excluded = rows not randomised; reasons = the counts of ``exclusion_reason`` among them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from trialkit.core.errors import DataError
from trialkit.plan.schema import Plan

TRUE_TEXT = frozenset({"1", "true", "yes", "y", "t"})
FALSE_TEXT = frozenset({"0", "false", "no", "n", "f"})


@dataclass(frozen=True)
class EnrolmentFlow:
    """Enrolment box counts. ``assessed``/``excluded`` are ``None`` when nothing says them."""

    assessed: int | None
    excluded: int | None
    excluded_reasons: tuple[tuple[str, int], ...]
    randomised: int
    source: Literal["plan", "screening_log", "none"]


def _flag(frame: pd.DataFrame, column: str, path: Path) -> pd.Series:
    text = frame[column].astype("string").str.strip().str.lower()
    bad = ~(text.isin(TRUE_TEXT) | text.isin(FALSE_TEXT)).fillna(False)
    if bad.any():
        row = int(bad.to_numpy().argmax()) + 2
        raise DataError(
            f"Screening log {path}, column '{column}', row {row}: expected 1/0 or true/false, "
            f"found '{frame[column].iloc[row - 2]}'."
        )
    return text.isin(TRUE_TEXT).astype(bool)


def read_screening_log(path: Path, randomised: int) -> EnrolmentFlow:
    """Count a screening log (format in the module docstring)."""
    try:
        frame = pd.read_csv(path, dtype="string", keep_default_na=False)
    except FileNotFoundError:
        raise DataError(f"Screening log {path} does not exist.") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise DataError(f"Screening log {path} is not a readable CSV file ({err}).") from None
    frame.columns = [c.strip().lower() for c in frame.columns]
    if "randomized" in frame.columns and "randomised" not in frame.columns:
        frame = frame.rename(columns={"randomized": "randomised"})
    for col in ("eligible", "randomised", "exclusion_reason"):
        if col not in frame.columns:
            raise DataError(f"Screening log {path} has no column '{col}'.")
    eligible = _flag(frame, "eligible", path)
    rand = _flag(frame, "randomised", path)
    reason = frame["exclusion_reason"].astype("string").str.strip()
    default = eligible.map(
        {
            True: "Eligible, not randomised, reason not recorded",
            False: "Not eligible, reason not recorded",
        }
    )
    reason = reason.mask(reason.eq("") | reason.isna(), default)
    counts = reason[~rand].value_counts(sort=True)
    reasons = tuple((str(k), int(v)) for k, v in counts.items())
    return EnrolmentFlow(
        assessed=int(len(frame)),
        excluded=int((~rand).sum()),
        excluded_reasons=reasons,
        randomised=randomised,
        source="screening_log",
    )


def enrolment_flow(plan: Plan, randomised: int) -> EnrolmentFlow:
    """Enrolment counts from the screening log, else the plan's numbers, else none."""
    enr = plan.enrolment
    if enr.screening_log is not None:
        path = Path(enr.screening_log)
        if not path.is_absolute() and plan.path is not None:
            path = Path(plan.path).parent / path
        return read_screening_log(path, randomised)
    if enr.assessed is None and not enr.excluded:
        return EnrolmentFlow(None, None, (), randomised, "none")
    excluded = int(sum(n for _, n in enr.excluded)) if enr.excluded else None
    return EnrolmentFlow(
        assessed=enr.assessed,
        excluded=excluded,
        excluded_reasons=tuple((str(r), int(n)) for r, n in enr.excluded),
        randomised=randomised,
        source="plan",
    )
