"""A starter plan for an ADaM delivery (``trialkit init adsl.xpt adqsadas.xpt``).

The files are told apart by their variables: ADSL has one row per ``USUBJID``; a BDS has
``PARAMCD``. The plan lists, as comments, every choice the user has to make: the PARAMCDs
of each BDS (with PARAM and the number of records), the population flags of ADSL, the
derivation types (``DTYPE``) present, and the arms with their numeric codes. Every guess is
marked ``# TODO``; the control arm is never guessed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from trialkit.core.errors import DataError
from trialkit.core.outputs import Output, check_outputs
from trialkit.data.readers import RawTable, read_table
from trialkit.data.starter import StarterPlan, categorical_covariates, toml_string, toml_strings
from trialkit.data.values import numeric_values, text_values
from trialkit.specs.adam import VARIABLES, AdamSpec

_D = AdamSpec()
#: ADSL population flags, in the order a starter plan offers them.
POPULATION_FLAGS = ("ITTFL", "EFFFL", "FASFL", "SAFFL", "PPROTFL", "RANDFL")


def _ref(path: Path, out: Path) -> str:
    ref = os.path.relpath(path.resolve(), out.resolve().parent)
    return str(path.resolve()) if ref.startswith("..") else Path(ref).as_posix()


def split_adam(tables: list[RawTable]) -> tuple[RawTable, list[RawTable]]:
    """ADSL (one row per subject, no PARAMCD) and the BDS datasets (with PARAMCD).

    Raises
    ------
    DataError
        Not exactly one ADSL, or no BDS (one sentence naming the files).
    """
    bds = [t for t in tables if "PARAMCD" in t.df.columns]
    adsl = [
        t
        for t in tables
        if "PARAMCD" not in t.df.columns
        and _D.subject in t.df.columns
        and not t.df[_D.subject].duplicated().any()
    ]
    names = ", ".join(t.name for t in tables)
    if len(adsl) != 1:
        raise DataError(
            f"trialkit init needs exactly one ADSL (one row per {_D.subject}, no PARAMCD) "
            f"among {names}; found {len(adsl)}."
        )
    if not bds:
        raise DataError(f"trialkit init found no BDS dataset (a PARAMCD column) among {names}.")
    return adsl[0], bds


def adam_starter(adsl: RawTable, bds: list[RawTable], refs: dict[str, str]) -> StarterPlan:
    """The starter plan text for ADSL + BDS (``refs``: file name -> path as written)."""
    df = adsl.df
    arm = _D.arm if _D.arm in df.columns else None
    arms = tuple(pd.unique(text_values(df[arm]).dropna())) if arm else ()
    codes = ""
    if arm and _D.arm_n in df.columns:
        pairs = df[[arm, _D.arm_n]].drop_duplicates().sort_values(_D.arm_n)
        codes = "; ".join(f"{a} = {n:g}" for a, n in pairs.itertuples(index=False) if n == n)
    flags = [f for f in POPULATION_FLAGS if f in df.columns]
    flag_counts = ", ".join(f"{f} ({int(text_values(df[f]).eq('Y').sum())} Y)" for f in flags)
    population = "ITTFL" if "ITTFL" in flags else (flags[0] if flags else _D.population)
    lines = [
        "# Starter analysis plan for CDISC ADaM data, written by `trialkit init`. Check every",
        "# TODO, then run  trialkit validate --plan <this file>",
        "# Every key is documented in docs/plan.md.",
        "",
        "[trial]",
        f"title = {toml_string('TODO: trial title')}",
        f"data = {toml_string(refs[adsl.name])}  # ADSL",
        'layout = "adam"',
        "",
        "[adam]",
        f"bds = {toml_strings([refs[b.name] for b in bds])}",
        f"population = {toml_string(population)}  # TODO: the analysis population; in ADSL: "
        + (flag_counts or "no population flag found"),
        f"record_flag = {toml_string(_D.record_flag)}  # analysis records (Y)",
        "derived = []  # DTYPE values to analyse; in the data: " + _dtypes(bds),
        "",
        "[arms]",
        f'control = ""  # TODO: the control arm, one of {", ".join(toml_string(a) for a in arms)}',
    ]
    if codes:
        lines += [
            f"dose = {toml_string(_D.arm_n)}  # {codes}; the dose-response test (delete if none)",
            '# comparisons = "pairwise"  # default "vs_control": each arm minus the control',
        ]
    lines.append("")
    paramcds: list[str] = []
    first = True
    for b in bds:
        choices = _paramcds(b)
        lines.append(f"# PARAMCD choices in {b.name} (PARAM, records):")
        lines += [f"#   {code:<10} {param} ({n})" for code, param, n in choices]
        lines.append("")
        for code, param, _ in choices[:1]:
            paramcds.append(code)
            lines += [
                "[[outcomes]]  # TODO: one table per outcome; copy a PARAMCD from the list",
                f"name = {toml_string(_name(code))}",
                f"label = {toml_string(param or code)}",
                f"paramcd = {toml_string(code)}",
                *([f"dataset = {toml_string(b.name)}"] if len(bds) > 1 else []),
                f"variable = {toml_string(VARIABLES.codes[0])}  # or "
                + " or ".join(toml_string(c) for c in VARIABLES.codes[1:]),
                "lower_is_better = true  # TODO: check",
                f'role = "{"primary" if first else "secondary"}"  # TODO: check',
                "",
            ]
            first = False
    categorical = categorical_covariates(df, _D.subject, (_D.subject, arm))
    visits = _visits(bds[0])
    lines += [
        "[model]",
        'covariates = ["baseline"]  # "baseline" = the outcome\'s own baseline value',
        'visit_covariates = ["baseline"]',
        *(
            ["# ADSL categorical columns (candidate covariates): " + ", ".join(categorical)]
            if categorical
            else []
        ),
        "",
        f"# Visits (by {_D.visit_n}): " + ", ".join(visits),
        "",
    ]
    return StarterPlan(
        text="\n".join(lines),
        layout="adam",
        subject=_D.subject,
        arm=arm,
        visit=_D.visit,
        visits=tuple(visits),
        outcomes=tuple(paramcds),
        arm_values=arms,
    )


def _name(code: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in code)
    return safe if safe[:1].isalpha() or safe[:1] == "_" else f"x_{safe}"


def _paramcds(raw: RawTable) -> list[tuple[str, str, int]]:
    df = raw.df
    code = text_values(df["PARAMCD"])
    param = text_values(df["PARAM"]) if "PARAM" in df.columns else pd.Series("", index=df.index)
    out = []
    for c, n in code.value_counts(sort=False).items():
        p = param[code == c].dropna()
        out.append((str(c), str(p.iloc[0]) if len(p) else "", int(n)))
    return sorted(out)


def _dtypes(bds: list[RawTable]) -> str:
    counts: dict[str, int] = {}
    for b in bds:
        if _D.dtype in b.df.columns:
            for k, n in text_values(b.df[_D.dtype]).value_counts().items():
                counts[str(k)] = counts.get(str(k), 0) + int(n)
    return ", ".join(f'"{k}" ({n} records)' for k, n in counts.items()) or "none"


def _visits(raw: RawTable) -> list[str]:
    df = raw.df
    if _D.visit not in df.columns:
        return []
    visit = text_values(df[_D.visit])
    if _D.visit_n in df.columns:
        order = numeric_values(df[_D.visit_n])[0]
        frame = pd.DataFrame({"v": visit, "n": order}).dropna()
        return [str(v) for v in frame.groupby("v")["n"].min().sort_values().index]
    return [str(v) for v in pd.unique(visit.dropna())]


def write_adam_starter(files: list[Path], out: Path, force: bool = False) -> StarterPlan:
    """Read ADSL and BDS files and write their starter plan to ``out``.

    Raises
    ------
    DataError
        A file cannot be read, the files are not one ADSL plus BDS datasets, or ``out``
        exists (without ``force``) or cannot be written.
    """
    check_outputs([Output("starter plan", out)], files)
    if out.exists() and not force:
        raise DataError(f"Plan file {out} already exists; use --force to overwrite it.")
    tables = [read_table(f) for f in files]
    adsl, bds = split_adam(tables)
    refs = {t.name: _ref(t.path, out) for t in tables}
    plan = adam_starter(adsl, bds, refs)
    try:
        out.write_text(plan.text, encoding="utf-8")
    except OSError as exc:
        raise DataError(f"Plan file {out} could not be written ({exc.strerror}).") from exc
    return plan
