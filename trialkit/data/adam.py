"""Read a CDISC ADaM delivery (ADSL plus BDS datasets) into trialkit's long layout.

With ``[trial] layout = "adam"`` (see :mod:`trialkit.specs.adam`) the plan's data file is
ADSL and ``[adam] bds`` lists the BDS datasets. :func:`read_adam` checks them, keeps

* the subjects of the population flag (``Y``; the others are counted by arm),
* each outcome's ``PARAMCD`` records flagged for analysis (``ANL01FL = "Y"``), with the
  derived records (``DTYPE``) the plan includes; every other derived record is excluded
  and counted by type,

and returns one row per subject x visit (``AVISIT``, ordered by ``AVISITN``; the baseline
visit is the one of the ``ABLFL = "Y"`` records) holding one column per outcome and every
ADSL variable. ADSL's disposition (``EOSSTT``; reason ``DCSREAS``, else ``DCDECOD``) and the
start of treatment (``TRTSDT``) feed the CONSORT flow when the plan has no ``[disposition]``.
The result is the same long data the rest of trialkit analyses, so no engine knows ADaM.

Validated against: R (haven, base subsetting) record and subject counts on the CDISC
pilot, ``tests/reference/adam_pilot`` (``tests/test_adam.py``).

Every problem names the file, the column and the row (row 1 is the first record, as in
SAS): a BDS without the outcome's PARAMCD, two analysis records for one subject x visit, a
population flag other than Y/N/blank, a BDS arm or subject absent from ADSL, a dose
(``TRT01PN``) that is not numeric.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from trialkit.core.problems import did_you_mean, quote_list
from trialkit.data.adam_checks import (
    AdamProblems,
    check_bds_subjects,
    check_duplicates,
    need_columns,
    yn_flag,
)
from trialkit.data.readers import RawTable, read_table
from trialkit.data.values import numeric_values, text_values
from trialkit.plan.schema import Columns, Disposition, Outcome, Plan, Visits
from trialkit.specs.adam import AdamSpec

#: Derived ADSL columns for the CONSORT flow (Y/N), made when the plan has no [disposition].
WITHDREW = "EOS_DISCONTINUED"
TREATED = "TREATMENT_STARTED"


@dataclass(frozen=True)
class OutcomeRecords:
    """How one outcome's BDS records were used.

    Attributes
    ----------
    outcome, dataset, paramcd, param
        The outcome's name, its BDS file, PARAMCD and PARAM (the label).
    records
        Records of the PARAMCD for subjects of the population.
    used
        Records analysed (one per subject x visit).
    not_flagged
        Records whose analysis-record flag is not ``Y``.
    derived_excluded, derived_included
        ``(DTYPE, records)`` excluded, and included because the plan names the type.
    no_visit
        Records without an analysis visit.
    """

    outcome: str
    dataset: str
    paramcd: str
    param: str
    records: int
    used: int
    not_flagged: int
    derived_excluded: tuple[tuple[str, int], ...]
    derived_included: tuple[tuple[str, int], ...]
    no_visit: int


@dataclass(frozen=True)
class AdamSource:
    """What was read from an ADaM delivery, for the report (nothing is dropped silently).

    ``outside_population`` is ``(arm, subjects)`` of ADSL subjects whose population flag
    is not ``Y``; they are in no analysis.
    """

    adsl: str
    population: str
    population_label: str
    adsl_subjects: int
    analysed_subjects: int
    outside_population: tuple[tuple[str, int], ...]
    record_flag: str
    outcomes: tuple[OutcomeRecords, ...]
    #: ``(outcome, column)``: the column with the derived records, for the ANCOVA.
    ancova_columns: tuple[tuple[str, str], ...] = ()


def read_adam(plan: Plan) -> tuple[pd.DataFrame, Plan, dict[str, str], AdamSource]:
    """Read the ADaM datasets of an ``adam`` plan into long data.

    Returns
    -------
    data
        One row per subject x visit (population subjects only): subject, visit, arm, one
        column per outcome (named by the outcome) and every ADSL variable.
    plan
        The plan in the long layout: ``[columns]`` and ``[visits]`` from the ADaM
        variables (unless the plan gave them), outcome labels from PARAM, and the ADSL
        disposition as ``[disposition]`` when the plan has none.
    labels
        Variable labels from the files.
    source
        What was read and what was left out (:class:`AdamSource`).

    Raises
    ------
    DataError
        A file is missing or unreadable; or a :class:`DataValidationError` listing every
        problem (file, column and row each).
    """
    spec = plan.adam
    assert spec is not None
    bad = AdamProblems()
    adsl = read_table(plan.data)
    subjects = _read_adsl(adsl, spec, bad)
    bds = {p.name: read_table(p) for p in spec.bds}
    frames, counts = [], []
    for o in plan.outcomes:
        raw = bds[o.dataset or spec.bds[0].name]
        found = _outcome_records(raw, o, spec, subjects, adsl, plan.visits.order, bad)
        if found is not None:
            frames.append(found[0])
            counts.append(found[1])
    bad.raise_if_any("ADaM data")
    assert subjects is not None
    visits = _visit_order(frames, plan, bds, spec, bad)
    bad.raise_if_any("ADaM data")

    pop = subjects[subjects["__in"]]
    long = _long_frame(frames, pop, spec, visits)
    labels = {**adsl.variable_labels}
    for raw in bds.values():
        labels.update({k: v for k, v in raw.variable_labels.items() if k not in labels})
    outcomes = tuple(
        replace(o, label=c.param if o.label == o.name and c.param else o.label)
        for o, c in zip(plan.outcomes, counts, strict=True)
    )
    for o in outcomes if spec.derived else ():
        labels[derived_column(o, spec)] = f"{o.label} (with {', '.join(spec.derived)} records)"
    long_plan = replace(
        plan,
        layout="long",
        columns=Columns(subject=spec.subject, arm=spec.arm, visit=spec.visit),
        visits=visits,
        outcomes=tuple(replace(o, column=o.name) for o in outcomes),
        disposition=_disposition(plan.disposition, long),
        estimands=tuple(
            e if e.visits else replace(e, visits=visits.post_baseline) for e in plan.estimands
        ),
    )
    outside = subjects[~subjects["__in"]]
    source = AdamSource(
        adsl=adsl.name,
        population=spec.population,
        population_label=adsl.variable_labels.get(spec.population, spec.population),
        adsl_subjects=len(subjects),
        analysed_subjects=len(pop),
        outside_population=tuple(
            (str(a), int(n)) for a, n in outside[spec.arm].value_counts(sort=False).items()
        ),
        record_flag=spec.record_flag,
        outcomes=tuple(counts),
        ancova_columns=tuple(
            (o.name, derived_column(o, spec)) for o in plan.outcomes if spec.derived
        ),
    )
    return long, long_plan, labels, source


def _read_adsl(raw: RawTable, spec: AdamSpec, bad: AdamProblems) -> pd.DataFrame | None:
    """ADSL checked: subject, arm, population flag and dose; ``__in`` marks the population."""
    keys = {"adam.subject": spec.subject, "adam.arm": spec.arm, "adam.population": spec.population}
    if not all([need_columns(raw, [col], f"plan key '{key}'", bad) for key, col in keys.items()]):
        return None
    df = raw.df.copy()
    subj = text_values(df[spec.subject])
    blank = subj.isna().to_numpy()
    if blank.any():
        bad.at(raw, spec.subject, blank, "the subject id is blank.")
    dup = (subj.duplicated(keep=False) & subj.notna()).to_numpy()
    if dup.any():
        bad.at(raw, spec.subject, dup, f"subject {subj[dup].iloc[0]} has more than one ADSL row.")
    df[spec.subject] = subj
    df[spec.arm] = text_values(df[spec.arm])
    no_arm = df[spec.arm].isna().to_numpy()
    if no_arm.any():
        bad.at(raw, spec.arm, no_arm, f"subject {subj[no_arm].iloc[0]} has no planned arm.")
    df["__in"] = yn_flag(raw, spec.population, bad).to_numpy()
    if spec.arm_n and spec.arm_n in df.columns:
        values, wrong = numeric_values(df[spec.arm_n])
        if wrong.any():
            shown = quote_list(list(pd.unique(df[spec.arm_n][wrong])))
            bad.at(raw, spec.arm_n, wrong, f"the dose {shown} is not a number.")
        df[spec.arm_n] = values
    return df


def _outcome_records(
    raw: RawTable,
    outcome: Outcome,
    spec: AdamSpec,
    subjects: pd.DataFrame | None,
    adsl: RawTable,
    visits: tuple[str, ...],
    bad: AdamProblems,
) -> tuple[pd.DataFrame, OutcomeRecords] | None:
    """One outcome's analysed records: ``subject, visit, visit_n, baseline, value``.

    ``visits``: the plan's ``[visits] order`` (empty: every analysis visit is kept)."""
    value_col = outcome.variable
    need = ["PARAMCD", spec.subject, spec.visit, spec.visit_n, spec.baseline_flag, value_col]
    if outcome.variable == "CHG":
        need.append("BASE")
    if spec.record_flag:
        need.append(spec.record_flag)
    if not need_columns(raw, need, f"a BDS variable of outcome '{outcome.name}'", bad):
        return None
    df = raw.df
    paramcd = text_values(df["PARAMCD"])
    rows = (paramcd == outcome.paramcd).fillna(False).to_numpy()
    if not rows.any():
        codes = sorted(paramcd.dropna().unique())
        bad.file(
            raw,
            "PARAMCD",
            f"{raw.name}, column 'PARAMCD', rows 1-{len(df)}: no record has PARAMCD "
            f"'{outcome.paramcd}' (outcome '{outcome.name}'); the file has {quote_list(codes)}.",
            did_you_mean(str(outcome.paramcd), codes),
        )
        return None
    subj = text_values(df[spec.subject])
    if subjects is not None:
        check_bds_subjects(raw, subj, rows, spec, subjects, adsl, bad)
        flags = subjects.drop_duplicates(spec.subject).set_index(spec.subject)["__in"]
        in_pop = subj.map(flags).fillna(False).to_numpy(bool)
    else:
        in_pop = np.ones(len(df), dtype=bool)
    mine = rows & in_pop
    flagged = yn_flag(raw, spec.record_flag, bad).to_numpy() if spec.record_flag else mine
    dtype = (
        text_values(df[spec.dtype])
        if spec.dtype in df.columns
        else pd.Series(pd.NA, index=df.index, dtype="str")
    )
    derived = dtype.notna().to_numpy()
    allowed = dtype.isin(list(spec.derived)).to_numpy()
    visit = text_values(df[spec.visit])
    no_visit = visit.isna().to_numpy()
    candidate = mine & flagged & ~no_visit
    use = candidate & (~derived | allowed)
    values, wrong = numeric_values(df[value_col])
    if (wrong & use).any():
        bad.at(raw, value_col, wrong & use, f"the {value_col} value is not a number.")
    base_flag = yn_flag(raw, spec.baseline_flag, bad).to_numpy()
    check_duplicates(raw, subj, visit, use, outcome, spec.record_flag or "PARAMCD", bad)
    unplanned = (use & visit.notna() & ~visit.isin(visits)).to_numpy() if visits else None
    if unplanned is not None and unplanned.any():
        shown = quote_list(list(pd.unique(visit[unplanned])))
        bad.at(raw, spec.visit, unplanned, f"visit {shown} is not in the plan's [visits] order.")
    value = values.to_numpy().copy()
    if outcome.variable == "CHG":  # the baseline record holds BASE, the baseline covariate
        base = numeric_values(df["BASE"])[0].to_numpy()
        value = np.where(base_flag, base, value)
    frame = pd.DataFrame(
        {
            "subject": subj[use].to_numpy(),
            "visit": visit[use].to_numpy(),
            "visit_n": numeric_values(df[spec.visit_n])[0][use].to_numpy(),
            "baseline": base_flag[use],
            # the MMRM, observed summaries and CONSORT see observed records only
            outcome.name: np.where(derived, np.nan, value)[use],
        }
    )
    if spec.derived:  # the ANCOVA also analyses the derived records the plan includes
        frame[derived_column(outcome, spec)] = value[use]
    param = text_values(df["PARAM"])[rows].dropna() if "PARAM" in df.columns else pd.Series()
    record = OutcomeRecords(
        outcome=outcome.name,
        dataset=raw.name,
        paramcd=str(outcome.paramcd),
        param=str(param.iloc[0]) if len(param) else "",
        records=int(mine.sum()),
        used=int(use.sum()),
        not_flagged=int((mine & ~flagged).sum()),
        derived_excluded=_by_type(dtype[candidate & derived & ~allowed]),
        derived_included=_by_type(dtype[use & derived]),
        no_visit=int((mine & flagged & no_visit).sum()),
    )
    return frame, record


