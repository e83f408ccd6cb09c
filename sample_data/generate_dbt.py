"""Generate the SYNTHETIC sample trial modelled on the online DBT for chronic pain RCT.

Every value written by this script is simulated. The design (45 vs 44 patients, visits at
0, 9 and 21 weeks), the baseline summaries, follow-up and adherence percentages and the
between-group differences come from the published summary of Norman-Nott et al., JAMA Netw
Open 2025 (doi:10.1001/jamanetworkopen.2025.6908); everything else is an assumption that
``sample_data/README.md`` lists.

Model, per outcome and post-baseline week ``t`` (``y0`` = observed baseline)::

    y_t = mean0 + drift_t + beta * (y0 - mean0) + effect_t * treat + e_t

``(e_9, e_21)`` are bivariate normal with correlation ``RHO_E``. Among the subjects
assessed at ``t`` the residuals are projected off ``[1, treat, y0]`` and rescaled so that
the complete-case ANCOVA ``y_t ~ arm + y0`` (statsmodels OLS) has the published standard
error (from the published CI or P value) or ``sigma``. Scores are then rounded to the
instrument's step and clipped to its range, and the treatment arm is shifted by a constant
found by bisection so that the realised ANCOVA difference equals the target up to rounding.

Run ``python sample_data/generate_dbt.py`` to rewrite the files next to this script, or
import :func:`generate` to get ``(long_df, wide_df)`` without writing anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import statsmodels.api as sm
from scipy import stats

SEED = 20250506  # publication date of the source trial
HERE = Path(__file__).resolve().parent
LONG_CSV = "dbt_trial_long.csv"
WIDE_SAV = "dbt_trial_wide.sav"
FILE_LABEL = "SYNTHETIC data modelled on the online DBT chronic pain RCT"
ARM_LABELS = {1: "DBT + standard care", 2: "Standard care"}
GENDER_LABELS = {1: "Woman", 2: "Man"}
N_PER_ARM = {1: 45, 2: 44}
WEEKS = (0, 9, 21)
USER_MISSING = -99.0
NOMINAL = (
    "arm",
    "gender",
    "pain_neuropathic",
    "pain_low_back",
    "pain_arthritis",
    "received_intervention",
    "discontinued_intervention",
    "withdrew",
)
RHO_E = 0.5  # correlation of the week-9 and week-21 residuals (assumed)


@dataclass(frozen=True)
class OutcomeSpec:
    """One simulated outcome; ``effect``, ``drift``, ``ci``, ``p`` are for weeks (9, 21)."""

    name: str
    label: str
    lo: float
    hi: float
    step: float
    mean0: float
    sd0: float
    beta: float
    sigma: float
    drift: tuple[float, float]
    effect: tuple[float, float]
    ci: dict[int, tuple[float, float]] = field(default_factory=dict)
    p: dict[int, float] = field(default_factory=dict)
    baseline_lo: float | None = None

    def to_scale(self, x: np.ndarray, baseline: bool = False) -> np.ndarray:
        """Round to the instrument's step and clip to its range."""
        lo = self.lo if not baseline or self.baseline_lo is None else self.baseline_lo
        decimals = max(0, -int(np.floor(np.log10(self.step))))
        return np.round(np.clip(np.round(x / self.step) * self.step, lo, self.hi), decimals)

    def target_se(self, week_index: int, df: float) -> float | None:
        """Standard error implied by the published CI (preferred) or two-sided P value."""
        week = WEEKS[week_index + 1]
        if week in self.ci:
            lower, upper = self.ci[week]
            return (upper - lower) / (2.0 * stats.t.ppf(0.975, df))
        if week in self.p:
            return abs(self.effect[week_index]) / stats.t.isf(self.p[week] / 2.0, df)
        return None


