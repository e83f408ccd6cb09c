"""The report's notes on ADaM input: who is in the population, and which BDS records were
analysed and which were not (not flagged for analysis, derived records by ``DTYPE``).

Nothing read from an ADaM delivery is dropped silently: every record of an outcome's PARAMCD
for a subject of the population is either analysed or counted here with its reason.
"""

from __future__ import annotations

from trialkit.data.trial import Trial
from trialkit.report.document import Note


def _counts(pairs: tuple[tuple[str, int], ...]) -> str:
    return ", ".join(f"{name} {n}" for name, n in pairs)


def adam_notes(trial: Trial) -> list[Note]:
    """Notes for a trial read from ADaM datasets (none for other data)."""
    src = trial.adam
    if src is None:
        return []
    outside = sum(n for _, n in src.outside_population)
    notes = [
        Note(
            f"Data: CDISC ADaM. ADSL {src.adsl}: {src.adsl_subjects} subjects; "
            f"{src.analysed_subjects} with {src.population} = Y ({src.population_label}) are "
            f"analysed"
            + (
                f"; {outside} are not ({_counts(src.outside_population)})."
                if outside
                else "; no other subject."
            )
        )
    ]
    flag = src.record_flag
    for r in src.outcomes:
        outcome = trial.plan.outcome(r.outcome)
        parts = [
            f"{outcome.label}: PARAMCD {r.paramcd} of {r.dataset}, variable {outcome.variable}"
            + (" (baseline visit: BASE)" if outcome.variable == "CHG" else ""),
            f"{r.records} records of the population, {r.used} analysed",
        ]
        if flag and r.not_flagged:
            parts.append(f"{r.not_flagged} not analysis records ({flag} not Y)")
        if r.no_visit:
            parts.append(f"{r.no_visit} without an analysis visit")
        if r.derived_excluded:
            parts.append(
                f"derived records excluded from every model: {_counts(r.derived_excluded)} "
                "(DTYPE; include a type with the plan key adam.derived)"
            )
        if r.derived_included:
            parts.append(
                f"derived records analysed by the ANCOVA only (adam.derived): "
                f"{_counts(r.derived_included)}; the MMRM, the observed summaries and the "
                "CONSORT flow use the observed records"
            )
        notes.append(Note("; ".join(parts) + ".", indent=1))
    return notes
