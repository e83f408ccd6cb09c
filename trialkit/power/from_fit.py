"""Power inputs read from a fitted MMRM, as longpower's ``gls`` examples do.

From an :class:`~trialkit.models.mmrm.MMRMResult`: the visit correlation matrix (per arm when
the fit had a covariance per arm), the SD at the final visit (square root of the fitted
variance there) and the observed retention per arm and visit
(:func:`trialkit.models.retention.observed_retention`).

Validated against: R nlme::gls on fev_data with longpower 1.0.27 ``power.mmrm``
(tests/reference/longpower/from_fit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from trialkit.power.inputs import PowerInputError


@dataclass(frozen=True)
class FitInputs:
    """Correlation, final-visit SD and retention, for the treatment and control arms."""

    correlation: np.ndarray
    correlation_control: np.ndarray
    sd: float
    sd_control: float
    retention: np.ndarray
    retention_control: np.ndarray
    visits: tuple[str, ...]


def _split(cov: np.ndarray) -> tuple[np.ndarray, float]:
    sd = np.sqrt(np.diag(cov))
    return cov / np.outer(sd, sd), float(sd[-1])


def inputs_from_fit(fit: object, treatment: str | None = None) -> FitInputs:
    """Read correlation, SD at the final visit and observed retention from ``fit``.

    ``treatment`` names the arm compared with the control (the fit's first arm); default the
    fit's second arm. A trial with more arms gives one comparison at a time.
    """
    cov = getattr(fit, "covariance_matrix", None)
    fitted = getattr(fit, "arms", None)
    if cov is None or fitted is None:
        raise PowerInputError("from_fit needs a fitted MMRM (trialkit.fit_mmrm result).")
    if treatment is not None and str(treatment) not in fitted[1:]:
        raise PowerInputError(
            f"Arm '{treatment}' is not a treatment arm of the fitted MMRM "
            f"(treatment arms: {', '.join(map(str, fitted[1:]))})."
        )
    arms = (fitted[0], str(treatment) if treatment is not None else fitted[1])
    if isinstance(cov, dict):
        corr_b, sd_b = _split(np.asarray(cov[arms[0]], dtype=float))
        corr_a, sd_a = _split(np.asarray(cov[arms[1]], dtype=float))
    else:
        corr_a, sd_a = _split(np.asarray(cov, dtype=float))
        corr_b, sd_b = corr_a, sd_a
    table = getattr(fit, "retention", None)
    if not isinstance(table, pd.DataFrame):
        raise PowerInputError("The fitted MMRM does not carry its observed retention.")
    ret = {a: table.loc[table["arm"] == a, "retention"].to_numpy(dtype=float) for a in arms}
    return FitInputs(
        correlation=corr_a,
        correlation_control=corr_b,
        sd=sd_a,
        sd_control=sd_b,
        retention=ret[arms[1]],
        retention_control=ret[arms[0]],
        visits=tuple(fit.visits),
    )
