r"""Arm order, between-arm contrasts and doses for trials with any number of arms.

With arms :math:`a_0` (the control), :math:`a_1, \dots, a_{k-1}` and LS-mean rows
:math:`\ell_{a,v}` (linear functions of :math:`\beta`), the difference of arm :math:`a` minus
arm :math:`b` at visit :math:`v` is the contrast :math:`(\ell_{a,v} - \ell_{b,v})'\beta`,
estimated from the one model fitted to all arms (so the residual variance is pooled over
all arms, as SAS ``LSMEANS / DIFF`` and emmeans do). Which pairs are formed is set by
``comparisons`` (:mod:`trialkit.specs.comparisons`).

Validated against: R emmeans ``trt.vs.ctrl`` and ``revpairwise`` contrasts (unadjusted) of
``lm`` and ``mmrm`` fits (tests/reference/karm).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from trialkit.core.errors import ModelError
from trialkit.specs.comparisons import (
    Comparisons,
    Dose,
    comparison_label,
    resolve_comparisons,
)


def pairs_for(arms: Sequence[str], comparisons: Comparisons | None) -> tuple[tuple[str, str], ...]:
    """The ``(a, b)`` pairs (``a - b``) asked for; :class:`ModelError` when not valid."""
    try:
        return resolve_comparisons(arms, comparisons)
    except ValueError as exc:
        raise ModelError(str(exc)) from None


def difference_rows(
    lsmean_L: np.ndarray,
    lsmean_labels: pd.DataFrame,
    pairs: Sequence[tuple[str, str]],
) -> tuple[np.ndarray, pd.DataFrame]:
    """Rows of ``L`` for the differences ``a - b`` of every pair at every visit.

    ``lsmean_L`` has one row per (arm, visit) labelled by ``lsmean_labels`` (columns ``arm,
    visit``). The result is ordered by comparison, then visit, with labels ``comparison,
    visit``.
    """
    arm_v = [str(a) for a in lsmean_labels["arm"].tolist()]
    visit_v = [str(v) for v in lsmean_labels["visit"].tolist()]
    index = {key: i for i, key in enumerate(zip(arm_v, visit_v, strict=True))}
    visits = list(dict.fromkeys(visit_v))
    rows, labels = [], []
    for a, b in pairs:
        for v in visits:
            rows.append(lsmean_L[index[(a, v)]] - lsmean_L[index[(b, v)]])
            labels.append((comparison_label(a, b), v))
    return np.vstack(rows), pd.DataFrame(labels, columns=["comparison", "visit"])


def dose_values(
    data: pd.DataFrame, *, arm: str, dose: Dose, arms: Sequence[str], subject: str
) -> np.ndarray:
    """The numeric dose of every row of ``data``: from a mapping arm -> dose, or a column.

    Raises
    ------
    ModelError
        A mapping misses an arm or holds a value that is not a number; a dose column is
        absent, or holds a non-numeric or missing value on a row with an arm (named with its
        row and subject).
    """
    arm_text = data[arm].astype(str)
    if isinstance(dose, Mapping):
        table = {str(k): v for k, v in dose.items()}
        absent = [a for a in arms if a not in table]
        if absent:
            raise ModelError(f"dose= gives no dose for arm(s) {', '.join(absent)}")
        mapped: dict[str, float] = {}
        for a in arms:
            value = pd.to_numeric(pd.Series([table[a]]), errors="coerce").iloc[0]
            if isinstance(table[a], bool) or not np.isfinite(value):
                raise ModelError(f"the dose of arm {a} is '{table[a]}', which is not a number")
            mapped[a] = float(value)
        return arm_text.map(mapped).to_numpy(dtype=float)
    if dose not in data.columns:
        raise ModelError(f"dose column '{dose}' not found in the data")
    raw = data[dose]
    values = pd.to_numeric(raw, errors="coerce")
    bad = (values.isna() | ~np.isfinite(values.fillna(0.0))) & data[arm].notna()
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        shown = "missing" if pd.isna(raw.iloc[pos]) else f"'{raw.iloc[pos]}'"
        raise ModelError(
            f"dose column '{dose}' is {shown} at row {pos + 1} (subject "
            f"{data[subject].iloc[pos]}); the dose must be a number on every row"
        )
    return values.to_numpy(dtype=float)
