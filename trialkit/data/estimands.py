"""Intercurrent events and estimand populations, checked against the data.

Each ``[[estimands.events]]`` names a subject-level column holding the first visit the event
affects. :func:`check_events` reports values that are not post-baseline visits of the plan
and subjects whose value differs between rows; :func:`event_table` lists, for a validated
trial, every subject with an event: its arm, the event, the first visit affected and the
visits from then on. :func:`population_mask` selects an estimand's population.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trialkit.core.problems import Problem, quote_list
from trialkit.data.values import text_values
from trialkit.plan.schema import Plan
from trialkit.specs.estimand import EstimandSpec

EVENT_COLUMNS = ["subject", "arm", "event", "strategy", "visit", "visits_affected"]


def estimand_columns(plan: Plan) -> list[tuple[str, str]]:
    """Subject-level columns named by the estimands (event columns and population filters)."""
    out: list[tuple[str, str]] = []
    for i, e in enumerate(plan.estimands):
        key = f"estimands[{i + 1}]"
        out.extend((ev.column, f"{key}.events[{j + 1}].column") for j, ev in enumerate(e.events))
        out.extend((col, f"{key}.population") for col, _ in e.population)
    return out


def check_events(df: pd.DataFrame, plan: Plan, file: str, rows: np.ndarray) -> list[Problem]:
    """Event values that are not post-baseline visits, and population values never seen.

    ``rows`` gives the file's row number of each row of ``df``.
    """
    problems: list[Problem] = []
    post = set(plan.visits.post_baseline)
    for i, e in enumerate(plan.estimands):
        key = f"estimands[{i + 1}]"
        for j, ev in enumerate(e.events):
            if ev.column not in df.columns:
                continue  # reported as a missing column by the validator
            values = text_values(df[ev.column])
            bad = values.notna() & ~values.isin(post)
            if bad.any():
                first = int(np.flatnonzero(bad.to_numpy())[0])
                found = list(pd.unique(values[bad]))
                which = (
                    "which is not a post-baseline visit"
                    if len(found) == 1
                    else ("which are not post-baseline visits")
                )
                problems.append(
                    Problem(
                        "error",
                        f"Intercurrent event '{ev.name}' ({key}.events[{j + 1}]) has "
                        f"{quote_list(found)}, {which} of 'visits.order'; "
                        "give the first visit the event affects, or leave it empty.",
                        file=file,
                        column=ev.column,
                        row=int(rows[first]),
                    )
                )
        for col, value in e.population:
            if col in df.columns and not (text_values(df[col]) == value).any():
                problems.append(
                    Problem(
                        "error",
                        f"The population of estimand '{e.name}' is {col} = '{value}', "
                        "which no row has.",
                        file=file,
                        column=col,
                        key=f"{key}.population",
                    )
                )
    return problems


def population_mask(subjects: pd.DataFrame, estimand: EstimandSpec) -> pd.Series:
    """True for the subjects (rows of ``subjects``) in the estimand's population."""
    mask = pd.Series(True, index=subjects.index)
    for col, value in estimand.population:
        mask &= (text_values(subjects[col]) == value).fillna(False)
    return mask


def event_table(
    subjects: pd.DataFrame, arm: str, estimand: EstimandSpec, visits: tuple[str, ...]
) -> pd.DataFrame:
    """One row per subject x event: ``subject, arm, event, strategy, visit, visits_affected``.

    ``visits`` are the post-baseline visits in time order; ``visits_affected`` counts the
    visits from the event's visit on.
    """
    frames = []
    order = {v: i for i, v in enumerate(visits)}
    for ev in estimand.events:
        first = text_values(subjects[ev.column])
        has = first.notna() & first.isin(order)
        sub = subjects.loc[has.to_numpy()]
        vis = first[has]
        frames.append(
            pd.DataFrame(
                {
                    "subject": sub.index.astype(str),
                    "arm": sub[arm].astype(str).to_numpy(),
                    "event": ev.name,
                    "strategy": ev.strategy,
                    "visit": vis.to_numpy(),
                    "visits_affected": len(visits) - vis.map(order).to_numpy(dtype=int),
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=EVENT_COLUMNS)
    return pd.concat(frames, ignore_index=True)[EVENT_COLUMNS]
