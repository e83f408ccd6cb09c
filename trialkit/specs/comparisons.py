"""Which arms are compared, and the dose of each arm: the trial-level options of k-arm trials.

``comparisons`` is a code of :data:`COMPARISONS` (``"vs_control"``: each arm minus the
control; ``"pairwise"``: every pair, the later arm minus the earlier in the arm order) or an
explicit list of ``(arm_a, arm_b)`` pairs, each meaning ``arm_a - arm_b``. ``dose`` is a
mapping arm -> number, or the name of a column holding a numeric dose; with a dose the models
add the dose-response trend test. The plan keys ``[arms] comparisons`` and ``[arms] dose``
are generated from :data:`ARM_OPTIONS`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from trialkit.specs.vocabulary import Choice, Option, vocabulary

COMPARISONS = vocabulary(
    (
        Choice(
            "vs_control",
            "each arm vs control",
            "Each arm minus the control.",
            aliases=("trt.vs.ctrl", "vs-control"),
        ),
        Choice(
            "pairwise",
            "all pairs",
            "Every pair of arms: the later arm minus the earlier one in the arm order "
            "(the control first, then the data's order), ordered like emmeans' revpairwise.",
            aliases=("revpairwise",),
        ),
    )
)

#: What a caller may pass as ``comparisons=``.
Comparisons = str | Sequence[Sequence[str]]
#: What a caller may pass as ``dose=``: arm -> dose, or a column name.
Dose = Mapping[str, float] | str

DEFAULT_COMPARISONS = "vs_control"

#: The options of :data:`COMPARISONS` and the dose, as ``[arms]`` plan keys.
ARM_OPTIONS: tuple[Option, ...] = (
    Option(
        "comparisons",
        "comparisons",
        "Which arms are compared: `vs_control` (each arm minus the control), `pairwise` "
        "(every pair, the later arm minus the earlier in the arm order), or a list of "
        '`["arm a", "arm b"]` pairs, each meaning a - b.',
        DEFAULT_COMPARISONS,
        COMPARISONS,
    ),
    Option(
        "dose",
        "dose",
        "Numeric dose of each arm, as a table `arm = dose`, or the name of a numeric dose "
        "column (e.g. `TRT01PN`); adds the dose-response trend test (the coefficient of dose "
        "as a continuous variable in the same model).",
        None,
    ),
)


def comparison_problems(value: Any, arms: Sequence[str] | None = None) -> list[str]:
    """Sentences describing what is wrong with a ``comparisons`` value (empty when fine).

    With ``arms`` given, explicit pairs must name two different arms among them.
    """
    if isinstance(value, str):
        if COMPARISONS.canonical(value) is None:
            return [
                f"comparisons '{value}' is not known; use "
                + ", ".join(f"'{c}'" for c in COMPARISONS.codes)
                + " or a list of [arm, arm] pairs"
            ]
        return []
    if not isinstance(value, Sequence) or not value:
        return ["comparisons must be 'vs_control', 'pairwise' or a non-empty list of pairs"]
    out: list[str] = []
    known = [str(a) for a in arms] if arms is not None else None
    seen: set[tuple[str, str]] = set()
    for i, pair in enumerate(value, start=1):
        if isinstance(pair, str) or not isinstance(pair, Sequence) or len(pair) != 2:
            out.append(f"comparison {i} must be a pair [arm a, arm b] (meaning a - b)")
            continue
        a, b = (str(x) for x in pair)
        if a == b:
            out.append(f"comparison {i} compares arm '{a}' with itself")
        if known is not None:
            for x in (a, b):
                if x not in known:
                    out.append(
                        f"comparison {i} names arm '{x}', which is not an arm "
                        f"(arms: {', '.join(known)})"
                    )
        if (a, b) in seen:
            out.append(f"comparison {i} ({a} - {b}) is listed twice")
        seen.add((a, b))
    return out


def resolve_comparisons(
    arms: Sequence[str], comparisons: Comparisons | None = None
) -> tuple[tuple[str, str], ...]:
    """The ``(a, b)`` pairs (``a - b``) that ``comparisons`` asks for, given the arm order
    ``arms`` (control first). Raises ``ValueError`` with a sentence when it is not valid."""
    value = DEFAULT_COMPARISONS if comparisons is None else comparisons
    problems = comparison_problems(value, arms)
    if problems:
        raise ValueError(problems[0])
    arms = [str(a) for a in arms]
    if isinstance(value, str):
        if COMPARISONS.canonical(value) == "vs_control":
            return tuple((a, arms[0]) for a in arms[1:])
        # emmeans ``revpairwise`` order: by the later arm, then the earlier one
        return tuple((arms[j], arms[i]) for j in range(1, len(arms)) for i in range(j))
    return tuple((str(a), str(b)) for a, b in value)


def comparison_label(a: str, b: str) -> str:
    """``"a - b"``, the label of the difference of arm ``a`` minus arm ``b``."""
    return f"{a} - {b}"
