"""Adherence to the intervention, per arm (the plan's ``[adherence]`` section).

For each arm with any recorded value in ``adherence.column`` (usually only the
intervention arm):

* the distribution of sessions attended, 0..``sessions``, with mean (SD, ``n - 1``) and
  median over subjects with a recorded value;
* **started** = attended at least one session;
* **adherent** = attended at least ``threshold`` sessions. Its percentage is given over both
  denominators, the randomised subjects of the arm and those who started; the plan's
  ``denominator`` picks the headline. A missing count is neither started nor adherent and is
  reported in ``n_missing``;
* each ``extra`` exposure measure: n, mean (SD) and median.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from trialkit.core.errors import DataError, PlanError
from trialkit.data.trial import Trial, arm_label, arm_order
from trialkit.summaries.assessment import numbers, subject_arms


@dataclass(frozen=True)
class ExposureSummary:
    """A further exposure measure in one arm."""

    name: str
    label: str
    n: int
    n_missing: int
    mean: float
    sd: float
    median: float


@dataclass(frozen=True)
class ArmAdherence:
    """Adherence in one arm. Counts are ints, percentages floats (0-100)."""

    arm: str
    label: str
    n_randomised: int
    n_recorded: int
    n_missing: int
    n_started: int
    n_adherent: int
    distribution: tuple[tuple[int, int], ...]
    mean: float
    sd: float
    median: float
    percent_of_randomised: float
    percent_of_started: float
    denominator: str
    extra: tuple[ExposureSummary, ...]

    @property
    def headline_denominator(self) -> int:
        """The plan's denominator: randomised or started subjects of the arm."""
        return self.n_started if self.denominator == "started" else self.n_randomised

    @property
    def headline_percent(self) -> float:
        return (
            self.percent_of_started
            if self.denominator == "started"
            else (self.percent_of_randomised)
        )


@dataclass(frozen=True)
class AdherenceSummary:
    """Adherence for every arm that records sessions."""

    label: str
    sessions: int
    threshold: int
    denominator: str
    arms: tuple[ArmAdherence, ...]

    def arm(self, arm: str) -> ArmAdherence:
        for a in self.arms:
            if a.arm == arm:
                return a
        raise KeyError(arm)

    def to_frame(self) -> pd.DataFrame:
        """One row per arm: counts, mean/sd/median and both percentages."""
        keep = [f for f in ArmAdherence.__dataclass_fields__ if f not in ("distribution", "extra")]
        return pd.DataFrame([{k: getattr(a, k) for k in keep} for a in self.arms], columns=keep)

    def distribution_frame(self) -> pd.DataFrame:
        """``arm, sessions, n, percent`` (percent of subjects with a recorded count)."""
        rows = [
            (a.arm, k, n, 100.0 * n / a.n_recorded if a.n_recorded else math.nan)
            for a in self.arms
            for k, n in a.distribution
        ]
        return pd.DataFrame(rows, columns=["arm", "sessions", "n", "percent"])

    def extra_frame(self) -> pd.DataFrame:
        """``arm, name, label, n, n_missing, mean, sd, median`` per extra measure."""
        cols = ["arm", *ExposureSummary.__dataclass_fields__]
        rows = [{"arm": a.arm} | e.__dict__ for a in self.arms for e in a.extra]
        return pd.DataFrame(rows, columns=cols)


def _numeric(trial: Trial, column: str) -> pd.Series:
    if column not in trial.subjects.columns:
        raise PlanError(f"The plan's [adherence] names column '{column}', absent from the data.")
    return numbers(trial.subjects[column], column)


def adherence_summary(trial: Trial) -> AdherenceSummary:
    """Summarise adherence as the plan's ``[adherence]`` section says.

    Returns
    -------
    AdherenceSummary
        Arms in (control, treatment) order, keeping those with a recorded session count.

    Notes
    -----
    ``percent = 100 * n_adherent / denominator``. Validated against hand counts and the
    sample generator's 34/42 (tests/test_summaries_*.py).
    """
    spec = trial.plan.adherence
    if spec is None:
        raise PlanError("The plan has no [adherence] section.")
    sessions = _numeric(trial, spec.column)
    out_of_range = sessions.notna() & (
        (sessions < 0) | (sessions > spec.sessions) | (sessions != np.round(sessions))
    )
    if out_of_range.any():
        who = sessions.index[out_of_range.to_numpy()][0]
        raise DataError(
            f"Column '{spec.column}', subject {who}: {sessions[who]:g} is not a whole number "
            f"of sessions between 0 and {spec.sessions}."
        )
    arm = subject_arms(trial)
    arms = [a for a in arm_order(trial) if sessions[arm == a].notna().any()]
    extras = {c: _numeric(trial, c) for c in spec.extra}
    frame = pd.DataFrame({"arm": arm, "s": sessions})
    g = frame.groupby("arm", sort=False)["s"]
    stats = pd.DataFrame(
        {
            "size": g.size(),
            "n": g.count(),
            "mean": g.mean(),
            "sd": g.std(ddof=1),
            "median": g.median(),
            "started": frame["s"].ge(1).groupby(frame["arm"]).sum(),
            "adherent": frame["s"].ge(spec.threshold).groupby(frame["arm"]).sum(),
        }
    )
    dist = pd.crosstab(frame["arm"], frame["s"]).reindex(
        columns=np.arange(spec.sessions + 1, dtype=float), fill_value=0
    )

    def pct(num: int, den: int) -> float:
        return 100.0 * num / den if den else math.nan

    def exposure(a: str) -> tuple[ExposureSummary, ...]:
        result = []
        for c, v in extras.items():
            x = v[arm == a]
            result.append(
                ExposureSummary(
                    c,
                    trial.label(c),
                    int(x.count()),
                    int(x.isna().sum()),
                    float(x.mean()),
                    float(x.std(ddof=1)),
                    float(x.median()),
                )
            )
        return tuple(result)

    summaries = []
    for a in arms:
        r = stats.loc[a]
        started, adherent = int(r["started"]), int(r["adherent"])
        summaries.append(
            ArmAdherence(
                arm=a,
                label=arm_label(trial, a),
                n_randomised=int(r["size"]),
                n_recorded=int(r["n"]),
                n_missing=int(r["size"] - r["n"]),
                n_started=started,
                n_adherent=adherent,
                distribution=tuple((int(k), int(n)) for k, n in dist.loc[a].items()),
                mean=float(r["mean"]),
                sd=float(r["sd"]),
                median=float(r["median"]),
                percent_of_randomised=pct(adherent, int(r["size"])),
                percent_of_started=pct(adherent, started),
                denominator=spec.denominator,
                extra=exposure(a),
            )
        )
    return AdherenceSummary(
        spec.label, spec.sessions, spec.threshold, spec.denominator, tuple(summaries)
    )
