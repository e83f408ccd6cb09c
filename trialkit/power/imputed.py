r"""Analyse one simulated trial with reference-based imputation of the values after dropout.

Each subject who dropped out of the simulated trial (``SimulatedTrial.left_at``) has an
intercurrent event at the visit where they left, handled under ``analysis.assumption``
(jump to reference, copy reference, copy increments from reference, last mean carried
forward, or MAR; the reference of both arms is the control arm); intermittent misses are
imputed under MAR. The trial then goes through :func:`trialkit.impute_and_analyse`
(conditional mean imputation with jackknife or bootstrap SEs, or approximate Bayesian
multiple imputation with Rubin's rules), adjusted for baseline x visit when the scenario has
a baseline, and the final-visit difference is kept.

For jump to reference with MCAR dropout the expected estimate is
:math:`r_T\,\delta`, with :math:`r_T` the treatment arm's retention at the final visit: a
dropout's conditional mean :math:`\mu_{C,t} + \Sigma_{to}\Sigma_{oo}^{-1}(y_o - \mu_{T,o})`
has expectation :math:`\mu_{C,t}`.

Validated against: that expectation (tests/test_power_imputed.py); the imputation itself is
validated against rbmi (tests/test_imputation_rbmi.py).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from trialkit.errors import TrialkitError
from trialkit.power.fitting import Analysis, failed_row
from trialkit.power.scenario import FRAME_ROLES, SimulatedTrial


def dropout_events(trial: SimulatedTrial, strategy: str) -> pd.DataFrame:
    """``id, visit, strategy``: one event per subject who dropped out, at the visit left."""
    labels = np.asarray(trial.visit_labels, dtype=object)
    left = np.flatnonzero(trial.left_at < labels.size)
    return pd.DataFrame({"id": left, "visit": labels[trial.left_at[left]], "strategy": strategy})


def analyse_imputed(
    trial: SimulatedTrial, analysis: Analysis, seed: np.random.SeedSequence | None
) -> np.ndarray:
    """One row of :data:`~trialkit.power.fitting.RESULT_FIELDS` (failed row on an error)."""
    from trialkit.imputation import impute_and_analyse

    n_sub = int(trial.arm.size)  # every randomised subject is analysed (imputed)
    n_obs = int(trial.observed.sum())
    base = [] if trial.baseline is None else ["base"]
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")  # e.g. "no missing values": the row says so
            res = impute_and_analyse(
                trial.to_frame(),
                **FRAME_ROLES,
                visit_covariates=base,
                events=dropout_events(trial, str(analysis.assumption)),
                method=analysis.imputation,
                resampling=analysis.resampling,
                n_samples=analysis.n_samples,
                seed=seed,
                analysis=analysis.method,
                alpha=analysis.alpha,
                n_jobs=1,
            )
    except (TrialkitError, np.linalg.LinAlgError, ValueError, FloatingPointError):
        return failed_row(n_sub, n_obs)
    row = res.differences.iloc[-1]
    stats = [row[c] for c in ("estimate", "std_error", "df", "ci_lower", "ci_upper", "p_value")]
    if not np.all(np.isfinite(stats[:2])):
        return failed_row(n_sub, n_obs)
    return np.array([*map(float, stats), 1.0, 0.0, n_sub, n_obs])
