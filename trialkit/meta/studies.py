"""Checking a study-level table and turning it into effects ``yi`` with variances ``vi``.

Accepted layouts (one row per study; column names are exact, lower case):

* two arms: ``study, n1, m1, sd1, n2, m2, sd2`` (arm 1 = treatment) for ``MD`` / ``SMD``;
* pre-post, one group: ``study, n, m_pre, sd_pre, m_post[, sd_post][, r]`` for ``SMCR`` /
  ``SMCC`` (``sd_post`` is needed for SMCC; an empty or absent ``r`` takes the assumed
  correlation, and the column ``r_assumed`` of the result says which studies did);
* precomputed (generic inverse variance): ``study, yi`` plus ``se`` or ``vi`` or
  ``ci_lower, ci_upper`` (a 95% CI); ``n1, n2`` are optional and only shown.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trialkit.core.errors import DataError
from trialkit.meta import effects

__all__ = ["MEASURES", "ARM_COLUMNS", "PREPOST_COLUMNS", "compute_effects", "row_location"]

MEASURES = ("MD", "SMD", "SMCR", "SMCC", "GEN")
ARM_COLUMNS = ("n1", "m1", "sd1", "n2", "m2", "sd2")
PREPOST_COLUMNS = ("n", "m_pre", "sd_pre", "m_post")
_POSITIVE = ("sd1", "sd2", "sd_pre", "sd_post", "se", "vi")
_SIZES = ("n1", "n2", "n")


def row_location(source: str, index, row_offset: int) -> str:
    """``row N of SOURCE``: the file row when ``row_offset`` is set, else the index label."""
    if row_offset:
        return f"row {int(index) + row_offset} of {source}"
    return f"row {index!r} of {source}"


def _numeric(df: pd.DataFrame, cols: list[str], source: str, row_offset: int) -> pd.DataFrame:
    out = {}
    for col in cols:
        raw = df[col]
        values = pd.to_numeric(raw, errors="coerce")
        bad = values.isna() & raw.notna()
        if bad.any():
            i = bad.to_numpy().nonzero()[0][0]
            raise DataError(
                f"Column '{col}' in {row_location(source, df.index[i], row_offset)} holds "
                f"{str(raw.iloc[i])!r}, which is not a number."
            )
        if values.isna().any():
            i = values.isna().to_numpy().nonzero()[0][0]
            raise DataError(
                f"Column '{col}' is empty in {row_location(source, df.index[i], row_offset)}; "
                "every study needs a value."
            )
        out[col] = values.to_numpy(dtype=float)
    result = pd.DataFrame(out, index=df.index)
    for col in cols:
        v = result[col].to_numpy()
        if col in _POSITIVE and (v <= 0).any():
            i = (v <= 0).nonzero()[0][0]
            raise DataError(
                f"Column '{col}' must be positive but is {v[i]:g} in "
                f"{row_location(source, df.index[i], row_offset)}."
            )
        if col in _SIZES and (v < 2).any():
            i = (v < 2).nonzero()[0][0]
            raise DataError(
                f"Column '{col}' must be at least 2 but is {v[i]:g} in "
                f"{row_location(source, df.index[i], row_offset)}."
            )
        if col == "r" and (np.abs(v) >= 1).any():
            i = (np.abs(v) >= 1).nonzero()[0][0]
            raise DataError(
                f"Column 'r' must lie strictly between -1 and 1 but is {v[i]:g} in "
                f"{row_location(source, df.index[i], row_offset)}."
            )
    return result


def _require(df: pd.DataFrame, cols, measure: str, source: str, layout: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise DataError(
            f"{source} lacks column(s) {', '.join(repr(c) for c in missing)} needed for "
            f"measure {measure}; expected {layout}."
        )


def _layout(df: pd.DataFrame, measure: str) -> str:
    if measure in ("MD", "SMD") and all(c in df.columns for c in ARM_COLUMNS):
        return "arms"
    if measure in ("SMCR", "SMCC") and all(c in df.columns for c in PREPOST_COLUMNS):
        return "prepost"
    if "yi" in df.columns:
        return "generic"
    return {"MD": "arms", "SMD": "arms", "SMCR": "prepost", "SMCC": "prepost"}.get(
        measure, "generic"
    )


#: Effects and variances beyond these magnitudes overflow the weighted sums of squares.
MAX_MAGNITUDE = 1e100


def _check_magnitudes(
    study: pd.Series, yi: np.ndarray, vi: np.ndarray, source: str, row_offset: int
) -> None:
    """Every effect finite with ``|yi| <= 1e100`` and variance in ``[1e-100, 1e100]``."""
    with np.errstate(all="ignore"):
        bad = ~(
            np.isfinite(yi)
            & np.isfinite(vi)
            & (np.abs(yi) <= MAX_MAGNITUDE)
            & (vi >= 1 / MAX_MAGNITUDE)
            & (vi <= MAX_MAGNITUDE)
        )
    if bad.any():
        i = int(bad.nonzero()[0][0])
        where = row_location(source, study.index[i], row_offset)
        raise DataError(
            f"Study {study.iloc[i]!r} in {where} has effect {yi[i]:.3g} with variance "
            f"{vi[i]:.3g}; values this extreme (beyond 1e100, or a variance below 1e-100) "
            "cannot be pooled in double precision: check the file's units."
        )


def compute_effects(
    studies: pd.DataFrame,
    measure: str = "SMD",
    smd_variance: str = "metafor",
    prepost_r: float = 0.5,
    source: str = "the study table",
    row_offset: int = 0,
) -> pd.DataFrame:
    """Validate a study table and compute one effect per row.

    Returns a DataFrame with ``study, yi, vi`` followed by the input columns that were used
    (``n1, n2`` and arm summaries when given). Raises :class:`DataError` with one sentence
    naming the column and row for missing columns, non-numeric or empty cells, SD/SE <= 0,
    n < 2 and |r| >= 1.
    """
    if measure not in MEASURES:
        raise DataError(f"Measure must be one of {', '.join(MEASURES)}, not {measure!r}.")
    if smd_variance not in effects.SMD_VARIANCES:
        raise DataError(
            f"SMD variance must be one of {', '.join(effects.SMD_VARIANCES)}, not {smd_variance!r}."
        )
    if not -1 < prepost_r < 1:
        raise DataError(f"The assumed pre-post correlation must lie in (-1, 1), not {prepost_r}.")
    if "study" not in studies.columns:
        raise DataError(f"{source} lacks the column 'study' naming each study.")
    if len(studies) == 0:
        raise DataError(f"{source} holds no studies.")
    names = studies["study"].astype("string")
    if names.isna().any():
        i = names.isna().to_numpy().nonzero()[0][0]
        raise DataError(
            f"Column 'study' is empty in {row_location(source, studies.index[i], row_offset)}."
        )
    layout = _layout(studies, measure)
    out = pd.DataFrame({"study": names.to_numpy(dtype=object)}, index=studies.index)
    if layout == "arms":
        _require(studies, ARM_COLUMNS, measure, source, "study, n1, m1, sd1, n2, m2, sd2")
        a = _numeric(studies, list(ARM_COLUMNS), source, row_offset)
        args = [a[c].to_numpy() for c in ARM_COLUMNS]
        if measure == "MD":
            yi, vi = effects.mean_difference(*args)
        else:
            yi, vi = effects.standardised_mean_difference(*args, variance=smd_variance)
        extra = a
    elif layout == "prepost":
        need = list(PREPOST_COLUMNS) + (["sd_post"] if measure == "SMCC" else [])
        _require(studies, need, measure, source, "study, n, m_pre, sd_pre, m_post, sd_post[, r]")
        a = _numeric(studies, need, source, row_offset)
        r = np.full(len(a), prepost_r)
        assumed = np.ones(len(a), dtype=bool)
        if "r" in studies.columns:
            given = studies["r"].notna().to_numpy()
            if given.any():
                r[given] = _numeric(studies.loc[given], ["r"], source, row_offset)["r"]
            assumed = ~given
        sd_post = a["sd_post"].to_numpy() if "sd_post" in a else np.full(len(a), np.nan)
        yi, vi = effects.standardised_mean_change(
            a["n"].to_numpy(),
            a["m_pre"].to_numpy(),
            a["sd_pre"].to_numpy(),
            a["m_post"].to_numpy(),
            sd_post,
            r,
            standardiser=measure,
        )
        extra = a.assign(r=r, r_assumed=assumed)
    else:
        layout_text = "study, yi and se (or vi, or ci_lower and ci_upper)"
        _require(studies, ["yi"], measure, source, layout_text)
        if "se" in studies.columns:
            a = _numeric(studies, ["yi", "se"], source, row_offset)
            vi = a["se"].to_numpy() ** 2
        elif "vi" in studies.columns:
            a = _numeric(studies, ["yi", "vi"], source, row_offset)
            vi = a["vi"].to_numpy()
        elif {"ci_lower", "ci_upper"} <= set(studies.columns):
            a = _numeric(studies, ["yi", "ci_lower", "ci_upper"], source, row_offset)
            width = a["ci_upper"].to_numpy() - a["ci_lower"].to_numpy()
            if (width <= 0).any():
                i = (width <= 0).nonzero()[0][0]
                raise DataError(
                    "Column 'ci_upper' must exceed 'ci_lower' in "
                    f"{row_location(source, studies.index[i], row_offset)}."
                )
            vi = effects.generic_from_ci(a["ci_lower"].to_numpy(), a["ci_upper"].to_numpy()) ** 2
        else:
            _require(studies, ["yi", "se"], measure, source, layout_text)
        yi = a["yi"].to_numpy()
        sizes = [c for c in ("n1", "n2") if c in studies.columns]
        extra = _numeric(studies, sizes, source, row_offset) if sizes else a.iloc[:, :0]
    _check_magnitudes(
        out["study"], np.asarray(yi, float), np.asarray(vi, float), source, row_offset
    )
    out["yi"] = yi
    out["vi"] = vi
    for col in extra.columns:
        if col not in out.columns:
            out[col] = extra[col].to_numpy()
    return out.reset_index(drop=True)