def derived_column(outcome: Outcome, spec: AdamSpec) -> str:
    """The column holding an outcome with the plan's derived records (e.g. ``ACTOT_LOCF``),
    which the ANCOVA analyses; the outcome's own column holds observed records only."""
    return "_".join((outcome.name, *spec.derived))


def _by_type(values: pd.Series) -> tuple[tuple[str, int], ...]:
    return tuple((str(k), int(v)) for k, v in values.value_counts(sort=False).items())


def _visit_order(
    frames: list[pd.DataFrame],
    plan: Plan,
    bds: dict[str, RawTable],
    spec: AdamSpec,
    bad: AdamProblems,
) -> Visits:
    """The visits ordered by AVISITN, the baseline from ABLFL (or the plan's [visits])."""
    if plan.visits.order:
        return plan.visits
    allrec = pd.concat(frames, ignore_index=True)
    numbers = allrec.groupby("visit")["visit_n"].agg(["min", "max"])
    uneven = numbers.index[numbers["min"].ne(numbers["max"]).to_numpy()]
    first = next(iter(bds.values()))
    for v in uneven:
        bad.file(first, spec.visit_n, f"Visit '{v}' has more than one {spec.visit_n} value.")
    order = tuple(numbers.sort_values("min", kind="stable").index)
    base = allrec.loc[allrec["baseline"], "visit"].unique()
    if len(base) != 1:
        found = quote_list(list(base)) if len(base) else "none"
        bad.file(
            first,
            spec.baseline_flag,
            f"The baseline records ({spec.baseline_flag} = Y) must share one visit; found {found}.",
            "name the baseline visit in [visits]",
        )
        return Visits(order, order[0] if order else "")
    return Visits(order, str(base[0]))


