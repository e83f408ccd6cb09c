"""The known keys of a plan file: one table that drives both the loader and ``docs/plan.md``.

Each :class:`Key` has a *kind* that fixes the TOML types it accepts and how the value is
normalised (for example visit values may be written as numbers or strings and always become
strings). :func:`reference_markdown` renders this table as the key reference in
``docs/plan.md``; a test keeps the two identical.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trialkit.specs import ANCOVA_OPTIONS, MMRM_OPTIONS, Option
from trialkit.specs.adam import ADAM_OPTIONS, ADAM_OUTCOME_OPTIONS
from trialkit.specs.comparisons import ARM_OPTIONS
from trialkit.specs.estimand import ESTIMAND_OPTIONS, ESTIMATOR_OPTIONS, EVENT_OPTIONS
from trialkit.specs.multiplicity import HYPOTHESIS_OPTIONS, MULTIPLICITY_OPTIONS
from trialkit.specs.responder import RESPONDER_OPTIONS, RESPONDER_OUTCOME_OPTIONS

#: kind -> (TOML types accepted, description used in the docs)
KINDS: dict[str, str] = {
    "string": "string",
    "text": "string (a number is read as its text)",
    "path": "string (path, relative to the plan file)",
    "paths": "array of strings (paths, relative to the plan file)",
    "integer": "integer",
    "number": "number",
    "boolean": "boolean",
    "strings": "array of strings",
    "texts": "array of strings (numbers are read as text)",
    "numbers": "array of numbers",
    "matrix": "array of arrays of numbers",
    "pair": "array of two numbers",
    "labels": "table of string = string",
    "counts": "table of string = integer",
    "comparisons": "string, or array of `[arm, arm]` pairs",
    "dose": "string (a column), or table of arm = number",
}


@dataclass(frozen=True)
class Key:
    """One plan key: name, kind, whether required, default, allowed values and meaning."""

    name: str
    kind: str
    doc: str
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    """A TOML table (``[name]``) or array of tables (``[[name]]`` when ``array``)."""

    name: str
    doc: str
    keys: tuple[Key | Section, ...]
    required: bool = False
    array: bool = False

    def names(self) -> list[str]:
        return [k.name for k in self.keys]

    def get(self, name: str) -> Key | Section | None:
        for k in self.keys:
            if k.name == name:
                return k
        return None


def option_keys(options: tuple[Option, ...]) -> tuple[Key, ...]:
    """Plan keys generated from a spec's options (its plan-facing fields only)."""
    return tuple(
        Key(o.name, o.kind, o.doc, required=o.required, default=o.default, choices=o.accepted)
        for o in options
        if o.plan_key
    )


MMRM = Section(
    "mmrm",
    "Mixed model for repeated measures (all post-baseline visits, one model per outcome). "
    "Generated from `trialkit.specs.MMRMSpec`.",
    option_keys(MMRM_OPTIONS),
)

ANCOVA = Section(
    "ancova",
    "ANCOVA of each post-baseline visit on arm and covariates (a sensitivity analysis). "
    "Generated from `trialkit.specs.AncovaSpec`.",
    option_keys(ANCOVA_OPTIONS),
)

ESTIMANDS = Section(
    "estimands",
    "Estimands (ICH E9(R1)): population, variable, intercurrent events with their strategies, "
    "summary measure, and the main and sensitivity estimators. Generated from "
    "`trialkit.specs.EstimandSpec`. Without it, the report says that the MMRM assumes "
    "data missing at random.",
    (
        *option_keys(ESTIMAND_OPTIONS),
        Section(
            "events",
            "One `[[estimands.events]]` table per intercurrent event.",
            option_keys(EVENT_OPTIONS),
            array=True,
        ),
        Section("main", "The main estimator.", option_keys(ESTIMATOR_OPTIONS)),
        Section(
            "sensitivity",
            "One `[[estimands.sensitivity]]` table per sensitivity estimator.",
            option_keys(ESTIMATOR_OPTIONS),
            array=True,
        ),
    ),
    array=True,
)

