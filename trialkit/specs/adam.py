"""How a CDISC ADaM delivery (ADSL plus BDS datasets) is read: the ``[adam]`` plan keys.

With ``[trial] layout = "adam"`` the plan's ``[trial] data`` is the subject-level dataset
ADSL and ``[adam] bds`` lists the Basic Data Structure datasets (ADQSADAS, ADVS, ...). Each
``[[outcomes]]`` table names its ``paramcd`` (and, with several BDS files, its ``dataset``).
The defaults are the ADaM conventions: ``USUBJID`` identifies the subject, ``TRT01P`` is the
planned arm and ``TRT01PN`` its numeric code (the dose), ``AVISITN`` orders the visits named
by ``AVISIT``, ``ABLFL = "Y"`` marks the baseline record, ``ANL01FL = "Y"`` the analysis
records, and records with a derivation type (``DTYPE``, e.g. ``LOCF``) are left out of the
analysis, and counted, unless ``derived`` names their type.

The plan keys ``[adam]`` and the ADaM keys of ``[[outcomes]]`` are generated from
:data:`ADAM_OPTIONS` and :data:`ADAM_OUTCOME_OPTIONS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from trialkit.specs.vocabulary import Choice, Option, vocabulary

#: The BDS variable an outcome analyses.
VARIABLES = vocabulary(
    (
        Choice("AVAL", "analysis value", "The analysis value at each visit (`AVAL`)."),
        Choice(
            "CHG",
            "change from baseline",
            "The change from baseline (`CHG`) after baseline; the baseline visit holds the "
            "baseline value (`BASE`), which the models use as the `baseline` covariate.",
        ),
    )
)


@dataclass(frozen=True)
class AdamSpec:
    """Where the ADaM variables are and which records are analysed.

    Attributes
    ----------
    bds
        The BDS dataset files (resolved against the plan file's folder).
    population
        ADSL population flag: subjects with ``"Y"`` are analysed; the others are counted.
    record_flag
        BDS analysis-record flag: records with ``"Y"`` are analysed; ``""`` uses every record.
    derived
        ``DTYPE`` values whose derived records are analysed (e.g. ``("LOCF",)``); records
        of any other derivation type are excluded and counted.
    subject, arm, arm_n
        ADSL subject id, planned arm and its numeric code (the dose).
    visit, visit_n, baseline_flag, dtype
        BDS visit name, visit order, baseline-record flag and derivation type.
    """

    bds: tuple[Path, ...] = ()
    population: str = "ITTFL"
    record_flag: str = "ANL01FL"
    derived: tuple[str, ...] = ()
    subject: str = "USUBJID"
    arm: str = "TRT01P"
    arm_n: str = "TRT01PN"
    visit: str = "AVISIT"
    visit_n: str = "AVISITN"
    baseline_flag: str = "ABLFL"
    dtype: str = "DTYPE"


_D = AdamSpec()

#: The ``[adam]`` plan keys.
ADAM_OPTIONS: tuple[Option, ...] = (
    Option(
        "bds",
        "paths",
        "The BDS datasets (e.g. ADQSADAS), relative to the plan file; `[trial] data` is ADSL.",
        [],
        required=True,
    ),
    Option(
        "population",
        "string",
        "ADSL population flag (e.g. `ITTFL`, `EFFFL`, `FASFL`, `SAFFL`): subjects with `Y` "
        "are analysed; the others are counted in the report.",
        _D.population,
    ),
    Option(
        "record_flag",
        "string",
        'BDS analysis-record flag: records with `Y` are analysed; `""` uses every record.',
        _D.record_flag,
    ),
    Option(
        "derived",
        "strings",
        'Derivation types (`DTYPE`) whose records are analysed, e.g. `["LOCF"]`; records '
        "with any other `DTYPE` are excluded from every model and counted in the report.",
        list(_D.derived),
    ),
    Option("subject", "string", "ADSL and BDS subject id.", _D.subject),
    Option("arm", "string", "ADSL planned arm.", _D.arm),
    Option(
        "arm_n",
        "string",
        "ADSL numeric planned arm (the dose); name it in `[arms] dose` for the dose-response "
        'test; `""` when there is none.',
        _D.arm_n,
    ),
    Option("visit", "string", "BDS analysis visit name.", _D.visit),
    Option("visit_n", "string", "BDS numeric analysis visit, which orders the visits.", _D.visit_n),
    Option("baseline_flag", "string", "BDS baseline record flag.", _D.baseline_flag),
    Option("dtype", "string", "BDS derivation type.", _D.dtype),
)

#: The ADaM keys of an ``[[outcomes]]`` table.
ADAM_OUTCOME_OPTIONS: tuple[Option, ...] = (
    Option("paramcd", "string", "ADaM layout: the outcome's `PARAMCD` in its BDS dataset."),
    Option(
        "dataset",
        "string",
        "ADaM layout: the file name of the outcome's BDS dataset (default: the only one).",
    ),
    Option(
        "variable",
        "string",
        "ADaM layout: the BDS variable analysed.",
        VARIABLES.codes[0],
        VARIABLES,
    ),
)
