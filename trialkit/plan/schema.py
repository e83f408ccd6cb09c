"""The analysis plan: frozen dataclasses that mirror a trial's statistical analysis plan.

A plan is written once per trial as a TOML file (see ``docs/plan.md``) and parsed by
:func:`trialkit.plan.load_plan`. Every later stage (reading, validation, models, summaries,
reports) takes its instructions from these objects and never from raw TOML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from trialkit.specs import AncovaSpec, MMRMSpec
from trialkit.specs.adam import AdamSpec
from trialkit.specs.comparisons import DEFAULT_COMPARISONS
from trialkit.specs.estimand import EstimandSpec
from trialkit.specs.multiplicity import MultiplicitySpec
from trialkit.specs.responder import ResponderOutcomeSpec

Layout = Literal["long", "wide", "adam"]
Role = Literal["primary", "secondary"]


@dataclass(frozen=True)
class Columns:
    """Column roles. ``visit`` is required for the long layout only."""

    subject: str
    arm: str
    visit: str | None = None


@dataclass(frozen=True)
class Arms:
    """Arm values as they appear in the data (after value labels are applied).

    ``treatment`` may be omitted in the TOML; the loader fills it from the data (in a trial
    with more arms it is the first arm after the control). ``order`` lists the arms in model
    order; ``comparisons`` is ``"vs_control"``, ``"pairwise"`` or ``(a, b)`` pairs (a - b);
    ``dose`` is a dose column's name or ``(arm, dose)`` pairs.
    """

    control: str
    treatment: str | None = None
    control_label: str | None = None
    treatment_label: str | None = None
    order: tuple[str, ...] = ()
    comparisons: str | tuple[tuple[str, str], ...] = DEFAULT_COMPARISONS
    dose: str | tuple[tuple[str, float], ...] | None = None

    @property
    def dose_argument(self) -> str | dict[str, float] | None:
        """The dose as the models take it: a column name or a mapping arm -> dose."""
        return self.dose if self.dose is None or isinstance(self.dose, str) else dict(self.dose)

    def arm_order(self, found: list[str], doses: dict[str, float] | None = None) -> list[str]:
        """The arms in ``found`` in model order: the control, then ``order``, else ascending
        dose (of the dose table, or ``doses``: each arm's value of the dose column), else
        sorted; arms not in ``order`` follow, sorted."""
        others = [a for a in found if a != self.control]
        if isinstance(self.dose, tuple):
            doses = dict(self.dose)
        if self.order:
            rank = {a: i for i, a in enumerate(self.order)}
            others.sort(key=lambda a: (rank.get(a, len(rank)), a))
        elif doses:
            others.sort(key=lambda a: (doses.get(a, float("inf")), a))
        else:
            others.sort()
        return [self.control, *others] if self.control in found else others


@dataclass(frozen=True)
class Visits:
    """Visit values as strings, in chronological order; ``baseline`` is one of them."""

    order: tuple[str, ...]
    baseline: str
    labels: tuple[str, ...] = ()
    weeks: tuple[float, ...] = ()

    def label(self, visit: str) -> str:
        """Display label of a visit value."""
        if self.labels:
            return self.labels[self.order.index(visit)]
        return visit

    @property
    def post_baseline(self) -> tuple[str, ...]:
        return tuple(v for v in self.order if v != self.baseline)


@dataclass(frozen=True)
class Outcome:
    """One outcome. Long layout: ``column``. Wide layout: ``columns``, one per visit in order."""

    name: str
    label: str
    column: str | None = None
    columns: tuple[str, ...] = ()
    range: tuple[float, float] | None = None
    lower_is_better: bool = True
    role: Role = "secondary"
    units: str | None = None
    #: ADaM layout: the PARAMCD, the BDS file name and the variable (AVAL or CHG) analysed.
    paramcd: str | None = None
    dataset: str | None = None
    variable: str = "AVAL"


@dataclass(frozen=True)
class ModelSpec:
    """Covariates. The token ``"baseline"`` means the outcome's own baseline value."""

    covariates: tuple[str, ...] = ("baseline",)
    visit_covariates: tuple[str, ...] = ("baseline",)


@dataclass(frozen=True)
class Adherence:
    """Sessions attended by the intervention arm, and the threshold for adherence."""

    column: str
    sessions: int
    threshold: int
    denominator: Literal["randomised", "started"] = "randomised"
    label: str = "Sessions attended"
    extra: tuple[str, ...] = ()


@dataclass(frozen=True)
class Disposition:
    """Subject-level disposition columns (0/1 or boolean flags, text reasons)."""

    received: str | None = None
    not_received_reason: str | None = None
    discontinued: str | None = None
    discontinued_reason: str | None = None
    withdrew: str | None = None
    withdrew_reason: str | None = None


@dataclass(frozen=True)
class Enrolment:
    """Screening counts that a dataset of randomised patients cannot hold."""

    assessed: int | None = None
    excluded: tuple[tuple[str, int], ...] = ()
    screening_log: Path | None = None


@dataclass(frozen=True)
class MultiSelect:
    """A non-exclusive set of 0/1 columns shown as one block, e.g. pain types."""

    label: str
    columns: tuple[str, ...]
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class BaselineTable:
    continuous: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    multi_select: tuple[MultiSelect, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    include_outcomes: bool = True
    median_iqr: tuple[str, ...] = ()
    p_values: bool = False
    standardized_differences: bool = True


@dataclass(frozen=True)
class Analysis:
    """The ``[analysis]`` table: the significance level and the model specifications (whose
    ``alpha`` equals ``alpha``)."""

    alpha: float = 0.05
    mmrm: MMRMSpec = field(default_factory=MMRMSpec)
    ancova: AncovaSpec = field(default_factory=AncovaSpec)


@dataclass(frozen=True)
class Published:
    """A published between-group result, for the replication check.

    ``p_bound`` is ``"="`` for an exact p-value and ``"<"`` when the paper reported an upper
    bound (``P < .001`` is ``p = 0.001, p_bound = "<"``). ``model`` names the model whose
    estimate it is compared with (``"mmrm"`` or ``"ancova"``), ``comparison`` the difference
    (``"a - b"``; ``None``: the only comparison of a two-arm trial) and ``quantity`` what was
    published: ``"difference"`` (with ``difference``, ``ci``, ``p``) or ``"trend"`` (the
    dose-response p-value, ``p`` only). ``digits`` / ``p_digits``: the decimals printed for
    the difference and CI / for ``p``; when given, the figure agrees only if trialkit's value
    rounded to them prints the same.
    """

    outcome: str
    visit: str
    difference: float | None = None
    ci: tuple[float, float] | None = None
    p: float | None = None
    p_bound: Literal["=", "<"] = "="
    model: Literal["mmrm", "ancova"] = "mmrm"
    comparison: str | None = None
    quantity: Literal["difference", "trend"] = "difference"
    digits: int | None = None
    p_digits: int | None = None


@dataclass(frozen=True)
class Plan:
    """A whole analysis plan. ``path`` is the plan file; ``data`` is resolved against it."""

    title: str
    data: Path
    layout: Layout
    columns: Columns
    arms: Arms
    visits: Visits
    outcomes: tuple[Outcome, ...]
    model: ModelSpec = field(default_factory=ModelSpec)
    adherence: Adherence | None = None
    disposition: Disposition = field(default_factory=Disposition)
    enrolment: Enrolment = field(default_factory=Enrolment)
    baseline_table: BaselineTable = field(default_factory=BaselineTable)
    analysis: Analysis = field(default_factory=Analysis)
    published: tuple[Published, ...] = ()
    estimands: tuple[EstimandSpec, ...] = ()
    responders: tuple[ResponderOutcomeSpec, ...] = ()
    multiplicity: MultiplicitySpec | None = None
    path: Path | None = None
    sheet: str | None = None
    #: Synthetic data generated to reproduce ``published``: the replication check agrees by
    #: construction, and the reports say so.
    calibrated_to_published: bool = False
    #: ``layout = "adam"``: where the ADaM variables are and which records are analysed.
    adam: AdamSpec | None = None

    @property
    def primary(self) -> Outcome:
        """The primary outcome (the first one marked primary, else the first outcome)."""
        for o in self.outcomes:
            if o.role == "primary":
                return o
        return self.outcomes[0]

    def outcome_column(self, outcome: Outcome) -> str:
        """The long data's column holding ``outcome``: its ``column`` in the long layout
        (which may differ from its ``name``), its ``name`` after a wide file is reshaped."""
        if self.layout == "long" and outcome.column:
            return outcome.column
        return outcome.name

    def outcome(self, name: str) -> Outcome:
        for o in self.outcomes:
            if o.name == name:
                return o
        raise KeyError(name)