RESPONDERS = Section(
    "responders",
    "Responder (binary) outcomes: a binary column, or a threshold on a continuous outcome's "
    "value, change or improvement. Each is analysed at every visit by g-computation from a "
    "covariate-adjusted logistic model, with the unadjusted difference (Newcombe CI) and the "
    "numbers responding. Generated from `trialkit.specs.responder.ResponderOutcomeSpec` and "
    "`ResponderSpec`.",
    option_keys(RESPONDER_OUTCOME_OPTIONS) + option_keys(RESPONDER_OPTIONS),
    array=True,
)

MULTIPLICITY = Section(
    "multiplicity",
    "The confirmatory results (outcome x visit x comparison) and the procedure controlling "
    "the familywise error over them; every other result is exploratory. Generated from "
    "`trialkit.specs.multiplicity.MultiplicitySpec`.",
    (
        *option_keys(MULTIPLICITY_OPTIONS),
        Section(
            "hypotheses",
            "One `[[multiplicity.hypotheses]]` table per confirmatory hypothesis, in testing "
            "order (the order of `weights` and `transitions`).",
            option_keys(HYPOTHESIS_OPTIONS),
            required=True,
            array=True,
        ),
    ),
)

ADAM = Section(
    "adam",
    'CDISC ADaM input, for `[trial] layout = "adam"`: `[trial] data` is ADSL and `bds` the '
    "BDS datasets; `[columns]` and `[visits]` then default to the ADaM variables (visits "
    "ordered by `AVISITN`, baseline marked by `ABLFL`). Generated from "
    "`trialkit.specs.adam.AdamSpec`.",
    option_keys(ADAM_OPTIONS),
)

MULTI_SELECT = Section(
    "multi_select",
    "A block of non-exclusive 0/1 columns shown together (e.g. pain types).",
    (
        Key("label", "string", "Heading of the block.", required=True),
        Key("columns", "strings", "The 0/1 columns.", required=True),
        Key("labels", "strings", "Row labels, one per column (default: the column names)."),
    ),
    array=True,
)

