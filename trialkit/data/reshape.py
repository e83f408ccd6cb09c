"""Reshape wide trial data (one row per subject) to long (one row per subject x visit)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from trialkit.plan.schema import Plan


def wide_to_long(df: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """Stack each outcome's per-visit columns into one column.

    For ``n`` subjects and ``k`` visits the result has ``n * k`` rows, subject-major in the
    input's row order and visit-minor in ``plan.visits.order``. Row ``i * k + j`` holds
    subject ``i`` at visit ``j``: every column that is not an outcome column is repeated
    from the subject's row, outcome ``o`` takes the value of ``o.columns[j]`` under the
    column name ``o.name``, and the visit value ``plan.visits.order[j]`` goes in a column
    named ``plan.columns.visit`` (default ``"visit"``), placed after the subject column.

    Parameters
    ----------
    df
        Wide data: one row per subject.
    plan
        A wide-layout plan; each outcome lists one column per visit in visit order.

    Returns
    -------
    pandas.DataFrame
        Long data with a fresh ``RangeIndex``. Values keep their dtypes (no conversion).

    Raises
    ------
    ValueError
        If the plan is not wide or an outcome column is missing (call
        :func:`trialkit.data.validate` first for a user-facing report).
    """
    if plan.layout != "wide":
        raise ValueError("wide_to_long needs a plan with layout = 'wide'.")
    order = plan.visits.order
    k, n = len(order), len(df)
    outcome_cols = [c for o in plan.outcomes for c in o.columns]
    missing = [c for c in outcome_cols if c not in df.columns]
    if missing:
        raise ValueError(f"outcome columns not in the data: {', '.join(missing)}")
    keep = [c for c in df.columns if c not in set(outcome_cols)]
    long = df[keep].iloc[np.repeat(np.arange(n), k)].reset_index(drop=True)
    visit_name = plan.columns.visit or "visit"
    visits = pd.Series(np.tile(np.asarray(order, dtype=object), n), dtype="str")
    at = keep.index(plan.columns.subject) + 1 if plan.columns.subject in keep else 0
    long.insert(at, visit_name, visits)
    for o in plan.outcomes:
        block = df[list(o.columns)]
        if all(pd.api.types.is_numeric_dtype(block[c]) for c in block.columns):
            values = block.to_numpy(dtype=float, na_value=np.nan).reshape(-1)
        else:
            values = block.to_numpy(dtype=object).reshape(-1)
        long[o.name] = values
    return long