# Baseline mean0/sd0, slope beta, residual SD sigma and control drift are assumptions
# (sample_data/README.md); effects at weeks 9/21 are the published differences where given.
# fmt: off
OUTCOMES: tuple[OutcomeSpec, ...] = (
    #           name, label,                                          lo, hi, step,
    #           mean0, sd0, beta, sigma, drift (9, 21), effect (9, 21)
    OutcomeSpec("ders", "Emotion dysregulation (DERS-18, 18-90)", 18, 90, 1,
                52, 11, 0.7, 9.5, (-1.5, -2.0), (-4.88, -5.38),
                ci={9: (-9.20, -0.55), 21: (-9.78, -0.97)}),
    OutcomeSpec("pain_intensity", "Pain intensity (NRS, 0-10)", 0, 10, 1,
                6.3, 1.5, 0.6, 1.7, (-0.2, -0.3), (-0.35, -1.31),
                ci={21: (-2.12, -0.49)}, baseline_lo=3),
    OutcomeSpec("pain_interference", "Pain interference (PROMIS PI 8a T-score)", 40.7, 77.0, 0.1,
                63.5, 5.5, 0.65, 5.0, (-0.8, -1.0), (-0.8, -0.6)),
    # P < .001 at week 9 is simulated as P = .0004 (an assumption within the reported bound).
    OutcomeSpec("depression", "Depression (BDI-II, 0-63)", 0, 63, 1,
                27, 11, 0.6, 10.0, (-2.0, -2.5), (-8.82, -7.14),
                p={9: 0.0004, 21: 0.007}),
    OutcomeSpec("anxiety", "Anxiety (STAI-state, 20-80)", 20, 80, 1,
                46, 11, 0.55, 11.0, (-1.5, -1.5), (-8.41, -2.5), p={9: 0.003}),
    OutcomeSpec("stress", "Perceived stress (NIH Toolbox T-score)", 20, 80, 0.1,
                58, 8.5, 0.6, 7.0, (-1.0, -1.0), (-4.2, -1.2)),
    OutcomeSpec("ptsd", "Post-traumatic stress (PCL-C, 17-85)", 17, 85, 1,
                44, 14, 0.65, 10.5, (-1.5, -2.0), (-6.0, -1.8)),
    OutcomeSpec("sleep", "Sleep problems (MOS Sleep Problems Index II, 0-100)", 0, 100, 0.1,
                52, 17, 0.6, 13.0, (-2.0, -2.0), (-8.0, -2.5)),
    OutcomeSpec("wellbeing", "Well-being (WHO-5 percentage, 0-100)", 0, 100, 4,
                36, 18, 0.55, 15.0, (2.0, 2.0), (9.0, 3.0)),
)

SUBJECT_LABELS = {
    "participant_id": "Participant ID (SYNTHETIC data)",
    "arm": "Randomised arm",
    "age": "Age at randomisation, years",
    "gender": "Gender",
    "pain_duration_years": "Duration of chronic pain, years",
    "pain_neuropathic": "Pain type: neuropathic (1 = yes)",
    "pain_low_back": "Pain type: low back (1 = yes)",
    "pain_arthritis": "Pain type: arthritis (1 = yes)",
    "received_intervention": "Started the DBT intervention (1 = yes; control: 0)",
    "not_received_reason": "Reason the DBT intervention was not started",
    "sessions_attended": "DBT group sessions attended (of 8; blank in control arm)",
    "app_modules_completed": "DBT app modules completed (of 8; blank in control arm)",
    "discontinued_intervention": "Discontinued the DBT intervention (1 = yes)",
    "discontinuation_reason": "Reason for discontinuing the DBT intervention",
    "discontinuation_first_visit": "First assessment week affected by discontinuing DBT "
    "(intercurrent event)",
    "withdrew": "Withdrew from the study or lost to follow-up (1 = yes)",
    "withdrawal_reason": "Reason for withdrawal",
    "withdrawal_before_week": "First scheduled week missed because of withdrawal",
}

# Follow-up pattern codes: C complete, W withdrew before week 9, D withdrew after week 9,
# I intermittent (missed week 9, assessed at week 21).
_CONTROL_PATTERNS = ["W"] * 3 + ["D"] * 4 + ["I"] + ["C"] * 36
# DBT arm: 3 never started, 8 started but attended < 7 sessions, 34 attended >= 7.
_DBT_SESSIONS_LOW = [0, 0, 0, 6, 6, 5, 4, 3, 2, 2, 1]
_DBT_PATTERNS = ["W", "W", "C", "C", "C", "I", "D", "D", "W", "W", "W"] + ["D"] * 3 + ["C"] * 31
_NOT_STARTED = ["Unable to attend session times", "Health problems", "No longer interested"]
_DISCONTINUED = ["Time commitment", "Time commitment", "Health problems", "Health problems",
                 "Lost interest", "Found sessions unhelpful"]
_WITHDRAWAL = (["Lost to follow-up"] * 9 + ["Withdrew consent"] * 4
               + ["Health problems unrelated to study"] * 2 + ["Too busy"] * 2)
# fmt: on