PLAN = Section(
    "",
    "The whole plan.",
    (
        Section(
            "trial",
            "The trial and its data file.",
            (
                Key("title", "string", "Title shown on every output.", required=True),
                Key("data", "path", "The data file.", required=True),
                Key(
                    "sheet",
                    "string",
                    "Excel (`.xlsx`) data: the name of the sheet holding the data. Needed "
                    "when the workbook has more than one sheet.",
                ),
                Key(
                    "layout",
                    "string",
                    "`long`: one row per subject x visit; `wide`: one row per "
                    "subject with one column per outcome x visit; `adam`: CDISC ADaM "
                    "datasets (ADSL in `data`, BDS datasets in `[adam]`).",
                    default="long",
                    choices=("long", "wide", "adam"),
                ),
                Key(
                    "calibrated_to_published",
                    "boolean",
                    "The data are synthetic and were generated to reproduce the `[[published]]` "
                    "figures, so the replication check agrees by construction; every report "
                    "says so next to the check.",
                    default=False,
                ),
            ),
            required=True,
        ),
        ADAM,
        Section(
            "columns",
            "Which data columns hold the subject id, arm and visit (required unless "
            '`[trial] layout = "adam"`, where they are the `[adam]` variables).',
            (
                Key("subject", "string", "Subject (participant) id column.", required=True),
                Key("arm", "string", "Randomised arm column.", required=True),
                Key(
                    "visit",
                    "string",
                    "Visit column (long layout, required there). In the wide "
                    "layout: the name given to the visit column created by reshaping "
                    "(default `visit`).",
                ),
            ),
            required=False,
        ),
        Section(
            "arms",
            "Arm values as they appear in the data, after value labels.",
            (
                Key("control", "text", "The control arm's value.", required=True),
                Key(
                    "treatment",
                    "text",
                    "Two arms: the treatment arm's value (default: the other value).",
                ),
                Key("control_label", "string", "Display name of the control arm."),
                Key("treatment_label", "string", "Two arms: display name of the treatment arm."),
                Key(
                    "order",
                    "texts",
                    "Arm values in the order of models and tables (the control is always "
                    "first; default: ascending `dose`, else sorted).",
                ),
                *option_keys(ARM_OPTIONS),
            ),
            required=True,
        ),
        Section(
            "visits",
            'Visits in chronological order (required unless `[trial] layout = "adam"`, '
            "where `AVISITN` orders the visits and `ABLFL` marks the baseline).",
            (
                Key("order", "texts", "Visit values in the data, in time order.", required=True),
                Key("baseline", "text", "The baseline visit (one of `order`).", required=True),
                Key("labels", "strings", "Display names, one per visit."),
                Key("weeks", "numbers", "Numeric time of each visit, for plots."),
            ),
            required=False,
        ),
        Section(
            "outcomes",
            "One `[[outcomes]]` table per outcome.",
            (
                Key(
                    "name",
                    "string",
                    "Short name (letters, digits, `_`); wide data are reshaped "
                    "into a column of this name.",
                    required=True,
                ),
                Key("label", "string", "Display name (default: `name`)."),
                Key("column", "string", "Long layout: the outcome column (default: `name`)."),
                Key("columns", "strings", "Wide layout: one column per visit, in `visits.order`."),
                Key("range", "pair", "Possible values `[min, max]`; values outside are errors."),
                Key("lower_is_better", "boolean", "Direction of benefit.", default=True),
                Key(
                    "role",
                    "string",
                    "Primary or secondary outcome.",
                    default="secondary",
                    choices=("primary", "secondary"),
                ),
                Key("units", "string", "Units shown after estimates."),
                *option_keys(ADAM_OUTCOME_OPTIONS),
            ),
            required=True,
            array=True,
        ),
        Section(
            "model",
            "Covariates of the MMRM and ANCOVA.",
            (
                Key(
                    "covariates",
                    "strings",
                    "Covariates; `baseline` is the outcome's own baseline "
                    "value, other names are subject-level columns.",
                    default=["baseline"],
                ),
                Key(
                    "visit_covariates",
                    "strings",
                    "Covariates that also interact with visit (a subset of `covariates`).",
                    default=["baseline"],
                ),
            ),
        ),
        Section(
            "adherence",
            "Sessions attended in the intervention arm.",
            (
                Key("column", "string", "Sessions-attended column.", required=True),
                Key("sessions", "integer", "Sessions offered.", required=True),
                Key("threshold", "integer", "Sessions needed to count as adherent.", required=True),
                Key(
                    "denominator",
                    "string",
                    "Adherence is a share of those randomised or of those who started.",
                    default="randomised",
                    choices=("randomised", "started"),
                ),
                Key("label", "string", "Display name.", default="Sessions attended"),
                Key("extra", "strings", "Further engagement columns to summarise."),
            ),
        ),
        Section(
            "disposition",
            "Subject-level flags (0/1 or true/false) and reasons (text).",
            (
                Key("received", "string", "Received the allocated intervention."),
                Key("not_received_reason", "string", "Why not received."),
                Key("discontinued", "string", "Discontinued the intervention."),
                Key("discontinued_reason", "string", "Why discontinued."),
                Key("withdrew", "string", "Withdrew from the study."),
                Key("withdrew_reason", "string", "Why withdrew."),
            ),
        ),
        Section(
            "enrolment",
            "Screening counts for the CONSORT diagram.",
            (
                Key("assessed", "integer", "Patients assessed for eligibility."),
                Key("excluded", "counts", "Reason = number excluded before randomisation."),
                Key("screening_log", "path", "A screening log file."),
            ),
        ),
        Section(
            "baseline_table",
            "Table 1: baseline characteristics by arm.",
            (
                Key("continuous", "strings", "Continuous columns (mean (SD))."),
                Key("categorical", "strings", "Categorical columns (n (%))."),
                Key("median_iqr", "strings", "Continuous columns shown as median (IQR) instead."),
                Key(
                    "include_outcomes",
                    "boolean",
                    "Add each outcome's baseline value.",
                    default=True,
                ),
                Key(
                    "p_values", "boolean", "Show p-values (discouraged by CONSORT).", default=False
                ),
                Key(
                    "standardized_differences",
                    "boolean",
                    "Show standardised differences.",
                    default=True,
                ),
                Key("labels", "labels", "Column = display name."),
                MULTI_SELECT,
            ),
        ),
        Section(
            "analysis",
            "Analysis settings.",
            (
                Key(
                    "alpha",
                    "number",
                    "Two-sided significance level; CIs are 1 - alpha.",
                    default=0.05,
                ),
                MMRM,
                ANCOVA,
            ),
        ),
        ESTIMANDS,
        RESPONDERS,
        MULTIPLICITY,
        Section(
            "published",
            "Published between-group results, for the replication check.",
            (
                Key("outcome", "string", "Outcome `name`.", required=True),
                Key("visit", "text", "Visit value (one of `visits.order`).", required=True),
                Key(
                    "model",
                    "string",
                    "The model whose estimate the figure is compared with.",
                    default="mmrm",
                    choices=("mmrm", "ancova"),
                ),
                Key(
                    "comparison",
                    "string",
                    'The comparison, as the report labels it ("arm a - arm b", e.g. '
                    '"Xanomeline Low Dose - Placebo"); default: the only comparison of a '
                    "two-arm trial; required with more arms.",
                ),
                Key(
                    "quantity",
                    "string",
                    'What was published: "difference" (`difference`, `ci`, `p` of a '
                    'comparison) or "trend" (the dose-response p-value of `[arms] dose`, '
                    "in `p`).",
                    default="difference",
                    choices=("difference", "trend"),
                ),
                Key(
                    "difference",
                    "number",
                    "Published difference (treatment - control); required for quantity "
                    '"difference".',
                ),
                Key("ci", "pair", "Published confidence interval."),
                Key("p", "number", "Published p-value."),
                Key(
                    "digits",
                    "integer",
                    "Decimals printed for `difference` and `ci`: the figure agrees only if "
                    "trialkit's values rounded (half up) to them print the same.",
                ),
                Key(
                    "p_digits",
                    "integer",
                    "Decimals printed for an exact `p`: trialkit's p rounded to them must "
                    "print the same.",
                ),
                Key(
                    "p_bound",
                    "string",
                    'How `p` was reported: "=" (exact) or "<" (an upper bound, e.g. P < .001).',
                    default="=",
                    choices=("=", "<"),
                ),
            ),
            array=True,
        ),
    ),
)


