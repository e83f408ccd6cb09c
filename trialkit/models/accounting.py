"""Who each analysis used, and why the others were left out."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from trialkit.core.results import ReadOnlyResult


@dataclass(frozen=True, repr=False)
class SampleAccounting(ReadOnlyResult):
    """Subjects and observations an analysis used, by arm, and the exclusions with reasons.

    ``excluded`` has columns ``subject, arm, reason`` (one row per excluded subject).
    Every randomised subject is either counted in ``n_subjects`` or listed in ``excluded``.
    """

    n_subjects: dict[str, int]
    n_observations: dict[str, int]
    excluded: pd.DataFrame

    _headline = ("total_subjects", "total_observations")

    def summary_frame(self) -> pd.DataFrame:
        """The excluded subjects with their reasons."""
        return self.excluded

    @property
    def total_subjects(self) -> int:
        return int(sum(self.n_subjects.values()))

    @property
    def total_observations(self) -> int:
        return int(sum(self.n_observations.values()))
