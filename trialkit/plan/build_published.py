"""The ``[[published]]`` entries of a plan: published results for the replication check.

Each entry names the model (``mmrm`` or ``ancova``), the comparison (``"a - b"``; in a
two-arm trial the only one by default, in a trial with more arms it must be named), the
quantity (a ``difference`` with its CI and p, or the dose-response ``trend`` p-value) and
optionally the decimals printed (``digits``, ``p_digits``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from trialkit.core.problems import did_you_mean, quote_list
from trialkit.plan.schema import Arms, Published, Visits
from trialkit.specs.comparisons import comparison_label, resolve_comparisons

#: ``error(key, sentence, hint)``: records a plan problem.
ErrorSink = Callable[[str, str, str | None], None]


def plan_comparisons(arms: Arms) -> list[str] | None:
    """The comparison labels when the plan names the arms (``arms.order``), else None (the
    arms are then known from the data only)."""
    listed = [arms.control, *[a for a in arms.order if a != arms.control]]
    if arms.treatment is not None and arms.treatment not in listed:
        listed.append(arms.treatment)
    if len(listed) < 2 or (len(listed) == 2 and not arms.order):
        return None
    try:
        return [comparison_label(a, b) for a, b in resolve_comparisons(listed, arms.comparisons)]
    except ValueError:
        return None  # the [arms] checks report it


def build_published(
    p: dict[str, Any],
    i: int,
    names: list[str],
    visits: Visits,
    arms: Arms,
    error: ErrorSink,
) -> Published:
    """One ``[[published]]`` entry, its problems sent to ``error``."""
    key = f"published[{i + 1}]"
    if p["outcome"] not in names:
        error(
            f"{key}.outcome",
            f"Key '{key}.outcome' is '{p['outcome']}', which is not an outcome name.",
            did_you_mean(p["outcome"], names),
        )
    if visits.order and p["visit"] not in visits.order:
        error(
            f"{key}.visit",
            f"Key '{key}.visit' is '{p['visit']}', which is not in 'visits.order'.",
            did_you_mean(p["visit"], visits.order),
        )
    ci = p["ci"]
    if ci is not None and not ci[0] <= ci[1]:
        error(f"{key}.ci", f"Key '{key}.ci' must be [lower, upper] with lower <= upper.", None)
    quantity = p.get("quantity") or "difference"
    comparison = p.get("comparison")
    if quantity == "trend":
        if p["p"] is None:
            error(f"{key}.p", f"Key '{key}.p' is required with quantity = \"trend\".", None)
        if arms.dose is None:
            error(
                f"{key}.quantity",
                f"Key '{key}.quantity' is \"trend\", but the plan sets no 'arms.dose'.",
                None,
            )
    else:
        if p["difference"] is None:
            error(f"{key}.difference", f"Key '{key}.difference' is required.", None)
        _check_comparison(comparison, plan_comparisons(arms), key, error)
    for name in ("digits", "p_digits"):
        if p.get(name) is not None and p[name] < 0:
            error(f"{key}.{name}", f"Key '{key}.{name}' must be 0 or more.", None)
    return Published(
        outcome=p["outcome"],
        visit=p["visit"],
        difference=float(p["difference"]) if p["difference"] is not None else None,
        ci=(float(ci[0]), float(ci[1])) if ci is not None else None,
        p=float(p["p"]) if p["p"] is not None else None,
        p_bound=p.get("p_bound") or "=",
        model=p.get("model") or "mmrm",
        comparison=comparison,
        quantity=quantity,
        digits=p.get("digits"),
        p_digits=p.get("p_digits"),
    )


def _check_comparison(
    comparison: str | None, choices: list[str] | None, key: str, error: ErrorSink
) -> None:
    """A missing comparison is an error when the trial has more than one; a named one must
    be among them (when the plan names the arms; else the replication check reports it)."""
    if choices is None:
        return
    if comparison is None and len(choices) > 1:
        error(
            f"{key}.comparison",
            f"Key '{key}.comparison' is missing; this trial has {len(choices)} comparisons: "
            f"name one of {quote_list(choices, limit=len(choices))}.",
            None,
        )
    elif comparison is not None and comparison not in choices:
        error(
            f"{key}.comparison",
            f"Key '{key}.comparison' is '{comparison}', which is none of this trial's "
            f"comparisons {quote_list(choices, limit=len(choices))}.",
            did_you_mean(comparison, choices),
        )