def _fmt_default(key: Key) -> str:
    if key.required:
        return "**required**"
    if key.default is None:
        return "--"
    if isinstance(key.default, bool):
        return f"`{str(key.default).lower()}`"
    if isinstance(key.default, str):
        return f'`"{key.default}"`'
    if isinstance(key.default, list):
        return "`[" + ", ".join(f'"{v}"' for v in key.default) + "]`"
    return f"`{key.default}`"


def reference_markdown() -> str:
    """The key reference of ``docs/plan.md``: one table per section, generated from PLAN."""
    lines: list[str] = []

    def walk(section: Section, prefix: str) -> None:
        header = f"[[{prefix}]]" if section.array else f"[{prefix}]"
        need = " (required)" if section.required else " (optional)"
        lines.extend([f"### `{header}`{need}", "", section.doc, ""])
        lines.extend(["| key | type | default | meaning |", "|---|---|---|---|"])
        subs: list[Section] = []
        for k in section.keys:
            if isinstance(k, Section):
                subs.append(k)
                continue
            meaning = k.doc
            if k.choices:
                lead = " As a string, one of " if k.kind == "comparisons" else " One of "
                meaning += lead + ", ".join(f"`{c}`" for c in k.choices) + "."
            lines.append(f"| `{k.name}` | {KINDS[k.kind]} | {_fmt_default(k)} | {meaning} |")
        lines.append("")
        for s in subs:
            walk(s, f"{prefix}.{s.name}")

    for s in PLAN.keys:
        assert isinstance(s, Section)
        walk(s, s.name)
    return "\n".join(lines).rstrip() + "\n"


REFERENCE_HEADING = "## Key reference"


def update_reference(path: str) -> None:
    """Rewrite the key reference at the end of ``path`` (``docs/plan.md``) from :data:`PLAN`.

    Everything after the first blank line that follows :data:`REFERENCE_HEADING` and its
    introduction paragraph, up to the end of the file, is replaced.
    """
    from pathlib import Path

    doc = Path(path)
    text = doc.read_text(encoding="utf-8")
    head, sep, tail = text.partition(REFERENCE_HEADING)
    if not sep:
        raise ValueError(f"{path} has no '{REFERENCE_HEADING}' heading")
    first_table = tail.index("\n### ")
    doc.write_text(head + sep + tail[: first_table + 1] + reference_markdown(), encoding="utf-8")


if __name__ == "__main__":  # python -m trialkit.plan.keys docs/plan.md
    import sys

    update_reference(sys.argv[1] if len(sys.argv) > 1 else "docs/plan.md")