def _standardise_within(x: np.ndarray, mean: float, sd: float, lo: float, hi: float) -> np.ndarray:
    """Rescale ``x`` to sample mean ``mean`` and SD (ddof=1) ``sd`` with all values in [lo, hi].

    Alternates exact standardisation and clipping until no value is clipped.
    """
    for _ in range(100):
        x = mean + sd * (x - x.mean()) / x.std(ddof=1)
        if x.min() >= lo and x.max() <= hi:
            return x
        x = np.clip(x, lo, hi)
    raise ValueError("cannot reach the requested mean and SD within the bounds")


def _scale_within(x: np.ndarray, mean: float, upper: np.ndarray) -> np.ndarray:
    """Rescale positive ``x`` to sample mean ``mean`` keeping every value <= ``upper``."""
    for _ in range(100):
        x = x * mean / x.mean()
        if np.all(x <= upper):
            return x
        x = np.minimum(x, upper)
    raise ValueError("cannot reach the requested mean below the bounds")


def _exact_flags(rng: np.random.Generator, n: int, count: int) -> np.ndarray:
    """0/1 vector with exactly ``count`` ones in random positions."""
    return rng.permutation(np.repeat([1, 0], [count, n - count]))


def _subjects(rng: np.random.Generator) -> pd.DataFrame:
    """Subject-level table: arm, baseline characteristics, adherence and disposition."""
    arm = rng.permutation(np.repeat([1, 2], [N_PER_ARM[1], N_PER_ARM[2]]))
    n = arm.size
    z = np.clip(rng.standard_normal(n), -2.2, 2.2)
    age = np.round(_standardise_within(z, 51.5, 14.2, 18.5, 84.5), 1)
    share = np.clip(rng.beta(2.0, 2.6, n), 0.03, 0.9) * (age - 15.0)
    duration = np.round(_scale_within(share, 15.9, 0.9 * (age - 15.0)), 1)
    dbt, ctl = np.flatnonzero(arm == 1), np.flatnonzero(arm == 2)
    sessions = np.full(n, np.nan)
    n_high = N_PER_ARM[1] - len(_DBT_SESSIONS_LOW)
    high = rng.choice([7, 8], size=n_high, p=[0.4, 0.6])
    order = rng.permutation(N_PER_ARM[1])
    sessions[dbt[order]] = np.concatenate([_DBT_SESSIONS_LOW, high])
    pattern = np.empty(n, dtype=object)
    pattern[dbt[order]] = _DBT_PATTERNS
    pattern[ctl] = rng.permutation(_CONTROL_PATTERNS)
    received = np.where(arm == 1, (sessions > 0).astype(int), 0)
    modules = np.where(received == 1, np.clip(sessions + rng.integers(-1, 2, n), 0, 8), 0.0)
    modules[arm == 2] = np.nan
    discontinued = ((received == 1) & (sessions <= 5)).astype(int)
    withdrew = np.isin(pattern, ["W", "D"]).astype(int)
    return pd.DataFrame(
        {
            "participant_id": [f"P{i:03d}" for i in range(1, n + 1)],
            "arm": arm,
            "age": age,
            "gender": np.where(_exact_flags(rng, n, 74) == 1, 1, 2),
            "pain_duration_years": duration,
            "pain_neuropathic": _exact_flags(rng, n, 48),
            "pain_low_back": _exact_flags(rng, n, 39),
            "pain_arthritis": _exact_flags(rng, n, 33),
            "received_intervention": received,
            "not_received_reason": _reasons(rng, (arm == 1) & (received == 0), _NOT_STARTED),
            "sessions_attended": sessions,
            "app_modules_completed": modules,
            "discontinued_intervention": discontinued,
            "discontinuation_reason": _reasons(rng, discontinued == 1, _DISCONTINUED),
            # the 8 weekly sessions end before week 9: every discontinuation affects week 9 on
            "discontinuation_first_visit": np.where(discontinued == 1, 9.0, np.nan),
            "withdrew": withdrew,
            "withdrawal_reason": _reasons(rng, withdrew == 1, _WITHDRAWAL),
            "withdrawal_before_week": np.select(
                [pattern == "W", pattern == "D"], [9.0, 21.0], np.nan
            ),
            "_pattern": pattern,
        }
    )


def _reasons(rng: np.random.Generator, mask: np.ndarray, pool: list[str]) -> np.ndarray:
    """Text column: the reasons in ``pool`` (one each, shuffled) where ``mask``, else ''."""
    if mask.sum() != len(pool):
        raise ValueError(f"{mask.sum()} subjects need a reason but the pool has {len(pool)}")
    out = np.full(mask.size, "", dtype=object)
    out[mask] = rng.permutation(np.array(pool, dtype=object))
    return out


