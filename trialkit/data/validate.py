"""Check a data file against its plan and collect every problem before any analysis.

:func:`validate` runs all checks and returns a :class:`ValidationReport`; nothing stops at the
first problem. Errors (the run cannot go on) and warnings (the run goes on, and the user is
told) are listed in the order found. Row numbers follow the convention in
:mod:`trialkit.core.problems`.

Checks
------
Errors: no data rows; plan columns absent from the file (with a close-match suggestion); a
blank subject id, arm or visit; an arm column with fewer than two arms, or a control (or
treatment) arm that is not one of them; ``arms.order``, explicit ``arms.comparisons`` pairs or
a ``arms.dose`` table naming an arm that is not in the data, or a dose table without every
arm; a dose column with a non-numeric or blank value; a subject whose arm changes between
rows; duplicate subject x visit rows (duplicate subjects in the wide layout); visits in the
data that are not in the plan, and plan visits with no rows; non-numeric outcome, adherence
or continuous baseline values (up to three examples with their rows); values outside an
outcome's ``range`` or outside ``0..sessions`` for adherence.

Warnings: subjects with no baseline value of an outcome (named; analyses adjusting for
baseline exclude them and say so); subject-level columns that vary within a subject in the
long layout (the first non-missing value is used).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from trialkit.core.problems import Problem, ValidationReport, did_you_mean, quote_list
from trialkit.data.estimands import check_events, estimand_columns
from trialkit.data.readers import RawTable
from trialkit.data.responders import (
    check_responders,
    responder_columns,
    responder_subject_columns,
)
from trialkit.data.values import numeric_values, text_values
from trialkit.plan.build import BASELINE_TOKEN
from trialkit.plan.schema import Plan

#: How many examples a message shows before "and N more".
EXAMPLES = 3


def plan_columns(plan: Plan) -> list[tuple[str, str]]:
    """Every data column the plan names, with the plan key that names it, in plan order."""
    out: list[tuple[str, str]] = [
        (plan.columns.subject, "columns.subject"),
        (plan.columns.arm, "columns.arm"),
    ]
    if plan.layout == "long" and plan.columns.visit:
        out.append((plan.columns.visit, "columns.visit"))
    for i, o in enumerate(plan.outcomes):
        key = f"outcomes[{i + 1}]"
        if plan.layout == "long" and o.column:
            out.append((o.column, f"{key}.column"))
        out.extend((c, f"{key}.columns") for c in o.columns)
    return out + responder_columns(plan) + [(c, k) for c, k in subject_level_columns(plan)]


def subject_level_columns(plan: Plan) -> list[tuple[str, str]]:
    """Columns the plan treats as one value per subject (besides the arm), with their keys."""
    out: list[tuple[str, str]] = [
        (c, "model.covariates") for c in plan.model.covariates if c != BASELINE_TOKEN
    ]
    if plan.adherence is not None:
        out.append((plan.adherence.column, "adherence.column"))
        out.extend((c, "adherence.extra") for c in plan.adherence.extra)
    for name, col in vars(plan.disposition).items():
        if col:
            out.append((col, f"disposition.{name}"))
    bt = plan.baseline_table
    for key in ("continuous", "categorical", "median_iqr"):
        out.extend((c, f"baseline_table.{key}") for c in getattr(bt, key))
    for i, block in enumerate(bt.multi_select):
        out.extend((c, f"baseline_table.multi_select[{i + 1}].columns") for c in block.columns)
    if isinstance(plan.arms.dose, str):
        out.append((plan.arms.dose, "arms.dose"))
    return out + estimand_columns(plan) + responder_subject_columns(plan)


def validate(raw: RawTable, plan: Plan) -> ValidationReport:
    """Check ``raw`` against ``plan`` and return every problem found.

    Parameters
    ----------
    raw
        The data file as read by :func:`trialkit.data.read_table`.
    plan
        The loaded plan.

    Returns
    -------
    ValidationReport
        All errors and warnings, in the order found (see the module notes for the list).
    """
    return ValidationReport(tuple(_Validator(raw, plan).run()))


class _Validator:
    def __init__(self, raw: RawTable, plan: Plan) -> None:
        self.raw, self.plan, self.df = raw, plan, raw.df
        self.problems: list[Problem] = []
        self.subject: pd.Series | None = None
        self.visit: pd.Series | None = None

    # -- helpers -------------------------------------------------------------------------
    def add(self, severity: str, message: str, **where: object) -> None:
        self.problems.append(Problem(severity, message, file=self.raw.name, **where))  # type: ignore[arg-type]

    def add_at(self, mask: np.ndarray, message: str, column: str, **where: object) -> None:
        """Add an error located at the first row flagged by ``mask``."""
        self.add("error", message, column=column, row=self.rows(mask)[0], **where)

    def rows(self, mask: np.ndarray) -> list[int]:
        return self.raw.row_numbers(np.flatnonzero(mask))

    def row_text(self, mask: np.ndarray) -> str:
        rows = self.rows(mask)
        return ("row " if len(rows) == 1 else "rows ") + _join(rows)

    # -- checks --------------------------------------------------------------------------
    def run(self) -> list[Problem]:
        if self.df.empty:
            self.add("error", f"Data file {self.raw.name} has no data rows.")
            return self.problems
        for note in self.raw.notes:
            self.add("warning", note)
        self.check_plan_roles()
        present = self.check_columns()
        p = self.plan
        if p.columns.subject in present:
            self.subject = self.check_blank(p.columns.subject, "subject id")
        if p.columns.arm in present:
            self.check_arms(self.check_blank(p.columns.arm, "arm"))
        if p.layout == "long" and p.columns.visit in present:
            self.visit = self.check_blank(p.columns.visit, "visit")
            self.check_visits(self.visit)
        self.check_duplicates()
        self.check_numbers(present)
        self.check_baseline(present)
        if p.layout == "long":
            self.check_constant(present)
        if p.estimands:
            rows = np.asarray(self.raw.row_numbers(np.arange(len(self.df))))
            self.problems.extend(check_events(self.df, p, self.raw.name, rows))
        if p.responders or p.multiplicity:
            rows = np.asarray(self.raw.row_numbers(np.arange(len(self.df))))
            self.problems.extend(check_responders(self.df, p, self.raw.name, rows, self.subject))
        return self.problems

    def check_plan_roles(self) -> None:
        """A covariate that is the subject, arm or visit column; no primary outcome."""
        p = self.plan
        roles = {
            p.columns.subject: ("subject", "columns.subject"),
            p.columns.arm: ("arm", "columns.arm"),
        }
        if p.layout == "long" and p.columns.visit:
            roles[p.columns.visit] = ("visit", "columns.visit")
        for c in dict.fromkeys(p.model.covariates):
            if c in roles:
                what, key = roles[c]
                self.add(
                    "error",
                    f"Covariate '{c}' in 'model.covariates' is the {what} column (plan key "
                    f"'{key}'); the model cannot adjust for it as a covariate.",
                    column=c,
                    key="model.covariates",
                    hint="remove it from 'model.covariates'"
                    + ("; every model already includes arm and visit" if what != "subject" else ""),
                )
        if p.outcomes and not any(o.role == "primary" for o in p.outcomes):
            self.add(
                "warning",
                f"No outcome is marked primary; the first outcome, '{p.primary.name}', is "
                "analysed as the primary outcome.",
                key="outcomes",
                hint='set role = "primary" on the primary outcome',
            )

    def check_columns(self) -> set[str]:
        columns = list(self.df.columns)
        have = set(columns)
        seen: set[str] = set()
        for col, key in plan_columns(self.plan):
            if col in have or col in seen:
                continue
            seen.add(col)
            self.add(
                "error",
                f"Column '{col}' named by plan key '{key}' is not in {self.raw.name}.",
                column=col,
                key=key,
                hint=did_you_mean(col, columns),
            )
        if self.plan.layout == "wide":
            visit = self.plan.columns.visit or "visit"
            if visit in have:
                self.add(
                    "error",
                    f"Wide data already have a column '{visit}', the name the reshaped visit "
                    "column would take.",
                    column=visit,
                    hint="set [columns] visit to another name",
                )
            used = {c for o in self.plan.outcomes for c in o.columns}
            for o in self.plan.outcomes:
                if o.name in have and o.name not in used:
                    self.add(
                        "error",
                        f"Wide data already have a column '{o.name}', the name outcome "
                        f"'{o.name}' takes after reshaping.",
                        column=o.name,
                        hint="rename the outcome or the column",
                    )
        return have

    def check_blank(self, col: str, what: str) -> pd.Series:
        values = text_values(self.df[col])
        blank = values.isna().to_numpy()
        if blank.any():
            self.add_at(
                blank,
                f"Column '{col}' has {blank.sum()} blank {what} value(s) at "
                f"{self.row_text(blank)}.",
                col,
            )
        return values

    def check_arms(self, arm: pd.Series) -> None:
        col, arms = self.plan.columns.arm, self.plan.arms
        found = list(pd.unique(arm.dropna()))
        if len(found) < 2:
            self.add(
                "error",
                f"Arm column '{col}' has {len(found)} different value(s) "
                f"({quote_list(found)}); a comparison needs at least 2 arms.",
                column=col,
            )
        single = ("arms.control", "arms.treatment")
        named = [("arms.control", arms.control), ("arms.treatment", arms.treatment)]
        named += [("arms.order", a) for a in arms.order]
        if not isinstance(arms.comparisons, str):
            named += [("arms.comparisons", a) for pair in arms.comparisons for a in pair]
        if isinstance(arms.dose, tuple):
            named += [("arms.dose", a) for a, _ in arms.dose]
        for key, value in dict.fromkeys(named):
            if value is not None and value not in found:
                self.add(
                    "error",
                    f"Plan key '{key}' {'is' if key in single else 'names arm'} '{value}', "
                    f"which is not a value of arm column "
                    f"'{col}' ({quote_list(found)}).",
                    column=col,
                    key=key,
                    hint=did_you_mean(value, found) or "arm values are matched after value labels",
                )
        if isinstance(arms.dose, tuple):
            missing = [a for a in found if a not in dict(arms.dose)]
            if missing:
                self.add(
                    "error",
                    f"Plan key 'arms.dose' gives no dose for arm(s) {quote_list(missing)} of "
                    f"arm column '{col}'.",
                    column=col,
                    key="arms.dose",
                )
        if self.subject is not None:
            frame = pd.DataFrame({"s": self.subject, "a": arm}).dropna()
            n_arms = frame.groupby("s", sort=False)["a"].nunique()
            for subj in n_arms.index[n_arms > 1][:EXAMPLES]:
                mask = (self.subject == subj).to_numpy()
                values = quote_list(list(pd.unique(arm[mask].dropna())))
                self.add_at(
                    mask,
                    f"Subject {subj} changes arm between rows ({values} at {self.row_text(mask)}).",
                    col,
                    subject=str(subj),
                )
            more = int((n_arms > 1).sum()) - EXAMPLES
            if more > 0:
                self.add("error", f"{more} more subject(s) change arm between rows.", column=col)

    def check_visits(self, visit: pd.Series) -> None:
        col, order = self.plan.columns.visit, self.plan.visits.order
        unknown = visit.notna() & ~visit.isin(order)
        mask = unknown.to_numpy()
        if mask.any():
            values = list(pd.unique(visit[mask]))
            self.add_at(
                mask,
                f"Visit column '{col}' has value(s) {quote_list(values)} that are not in plan "
                f"key 'visits.order' ({quote_list(order)}), in {mask.sum()} row(s) from "
                f"row {self.rows(mask)[0]}.",
                col,
                key="visits.order",
                hint=did_you_mean(str(values[0]), order),
            )
        absent = [v for v in order if not (visit == v).any()]
        if absent:
            self.add(
                "error",
                f"Plan visit(s) {quote_list(absent)} in 'visits.order' have no rows in column "
                f"'{col}'.",
                column=col,
                key="visits.order",
            )

    def check_duplicates(self) -> None:
        if self.subject is None:
            return
        if self.plan.layout == "long":
            if self.visit is None:
                return
            keys = pd.DataFrame({"s": self.subject, "v": self.visit})
            what = "subject x visit"
        else:
            keys = pd.DataFrame({"s": self.subject})
            what = "subject"
        dup = keys.duplicated(keep=False).to_numpy() & keys.notna().all(axis=1).to_numpy()
        if not dup.any():
            return
        groups = keys[dup].drop_duplicates()
        shown = []
        for _, g in groups.head(EXAMPLES).iterrows():
            mask = (keys == g).all(axis=1).to_numpy()
            label = f"subject {g['s']}" + (f" visit {g['v']}" if "v" in g else "")
            shown.append(f"{label} ({self.row_text(mask)})")
        more = len(groups) - EXAMPLES
        tail = f" and {more} more" if more > 0 else ""
        self.add_at(
            dup,
            f"{len(groups)} {what} combination(s) appear on more than one row: "
            f"{'; '.join(shown)}{tail}.",
            self.plan.columns.subject,
            subject=str(groups.iloc[0]["s"]),
        )

    def numeric_checks(self) -> list[tuple[str, tuple[float, float] | None, str]]:
        """(column, allowed range, what) for every column that must hold numbers."""
        p = self.plan
        out: list[tuple[str, tuple[float, float] | None, str]] = []
        for o in p.outcomes:
            for col in (o.column,) if p.layout == "long" else o.columns:
                if col:
                    out.append((col, o.range, f"outcome '{o.name}'"))
        if p.adherence is not None:
            out.append((p.adherence.column, (0.0, float(p.adherence.sessions)), "adherence"))
        for col in (*p.baseline_table.continuous, *p.baseline_table.median_iqr):
            out.append((col, None, "continuous baseline"))
        if isinstance(p.arms.dose, str):
            out.append((p.arms.dose, None, "dose"))
        return out

    def check_numbers(self, present: set[str]) -> None:
        done: set[str] = set()
        for col, rng, what in self.numeric_checks():
            if col not in present or col in done:
                continue
            done.add(col)
            values, bad = numeric_values(self.df[col])
            if bad.any():
                examples = self.examples(self.df[col], bad)
                self.add_at(
                    bad,
                    f"Column '{col}' ({what}) has {bad.sum()} non-numeric value(s): {examples}.",
                    col,
                )
            elif what == "dose" and values.isna().any():
                blank = values.isna().to_numpy()
                self.add_at(
                    blank,
                    f"Column '{col}' (dose) is blank at {self.row_text(blank)}; every subject "
                    "needs a numeric dose.",
                    col,
                )
            if rng is not None:
                v = values.to_numpy()
                out = ~np.isnan(v) & ((v < rng[0]) | (v > rng[1]))
                if out.any():
                    self.add_at(
                        out,
                        f"Column '{col}' ({what}) has {out.sum()} value(s) outside its range "
                        f"[{rng[0]:g}, {rng[1]:g}]: {self.examples(values, out)}.",
                        col,
                        hint="fix the values, or declare them missing in the file",
                    )

    def examples(self, values: pd.Series, mask: np.ndarray) -> str:
        idx = np.flatnonzero(mask)
        rows = self.raw.row_numbers(idx[:EXAMPLES])
        parts = []
        for i, r in zip(idx[:EXAMPLES], rows, strict=True):
            v = values.iloc[i]
            shown = f"{v:g}" if isinstance(v, float) else f"'{v}'"
            subj = f", subject {self.subject.iloc[i]}" if self.subject is not None else ""
            parts.append(f"{shown} (row {r}{subj})")
        more = len(idx) - EXAMPLES
        return ", ".join(parts) + (f" and {more} more" if more > 0 else "")

    def check_baseline(self, present: set[str]) -> None:
        if self.subject is None:
            return
        p = self.plan
        base = p.visits.baseline
        codes, subjects = pd.factorize(self.subject)  # code -1 = blank id
        for o in p.outcomes:
            if p.layout == "long":
                if self.visit is None or not o.column or o.column not in present:
                    continue
                values, _ = numeric_values(self.df[o.column])
                has = (self.visit == base).to_numpy() & values.notna().to_numpy()
                col = o.column
            else:
                col = o.columns[p.visits.order.index(base)] if o.columns else None
                if col is None or col not in present:
                    continue
                values, _ = numeric_values(self.df[col])
                has = values.notna().to_numpy()
            has_base = np.zeros(len(subjects), dtype=bool)
            has_base[codes[has & (codes >= 0)]] = True
            missing = list(subjects[~has_base])
            if missing:
                self.add(
                    "warning",
                    f"{len(missing)} subject(s) have no baseline value of outcome "
                    f"'{o.name}': {quote_list(missing, 10)}; analyses adjusting for baseline "
                    "exclude them and report it.",
                    column=col,
                    subject=str(missing[0]),
                )

    def check_constant(self, present: set[str]) -> None:
        if self.subject is None:
            return
        cols = list(dict.fromkeys(c for c, _ in subject_level_columns(self.plan) if c in present))
        if not cols:
            return
        frame = self.df[cols].copy()
        frame["__subject"] = self.subject.to_numpy()
        counts = frame.groupby("__subject", sort=False)[cols].nunique(dropna=True)
        for col in cols:
            varying = counts.index[(counts[col] > 1).to_numpy()]
            if len(varying):
                self.add(
                    "warning",
                    f"Subject-level column '{col}' varies within {len(varying)} subject(s) "
                    f"({quote_list(list(varying))}); the first non-missing value is used.",
                    column=col,
                    subject=str(varying[0]),
                )


def _join(rows: Sequence[int], limit: int = EXAMPLES) -> str:
    shown = ", ".join(str(r) for r in rows[:limit])
    more = len(rows) - limit
    return shown + (f" and {more} more" if more > 0 else "")
