"""The trial report's numbers as tidy tables, which the report builders read.

:func:`results_frame` joins, per outcome and visit, the observed summaries, the MMRM LS means,
difference and Cohen's d, and the ANCOVA sensitivity analysis into one wide row per
comparison (columns suffixed ``_control`` / ``_treatment`` are per arm of the comparison).
:func:`models_frame` has one row per outcome describing the fitted MMRM (covariance actually
used, df method, N). The document builders (:mod:`trialkit.report.build`,
:mod:`trialkit.report.build_data`) format these frames into cells and keep them, unrounded,
as the document's datasets; renderers never call this module (the CSV files are written by
:mod:`trialkit.report.csv_report`).
"""

from __future__ import annotations

import math

import pandas as pd

from trialkit.analysis import OutcomeAnalysis, TrialAnalysis
from trialkit.core.results import STAT_COLUMNS
from trialkit.report.arms import comparison_pairs, report_arms
from trialkit.report.memo import once_per
from trialkit.report.rows import Record, keyed, records
from trialkit.specs.comparisons import comparison_label

OBSERVED = {"n": "n", "mean": "mean", "sd": "sd"}
MMRM_LS = {
    "estimate": "lsmean",
    "std_error": "lsmean_se",
    "ci_lower": "lsmean_ci_lower",
    "ci_upper": "lsmean_ci_upper",
}
ANCOVA_LS = {"estimate": "ancova_lsmean", "std_error": "ancova_lsmean_se"}
EFFECT = {"estimate": "d", "ci_lower": "d_ci_lower", "ci_upper": "d_ci_upper"}
EFFECT_SD = {"sd_pooled": "d_sd_pooled"}
COUNTS = ("n_control", "n_treatment", "ancova_n_control", "ancova_n_treatment")


def _per_arm(columns: dict[str, str]) -> list[str]:
    return [f"{c}_{a}" for c in columns.values() for a in ("control", "treatment")]


RESULT_COLUMNS = [
    "visit_label",
    "is_baseline",
    *_per_arm(OBSERVED),
    *_per_arm(MMRM_LS),
    *STAT_COLUMNS,
    *EFFECT.values(),
    *EFFECT_SD.values(),
    *_per_arm(ANCOVA_LS),
    *[f"ancova_{c}" for c in STAT_COLUMNS],
    "ancova_n_control",
    "ancova_n_treatment",
]


def _by_arm(
    frame: pd.DataFrame, columns: dict[str, str], arms: dict[str, str]
) -> dict[str, Record]:
    """``arm, visit`` rows -> per visit (as text) ``{<new>_<control|treatment>: value}`` for
    the arms of one comparison (``arms``: arm value -> ``control`` or ``treatment``)."""
    out: dict[str, Record] = {}
    for (arm, visit), row in keyed(frame, ("arm", "visit")).items():
        if arm in arms:
            side = arms[arm]
            out.setdefault(visit, {}).update(
                {f"{new}_{side}": row.get(c, math.nan) for c, new in columns.items()}
            )
    return out


def _by_visit(
    frame: pd.DataFrame | None, comparison: str, columns: dict[str, str]
) -> dict[str, Record]:
    """The rows of one comparison (all rows of a frame without a ``comparison`` column) per
    visit (as text): ``{new: value}``."""
    if frame is None:
        return {}
    mine = "comparison" not in frame.columns
    return {
        str(row["visit"]): {new: row.get(c, math.nan) for c, new in columns.items()}
        for row in records(frame)
        if mine or row["comparison"] == comparison
    }


def _outcome_rows(analysis: TrialAnalysis, oa: OutcomeAnalysis) -> list[Record]:
    """One outcome's rows of :func:`results_frame` (one per comparison x visit)."""
    plan = analysis.trial.plan
    m, a = oa.mmrm, oa.ancova
    observed, rows = oa.observed, []
    mmrm = (m.lsmeans, m.differences, m.effect_sizes) if m is not None else None
    ancova = (a.lsmeans, a.differences) if a is not None else None
    ancova_stats = {c: f"ancova_{c}" for c in [*STAT_COLUMNS, "n_control", "n_treatment"]}
    for arm_a, arm_b in comparison_pairs(m or a, report_arms(analysis.trial)):
        label = comparison_label(arm_a, arm_b)
        arms = {arm_b: "control", arm_a: "treatment"}
        parts = [_by_arm(observed, OBSERVED, arms)]
        if mmrm is not None:
            lsmeans, differences, effect_sizes = mmrm
            parts += [
                _by_arm(lsmeans, MMRM_LS, arms),
                _by_visit(differences, label, {c: c for c in STAT_COLUMNS}),
                _by_visit(effect_sizes, label, {**EFFECT, **EFFECT_SD}),
            ]
        if ancova is not None:
            parts += [
                _by_arm(ancova[0], ANCOVA_LS, arms),
                _by_visit(ancova[1], label, ancova_stats),
            ]
        for v in plan.visits.order:
            row: Record = {
                "outcome": oa.name,
                "label": oa.outcome.label,
                "role": oa.outcome.role,
                "comparison": label,
                "visit": v,
                "visit_label": plan.visits.label(v),
                "is_baseline": v == plan.visits.baseline,
            }
            for part in parts:
                row.update(part.get(str(v), {}))
            rows.append(row)
    return rows