def ancova(y: np.ndarray, y0: np.ndarray, treat: np.ndarray) -> tuple[float, float, float]:
    """Complete-case ANCOVA ``y ~ treat + y0`` (statsmodels OLS).

    Returns the treatment coefficient (treatment - control), its standard error and the
    residual degrees of freedom.
    """
    fit = sm.OLS(y, np.column_stack([np.ones_like(y0), treat, y0])).fit()
    return float(fit.params[1]), float(fit.bse[1]), float(fit.df_resid)


def _calibrated_shift(
    spec: OutcomeSpec, latent: np.ndarray, y0: np.ndarray, treat: np.ndarray, target: float
) -> float:
    """Shift of the treatment arm making the rounded, clipped ANCOVA difference ~ ``target``.

    The difference is a non-decreasing step function of the shift, so bisection converges to
    the step closest to the target.
    """

    def diff(shift: float) -> float:
        return ancova(spec.to_scale(latent + shift * treat), y0, treat)[0]

    lo, hi = -(spec.hi - spec.lo), spec.hi - spec.lo
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if diff(mid) < target else (lo, mid)
    return lo if abs(diff(lo) - target) <= abs(diff(hi) - target) else hi


def _simulate_outcome(
    spec: OutcomeSpec, rng: np.random.Generator, treat: np.ndarray, present: np.ndarray
) -> np.ndarray:
    """Scores (subjects x weeks 0/9/21; NaN where not assessed) for one outcome."""
    n = treat.size
    y0 = spec.to_scale(rng.normal(spec.mean0, spec.sd0, n), baseline=True)
    z = rng.multivariate_normal([0.0, 0.0], [[1.0, RHO_E], [RHO_E, 1.0]], size=n)
    scores = np.full((n, len(WEEKS)), np.nan)
    scores[:, 0] = y0
    for j in range(len(WEEKS) - 1):
        done = present[:, j]
        x = np.column_stack([np.ones(done.sum()), treat[done], y0[done]])
        e = z[done, j] - x @ np.linalg.lstsq(x, z[done, j], rcond=None)[0]
        df = done.sum() - x.shape[1]
        se = spec.target_se(j, df)
        sigma = spec.sigma if se is None else se / np.sqrt(np.linalg.inv(x.T @ x)[1, 1])
        e *= sigma / np.sqrt(e @ e / df)
        base = spec.mean0 + spec.drift[j] + spec.beta * (y0[done] - spec.mean0) + e
        latent = base + spec.effect[j] * treat[done]
        shift = _calibrated_shift(spec, latent, y0[done], treat[done], spec.effect[j])
        scores[done, j + 1] = spec.to_scale(latent + shift * treat[done])
    return scores


