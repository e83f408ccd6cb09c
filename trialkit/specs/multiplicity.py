"""The multiplicity specification: procedure names and the rules a graph must obey.

:data:`MULTIPLICITY_METHODS` is the one place the procedure names are written;
:func:`graph_problems` the one place the graph rules (Bretz et al. 2009) are, each broken
rule as one sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trialkit.core.problems import Problem, did_you_mean
from trialkit.specs.responder import RESPONDER_MEASURES
from trialkit.specs.vocabulary import Choice, Option, vocabulary

MULTIPLICITY_METHODS = vocabulary(
    (
        Choice("bonferroni", "Bonferroni", "m times each p-value."),
        Choice("holm", "Holm", "Step-down Bonferroni (Holm 1979)."),
        Choice("hochberg", "Hochberg", "Step-up (Hochberg 1988).", ("simes-hochberg",)),
        Choice("hommel", "Hommel", "Closed Simes tests (Hommel 1988)."),
        Choice(
            "fixed-sequence",
            "fixed sequence",
            "Hierarchical testing in the given order; stops at the first non-rejection.",
            ("hierarchical", "fixed_sequence"),
        ),
        Choice(
            "graphical",
            "graphical (weighted Bonferroni)",
            "Bretz et al. (2009): initial weights and a transition matrix.",
        ),
    )
)

_TOL = 1e-10


def graph_problems(weights: np.ndarray, transitions: np.ndarray) -> list[str]:
    """One sentence per broken rule: dimensions, finite numbers, weights >= 0 summing to at
    most 1, transitions in [0, 1] with zero diagonal and rows summing to at most 1."""
    w = np.asarray(weights, dtype=float)
    g = np.asarray(transitions, dtype=float)
    m = w.size
    if w.ndim != 1 or m == 0:
        return ["the graph weights must be a non-empty list of numbers"]
    if g.shape != (m, m):
        shape = "x".join(map(str, g.shape))
        return [
            f"the transition matrix is {shape} but there are {m} hypotheses; it must be {m}x{m}"
        ]
    if not (np.all(np.isfinite(w)) and np.all(np.isfinite(g))):
        return ["the graph weights and transitions must be finite numbers"]
    out = []
    if np.any(w < 0):
        j = int(np.flatnonzero(w < 0)[0])
        out.append(f"the weight of hypothesis {j + 1} is {w[j]:g}; weights must be >= 0")
    if w.sum() > 1 + _TOL:
        out.append(f"the graph weights sum to {w.sum():g}; they must sum to at most 1")
    if np.any(g < 0) or np.any(g > 1 + _TOL):
        r, c = np.argwhere((g < 0) | (g > 1 + _TOL))[0]
        out.append(
            f"the transition weight from hypothesis {r + 1} to {c + 1} is {g[r, c]:g}; "
            "transition weights must be between 0 and 1"
        )
    if np.any(np.diag(g) != 0):
        j = int(np.flatnonzero(np.diag(g) != 0)[0])
        out.append(
            f"the transition matrix has {g[j, j]:g} on its diagonal at hypothesis {j + 1}; "
            "the diagonal must be 0"
        )
    rows = g.sum(axis=1)
    if np.any(rows > 1 + _TOL):
        j = int(np.flatnonzero(rows > 1 + _TOL)[0])
        out.append(
            f"the transition weights leaving hypothesis {j + 1} sum to {rows[j]:g}; each row "
            "must sum to at most 1"
        )
    return out


# -- the multiplicity strategy of a plan ---------------------------------------------------


@dataclass(frozen=True)
class HypothesisSpec:
    """One confirmatory hypothesis: an outcome (or responder) x visit x comparison.

    ``comparison`` is the arm compared with the control (default: the treatment arm);
    ``measure`` picks a responder's measure (default: its first measure).
    """

    name: str
    outcome: str
    visit: str
    comparison: str | None = None
    measure: str | None = None


@dataclass(frozen=True)
class MultiplicitySpec:
    """Which results are confirmatory and how the familywise error is controlled.

    ``alpha`` None means the plan's ``[analysis] alpha``. ``weights`` and ``transitions``
    (graphical only) are in the order of ``hypotheses``.
    """

    procedure: str = "holm"
    alpha: float | None = None
    weights: tuple[float, ...] = ()
    transitions: tuple[tuple[float, ...], ...] = ()
    hypotheses: tuple[HypothesisSpec, ...] = ()

    def check(self, prefix: str = "multiplicity.", file: str | None = None) -> tuple[Problem, ...]:
        """Problems among these keys: a known procedure; at least one hypothesis, with unique
        names and unique outcome x visit x comparison x measure; weights and transitions
        given for a graphical procedure only, and obeying :func:`graph_problems`."""
        out: list[Problem] = []

        def err(key: str, message: str, hint: str | None = None) -> None:
            out.append(Problem("error", message, file=file, key=f"{prefix}{key}", hint=hint))

        method = MULTIPLICITY_METHODS.canonical(self.procedure)
        if method is None:
            err(
                "procedure",
                f"'{prefix}procedure' is '{self.procedure}', which is not known.",
                did_you_mean(self.procedure, MULTIPLICITY_METHODS.accepted)
                or "allowed: " + ", ".join(MULTIPLICITY_METHODS.codes),
            )
        if self.alpha is not None and not 0 < self.alpha < 1:
            err("alpha", f"'{prefix}alpha' is {self.alpha:g}; use a value in (0, 1).")
        if not self.hypotheses:
            err("hypotheses", f"'{prefix}hypotheses' lists no hypothesis ([[{prefix}hypotheses]]).")
        names = [h.name for h in self.hypotheses]
        for dup in sorted({n for n in names if names.count(n) > 1}):
            err("hypotheses", f"Hypothesis name '{dup}' is used more than once.")
        keys = [(h.outcome, h.visit, h.comparison, h.measure) for h in self.hypotheses]
        for i, k in enumerate(keys):
            if k in keys[:i]:
                err(
                    f"hypotheses[{i + 1}]",
                    f"Hypothesis '{names[i]}' repeats outcome '{k[0]}' at visit '{k[1]}' of "
                    f"hypothesis '{names[keys.index(k)]}'.",
                )
        graph_keys = [k for k in ("weights", "transitions") if getattr(self, k)]
        if method == "graphical":
            m = len(self.hypotheses)
            for k in ("weights", "transitions"):
                if not getattr(self, k):
                    err(k, f"A graphical procedure needs '{prefix}{k}'.")
            if self.weights and len(self.weights) != m:
                err(
                    "weights",
                    f"'{prefix}weights' has {len(self.weights)} weights for {m} hypotheses.",
                )
            elif self.weights and self.transitions:
                rows = {len(r) for r in self.transitions}
                if len(self.transitions) != m or rows != {m}:
                    err(
                        "transitions",
                        f"'{prefix}transitions' must be a {m} x {m} matrix (one row of {m} "
                        "numbers per hypothesis).",
                    )
                else:
                    for sentence in graph_problems(
                        np.asarray(self.weights), np.asarray(self.transitions)
                    ):
                        key = "transitions" if "transition" in sentence else "weights"
                        err(key, f"Key '{prefix}{key}' is not a valid graph: {sentence}.")
        elif method is not None and graph_keys:
            err(
                graph_keys[0],
                f"'{prefix}{graph_keys[0]}' is for procedure 'graphical'; "
                f"'{prefix}procedure' is '{self.procedure}'.",
            )
        return tuple(out)


#: ``[multiplicity]`` keys.
MULTIPLICITY_OPTIONS: tuple[Option, ...] = (
    Option(
        "procedure",
        "string",
        "Procedure controlling the familywise error over the hypotheses (for fixed "
        "sequence: in their order).",
        MultiplicitySpec.procedure,
        MULTIPLICITY_METHODS,
    ),
    Option("alpha", "number", "Familywise error rate (default: `[analysis] alpha`)."),
    Option(
        "weights",
        "numbers",
        "Graphical: initial weights, one per hypothesis, summing to at most 1.",
    ),
    Option(
        "transitions",
        "matrix",
        "Graphical: transition matrix, one row per hypothesis (zero diagonal, rows summing "
        "to at most 1).",
    ),
)

#: ``[[multiplicity.hypotheses]]`` keys.
HYPOTHESIS_OPTIONS: tuple[Option, ...] = (
    Option("name", "string", "Hypothesis name (default: `H1`, `H2`, ...)."),
    Option(
        "outcome",
        "string",
        "An outcome `name` (MMRM difference) or a responder `name`.",
        required=True,
    ),
    Option("visit", "text", "A post-baseline visit (one of `visits.order`).", required=True),
    Option(
        "comparison",
        "text",
        "The arm compared with the control (default: the treatment arm).",
    ),
    Option(
        "measure",
        "string",
        "Responders: the measure tested (default: the responder's first measure).",
        choices=RESPONDER_MEASURES,
    ),
)
