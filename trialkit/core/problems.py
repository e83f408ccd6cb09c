"""Problems found while checking a plan and its data, and the errors that carry them.

Every check in trialkit collects *all* problems it can find before anything is analysed, so
that a user fixes a file once rather than once per problem. A :class:`Problem` says what is
wrong and where (file, plan key, column, row, subject); a :class:`ValidationReport` holds all
of them. When a report has errors, :class:`PlanValidationError` or
:class:`DataValidationError` is raised with the report attached; the CLI renders the report
as one table and exits with code 2.

Row numbers
-----------
``Problem.row`` is the row as the user sees it in the file. For text and spreadsheet files
(CSV, TSV, Excel) the header is row 1, so the first data row is row 2 -- the number a
spreadsheet shows. For SPSS, Stata, SAS and Parquet files, which have no header row, the
first case is row 1 -- the case number in SPSS's Data View.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from trialkit.core.errors import DataError, PlanError

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a plan or a data file.

    Attributes
    ----------
    severity
        ``"error"`` stops the run; ``"warning"`` is reported and the run continues.
    message
        One plain sentence that names what is wrong.
    file
        File name (plan or data) the problem is in.
    key
        Plan key path such as ``"analysis.mmrm.covariance"``, for plan problems.
    column
        Data column, for data problems.
    row
        Row as the user sees it in the file (see the module notes on row numbers).
    subject
        Subject id, when the problem belongs to one subject.
    hint
        What to do about it, e.g. ``"did you mean 'covariates'?"``.
    """

    severity: Severity
    message: str
    file: str | None = None
    key: str | None = None
    column: str | None = None
    row: int | None = None
    subject: str | None = None
    hint: str | None = None

    @property
    def where(self) -> str:
        """Location as text: ``"dbt.csv, column 'ders', row 12"``."""
        parts = []
        if self.file:
            parts.append(self.file)
        if self.key:
            parts.append(f"key '{self.key}'")
        if self.column:
            parts.append(f"column '{self.column}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.subject is not None:
            parts.append(f"subject {self.subject}")
        return ", ".join(parts)

    def sentence(self) -> str:
        """The message with its hint, as one line."""
        if not self.hint:
            return self.message
        return f"{self.message.rstrip('.')} ({self.hint})."


@dataclass(frozen=True)
class ValidationReport:
    """All problems found in a plan and its data, errors first in the order found."""

    problems: tuple[Problem, ...] = ()

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not self.errors

    def __add__(self, other: ValidationReport) -> ValidationReport:
        return ValidationReport(self.problems + other.problems)

    def summary(self, subject: str) -> str:
        """One sentence: ``"plan.toml has 2 errors and 1 warning; first: ..."``."""
        n_err, n_warn = len(self.errors), len(self.warnings)
        counts = _plural(n_err, "error")
        if n_warn:
            counts += f" and {_plural(n_warn, 'warning')}"
        first = self.errors[0] if self.errors else (self.problems[0] if self.problems else None)
        tail = f"; the first: {first.sentence()}" if first else ""
        return f"{subject} has {counts}{tail}"


class PlanValidationError(PlanError):
    """The plan has errors; ``report`` lists every problem found."""

    def __init__(self, report: ValidationReport, subject: str) -> None:
        super().__init__(report.summary(subject))
        self.report = report


class DataValidationError(DataError):
    """The data do not match the plan; ``report`` lists every problem found."""

    def __init__(self, report: ValidationReport, subject: str) -> None:
        super().__init__(report.summary(subject))
        self.report = report


def alpha_problems(alpha: float, key: str, file: str | None = None) -> list[Problem]:
    """The error of a significance level outside (0, 0.5) at plan key ``key`` (none when
    it is inside): the one check every model spec makes of its ``alpha``."""
    if 0 < alpha < 0.5:
        return []
    return [Problem("error", f"'{key}' is {alpha}; use a value in (0, 0.5).", file=file, key=key)]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def close_match(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate nearest to ``name`` (case-insensitive first, then by spelling), or None.

    Uses :func:`difflib.get_close_matches` with cutoff 0.6 on lower-cased names.
    """
    cands = [str(c) for c in candidates]
    lower = {c.lower(): c for c in cands}
    if name.lower() in lower:
        return lower[name.lower()]
    hit = difflib.get_close_matches(name.lower(), list(lower), n=1, cutoff=0.6)
    return lower[hit[0]] if hit else None


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """``"did you mean 'x'?"`` for the closest candidate, or None."""
    hit = close_match(name, candidates)
    return f"did you mean '{hit}'?" if hit is not None else None


def quote_list(values: Sequence[object], limit: int = 5) -> str:
    """``'a', 'b', 'c'`` -- at most ``limit`` items, then ``and N more``."""
    shown = ", ".join(f"'{v}'" for v in values[:limit])
    extra = len(values) - limit
    return f"{shown} and {extra} more" if extra > 0 else shown