def generate(seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate the trial.

    Returns
    -------
    long_df
        Exactly what ``dbt_trial_long.csv`` holds: one row per subject x visit, arm as text,
        missed visits blank, with some withdrawn subjects' post-withdrawal rows absent.
    wide_df
        Exactly what ``dbt_trial_wide.sav`` holds: one row per subject, arm and gender as
        numeric codes, outcomes ``<name>_<week>``; missed assessments of subjects lost to
        follow-up or with an intermittent miss hold the user-missing code -99.
    """
    rng = np.random.default_rng(seed)
    subj = _subjects(rng)
    pattern = subj.pop("_pattern").to_numpy()
    treat = (subj["arm"].to_numpy() == 1).astype(float)
    present = np.column_stack([~np.isin(pattern, ["W", "I"]), ~np.isin(pattern, ["W", "D"])])
    scores = {s.name: _simulate_outcome(s, rng, treat, present) for s in OUTCOMES}

    n = len(subj)
    grid = pd.DataFrame(
        {
            "participant_id": np.repeat(subj["participant_id"].to_numpy(), len(WEEKS)),
            "arm": np.repeat(subj["arm"].map(ARM_LABELS).to_numpy(), len(WEEKS)),
            "week": np.tile(WEEKS, n),
        }
    )
    for name, values in scores.items():
        grid[name] = values.reshape(-1)
    shared = subj.drop(columns=["participant_id", "arm"]).assign(
        gender=subj["gender"].map(GENDER_LABELS)
    )
    long_df = pd.concat(
        [grid, shared.loc[shared.index.repeat(len(WEEKS))].reset_index(drop=True)], axis=1
    )
    # Drop the post-withdrawal rows of every other withdrawn subject (absent-row situation).
    withdrawn_rank = (subj["withdrew"].cumsum() * subj["withdrew"]).to_numpy()
    drop_subject = np.repeat((withdrawn_rank % 2 == 1), len(WEEKS))
    after = long_df["week"].to_numpy() >= np.repeat(
        subj["withdrawal_before_week"].fillna(np.inf).to_numpy(), len(WEEKS)
    )
    long_df = long_df.loc[~(drop_subject & after)].reset_index(drop=True)
    counts = [
        "sessions_attended",
        "app_modules_completed",
        "withdrawal_before_week",
        "discontinuation_first_visit",
    ]
    int_cols = [s.name for s in OUTCOMES if s.step >= 1] + counts
    long_df[int_cols] = long_df[int_cols].astype("Int64")

    wide_df = subj.copy()
    user_missing = np.isin(pattern, ["I"]) | (subj["withdrawal_reason"] == "Lost to follow-up")
    for name, values in scores.items():
        for j, week in enumerate(WEEKS):
            col = values[:, j].copy()
            col[np.isnan(col) & user_missing.to_numpy()] = USER_MISSING
            wide_df[f"{name}_{week}"] = col
    return long_df, wide_df


def wide_outcome_columns() -> list[str]:
    """Names of the wide outcome columns, ``<name>_<week>`` in outcome then week order."""
    return [f"{s.name}_{w}" for s in OUTCOMES for w in WEEKS]


def write_outputs(long_df: pd.DataFrame, wide_df: pd.DataFrame, directory: Path = HERE) -> None:
    """Write the long CSV and the wide SPSS file (with labels and user-missing codes)."""
    long_df.to_csv(directory / LONG_CSV, index=False)
    labels = dict(SUBJECT_LABELS)
    by_name = {s.name: s for s in OUTCOMES}
    for col in wide_outcome_columns():
        name, week = col.rsplit("_", 1)
        labels[col] = f"{by_name[name].label}, week {week}"
    outcome_cols = wide_outcome_columns()
    value_labels: dict[str, dict[float, str]] = {
        "arm": {float(k): v for k, v in ARM_LABELS.items()},
        "gender": {float(k): v for k, v in GENDER_LABELS.items()},
    }
    value_labels.update({c: {USER_MISSING: "Assessment not completed"} for c in outcome_cols})
    pyreadstat.write_sav(
        wide_df.astype({c: "object" for c in wide_df.columns if wide_df[c].dtype == "str"}),
        directory / WIDE_SAV,
        file_label=FILE_LABEL,
        column_labels=[labels[c] for c in wide_df.columns],
        variable_value_labels=value_labels,
        missing_ranges={c: [USER_MISSING] for c in outcome_cols},
        variable_format=_spss_formats(wide_df),
        variable_measure={c: "nominal" for c in NOMINAL if c in wide_df.columns},
    )


def _spss_formats(wide_df: pd.DataFrame) -> dict[str, str]:
    """SPSS display formats: F8.0 for whole numbers, F8.1 for one-decimal values."""
    formats = {}
    for col in wide_df.columns:
        values = wide_df[col]
        if values.dtype.kind in "fi":
            whole = bool(np.all(np.isnan(values) | (values == np.round(values))))
            formats[col] = "F8.0" if whole else "F8.1"
    return formats


def ancova_summary(long_df: pd.DataFrame) -> pd.DataFrame:
    """Complete-case ANCOVA difference per outcome and post-baseline week, with its 95% CI."""
    rows = []
    wide = long_df.pivot(index="participant_id", columns="week")
    treat = (wide["arm"][0] == ARM_LABELS[1]).to_numpy(dtype=float)
    for spec in OUTCOMES:
        y0 = wide[spec.name][0].to_numpy(dtype=float)
        for j, week in enumerate(WEEKS[1:]):
            y = wide[spec.name][week].to_numpy(dtype=float)
            ok = ~np.isnan(y)
            est, se, df = ancova(y[ok], y0[ok], treat[ok])
            half = stats.t.ppf(0.975, df) * se
            values = (est, se, df, est - half, est + half, 2 * stats.t.sf(abs(est / se), df))
            rows.append((spec.name, week, int(ok.sum()), spec.effect[j], *values))
    columns = ["outcome", "week", "n", "target", "estimate", "std_error", "df"]
    return pd.DataFrame(rows, columns=columns + ["ci_lower", "ci_upper", "p_value"])


def main() -> None:
    long_df, wide_df = generate(SEED)
    write_outputs(long_df, wide_df, HERE)
    print(f"SYNTHETIC data written to {HERE} (seed {SEED})")
    print(ancova_summary(long_df).round(3).to_string(index=False))


if __name__ == "__main__":
    main()