def _long_frame(
    frames: list[pd.DataFrame], pop: pd.DataFrame, spec: AdamSpec, visits: Visits
) -> pd.DataFrame:
    """Outcomes side by side per subject x visit, with ADSL; every population subject has
    at least a baseline row."""
    keys = ["subject", "visit"]
    merged = pd.DataFrame({"subject": pop[spec.subject].to_numpy(), "visit": visits.baseline})
    for f in frames:
        merged = merged.merge(f.drop(columns=["visit_n", "baseline"]), on=keys, how="outer")
    merged = merged[merged["visit"].isin(visits.order)]
    adsl = pop.drop(columns=["__in"]).rename(columns={spec.subject: "subject"})
    adsl = adsl.drop(columns=[c for c in adsl.columns if c == spec.visit])
    out = merged.merge(adsl, on="subject", how="inner")
    if "EOSSTT" in out.columns:
        status = text_values(out["EOSSTT"]).str.upper()
        out[WITHDREW] = np.where(status.eq("DISCONTINUED").fillna(False), "Y", "N")
    if "TRTSDT" in out.columns:
        out[TREATED] = np.where(out["TRTSDT"].notna(), "Y", "N")
    order = {v: i for i, v in enumerate(visits.order)}
    out = out.sort_values(
        ["subject", "visit"], key=lambda s: s.map(order) if s.name == "visit" else s
    )
    return out.rename(columns={"subject": spec.subject, "visit": spec.visit}).reset_index(drop=True)


def _disposition(given: Disposition, data: pd.DataFrame) -> Disposition:
    """The plan's [disposition], else ADSL's: EOSSTT (reason DCSREAS or DCDECOD), TRTSDT."""
    if any(vars(given).values()):
        return given
    reason = next((c for c in ("DCSREAS", "DCDECOD") if c in data.columns), None)
    return Disposition(
        received=TREATED if TREATED in data.columns else None,
        withdrew=WITHDREW if WITHDREW in data.columns else None,
        withdrew_reason=reason if WITHDREW in data.columns else None,
    )