def results_frame(analysis: TrialAnalysis) -> pd.DataFrame:
    """One row per outcome x comparison x visit (baseline included) with every per-visit
    number; one comparison, treatment - control, in a two-arm trial.

    Columns: ``outcome, label, role, comparison, visit, visit_label, is_baseline``; per arm of
    the comparison ``a - b`` (suffix ``_treatment`` for ``a``, ``_control`` for ``b``) the
    observed ``n_, mean_, sd_``, the MMRM ``lsmean_,
    lsmean_se_, lsmean_ci_lower_, lsmean_ci_upper_`` and the ANCOVA ``ancova_lsmean_,
    ancova_lsmean_se_``; the MMRM difference ``estimate, std_error, df, ci_lower, ci_upper,
    p_value``; Cohen's d ``d, d_ci_lower, d_ci_upper, d_sd_pooled``; the ANCOVA difference
    ``ancova_estimate ... ancova_p_value, ancova_n_control, ancova_n_treatment``. Model
    columns are missing (NaN) at baseline.
    """
    return _results_frame(analysis).copy()


@once_per
def _results_frame(analysis: TrialAnalysis) -> pd.DataFrame:
    # built once per analysis (every document built from it reads it); callers get a copy
    rows = [r for oa in analysis.outcomes for r in _outcome_rows(analysis, oa)]
    names = ["outcome", "label", "role", "comparison", "visit", *RESULT_COLUMNS]
    frame = pd.DataFrame(
        {c: [r.get(c, math.nan) for r in rows] for c in names}, index=pd.RangeIndex(len(rows))
    )
    return frame.astype({c: "Int64" for c in COUNTS})


MODEL_COLUMNS = (
    "outcome",
    "label",
    "covariance",
    "requested_covariance",
    "covariance_changed",
    "fallback_reasons",
    "df_method",
    "reml",
    "lsmeans_weights",
    "loglik",
    "aic",
    "converged",
    "n_subjects_control",
    "n_subjects_treatment",
    "n_observations_control",
    "n_observations_treatment",
    "n_excluded",
    "excluded_reasons",
    "error",
)


def models_frame(analysis: TrialAnalysis) -> pd.DataFrame:
    """One row per outcome: the MMRM as fitted and the N it used.

    Columns: ``outcome, label, covariance, requested_covariance, covariance_changed,
    fallback_reasons, df_method, reml, lsmeans_weights, loglik, aic, converged,
    n_subjects_control, n_subjects_treatment, n_observations_control,
    n_observations_treatment, n_excluded, excluded_reasons, error`` (``error`` holds the
    reason when the model could not be fitted).
    """
    plan = analysis.trial.plan
    c, t = plan.arms.control, plan.arms.treatment
    rows: list[dict[str, object]] = []
    for oa in analysis.outcomes:
        m = oa.mmrm
        row: dict[str, object] = {"outcome": oa.name, "label": oa.outcome.label}
        if m is None:
            rows.append({**row, "error": oa.mmrm_error})
            continue
        failed = [
            f"{x.covariance}: {x.message}" for x in m.attempts if x.covariance != m.covariance
        ]
        reasons = m.sample.excluded["reason"].value_counts(sort=False)
        rows.append(
            {
                **row,
                "covariance": m.covariance,
                "requested_covariance": m.requested_covariance,
                "covariance_changed": m.covariance != m.requested_covariance,
                "fallback_reasons": "; ".join(failed),
                "df_method": m.df_method,
                "reml": m.reml,
                "lsmeans_weights": m.lsmeans_weights,
                "loglik": m.loglik,
                "aic": m.aic,
                "converged": m.converged,
                "n_subjects_control": m.sample.n_subjects.get(c, 0),
                "n_subjects_treatment": m.sample.n_subjects.get(t, 0),
                "n_observations_control": m.sample.n_observations.get(c, 0),
                "n_observations_treatment": m.sample.n_observations.get(t, 0),
                "n_excluded": len(m.sample.excluded),
                "excluded_reasons": "; ".join(f"{r} (n = {n})" for r, n in reasons.items()),
                "error": None,
            }
        )
    return pd.DataFrame(rows, columns=list(MODEL_COLUMNS))


def stacked_frame(analysis: TrialAnalysis, attr: str) -> pd.DataFrame:
    """The MMRM table ``attr`` (``coefficients``, ``type3``) of every outcome, stacked."""
    frames = [
        getattr(oa.mmrm, attr).assign(outcome=oa.name)
        for oa in analysis.outcomes
        if oa.mmrm is not None and getattr(oa.mmrm, attr) is not None
    ]
    if not frames:
        return pd.DataFrame()
    out = pd.concat(frames, ignore_index=True)
    return out[["outcome", *[c for c in out.columns if c != "outcome"]]]


def excluded_frame(analysis: TrialAnalysis) -> pd.DataFrame:
    """Every subject a model left out: ``outcome, model, visit, subject, arm, reason``."""
    frames = []
    for oa in analysis.outcomes:
        if oa.mmrm is not None:
            frames.append(oa.mmrm.sample.excluded.assign(outcome=oa.name, model="MMRM", visit=""))
        if oa.ancova is not None:
            for visit, s in oa.ancova.samples.items():
                frames.append(s.excluded.assign(outcome=oa.name, model="ANCOVA", visit=visit))
    cols = ["outcome", "model", "visit", "subject", "arm", "reason"]
    return pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)
