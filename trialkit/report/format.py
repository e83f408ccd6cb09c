"""Number and label formatting shared by every trial-report renderer.

The rules (one place, so the terminal, HTML and Markdown reports agree to the character):

* p-values: ``<0.001`` below 0.001, otherwise three decimals; ``-`` when missing.
* A number with ``digits`` decimals; ``-`` when missing (NaN or None).
* An estimate with its CI: ``-5.02 (-9.21 to -0.83)``.
* A mean with its SD or SE: ``52.7 (12.7)``.
* Outcome scales: means and SDs get one decimal (two when the outcome's range spans 20 or
  fewer units, e.g. a 0-10 pain scale); model estimates, SEs and CIs get one more decimal
  than the means; standardised effect sizes two decimals.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from trialkit.specs import COVARIANCES, DF_METHODS

if TYPE_CHECKING:  # the label helpers take a plan; the number rules need none
    from trialkit.plan.schema import Outcome, Plan

MISSING = "-"


def is_missing(x: object) -> bool:
    """True for ``None``, ``pd.NA`` and NaN."""
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))


def fmt_num(x: float | None, digits: int = 1) -> str:
    """``x`` with ``digits`` decimals; ``-`` when missing."""
    return MISSING if is_missing(x) else f"{float(x):.{digits}f}"


def fmt_p(p: float | None) -> str:
    """``<0.001`` or three decimals; ``-`` when missing."""
    if is_missing(p):
        return MISSING
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def fmt_ci(estimate: float, lower: float, upper: float, digits: int = 2, sep: str = " ") -> str:
    """``estimate (lower to upper)``; just the estimate when the CI is missing."""
    if is_missing(estimate):
        return MISSING
    if is_missing(lower) or is_missing(upper):
        return fmt_num(estimate, digits)
    ci = f"({fmt_num(lower, digits)} to {fmt_num(upper, digits)})"
    return f"{fmt_num(estimate, digits)}{sep}{ci}"


# RevMan 5 rules (meta-analysis output): ``NA`` when missing, CIs in brackets, RevMan p-values.
REVMAN_MISSING = "NA"


def revman_num(x: float | None, digits: int = 2) -> str:
    """``x`` with ``digits`` decimals; ``NA`` when missing."""
    return REVMAN_MISSING if is_missing(x) else f"{float(x):.{digits}f}"  # type: ignore[arg-type]


def revman_pct(x: float | None, digits: int = 0) -> str:
    """A percentage such as I²: ``42%``, or ``NA`` when it is not defined (one study)."""
    text = revman_num(x, digits)
    return text if text == REVMAN_MISSING else f"{text}%"


def revman_ci(est: float | None, lo: float | None, hi: float | None, digits: int = 2) -> str:
    """``estimate [lower, upper]``."""
    return f"{revman_num(est, digits)} [{revman_num(lo, digits)}, {revman_num(hi, digits)}]"


def revman_p(p: float | None) -> str:
    """RevMan style: ``< 0.00001``, ``< 0.0001``, then 4, 3 or 2 decimals (0.0002, 0.006, 0.03)."""
    if is_missing(p):
        return REVMAN_MISSING
    assert p is not None
    if p < 0.00001:
        return "< 0.00001"
    if p < 0.0001:
        return "< 0.0001"
    return f"{p:.4f}" if p < 0.001 else f"{p:.3f}" if p < 0.01 else f"{p:.2f}"


def fmt_median_range(median: float, low: float, high: float, digits: int = 1) -> str:
    """``2.0 (-11.0, 16.0)``: a median with the minimum and maximum (not an interval)."""
    return f"{fmt_num(median, digits)} ({fmt_num(low, digits)}, {fmt_num(high, digits)})"


def fmt_paren(value: float, spread: float, digits: int = 1) -> str:
    """``value (spread)``: a mean (SD) or an estimate (SE)."""
    if is_missing(value):
        return MISSING
    return f"{fmt_num(value, digits)} ({fmt_num(spread, digits)})"


def fmt_int(n: object) -> str:
    """A count; ``-`` when missing."""
    return MISSING if is_missing(n) else str(int(n))  # type: ignore[call-overload]


def mean_digits(outcome: Outcome) -> int:
    """Decimals for observed means and SDs of ``outcome`` (see the module docstring)."""
    if outcome.range is not None and outcome.range[1] - outcome.range[0] <= 20:
        return 2
    return 1


def model_digits(outcome: Outcome) -> int:
    """Decimals for model estimates, SEs and CIs of ``outcome``."""
    return mean_digits(outcome) + 1


def covariance_name(code: str) -> str:
    """Readable name of a covariance structure code (``us`` -> ``unstructured``)."""
    return COVARIANCES.label(code)


def df_method_name(code: str) -> str:
    """Readable name of a degrees-of-freedom method code."""
    return DF_METHODS.label(code)


def arm_labels(plan: Plan) -> tuple[str, str]:
    """Display labels of (control, treatment); the arm values when the plan gives none."""
    a = plan.arms
    return (a.control_label or a.control, a.treatment_label or str(a.treatment))


def visit_labels(plan: Plan) -> dict[str, str]:
    """Display label of every visit value (the value itself when the plan gives none)."""
    v = plan.visits
    return {x: v.label(x) for x in v.order}


def visit_where(plan: Plan, visit: object) -> str:
    """How report text names a visit: the plan's label when the plan labels its visits,
    else ``"visit <code>"`` (a bare code would read as a number)."""
    v, visits = str(visit), plan.visits
    return visits.label(v) if visits.labels and v in visits.order else f"visit {v}"


def favours(outcome: Outcome, estimate: float) -> str:
    """Which arm a treatment-minus-control difference favours, from the outcome's direction."""
    if is_missing(estimate) or estimate == 0:
        return MISSING
    better = (estimate < 0) if outcome.lower_is_better else (estimate > 0)
    return "treatment" if better else "control"
