"""One call that runs everything ``trialkit meta`` reports for a study file."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from trialkit.core.errors import DataError
from trialkit.meta.analysis import MetaAnalysisResult, meta_analysis, resolve_options
from trialkit.meta.bias import EggerTest
from trialkit.meta.io import analysis_groups, read_study_file
from trialkit.meta.presets import get_preset
from trialkit.meta.subgroups import SubgroupAnalysis, subgroup_analysis

__all__ = ["MetaItem", "MetaRun", "run_meta", "MIN_K_EGGER"]

#: Egger's test is computed from this many studies on (it is underpowered below 10).
MIN_K_EGGER = 3


@dataclass(frozen=True)
class MetaItem:
    """One analysis (a row of the paper's Table 2) with its diagnostics."""

    label: str
    result: MetaAnalysisResult
    subgroups: SubgroupAnalysis | None
    influence: pd.DataFrame | None
    leave_one_out: pd.DataFrame | None
    egger: tuple[EggerTest, ...]
    sensitivity: MetaAnalysisResult | None
    sensitivity_reason: str
    warning: str = ""


@dataclass(frozen=True)
class MetaRun:
    """All analyses of one study file and the options that produced them."""

    source: str
    measure: str
    method: str
    hksj: bool
    smd_variance: str
    preset: str | None
    preset_description: str
    prepost_r: float
    items: tuple[MetaItem, ...]
    notes: tuple[str, ...] = ()  # how the study file was read (e.g. a repeated column name)


def _item(label, data, subgroup, options, exclude, flag_outliers, source) -> MetaItem:
    if subgroup:
        sub = subgroup_analysis(data, subgroup, **options, source=source, row_offset=2)
        res = sub.overall
    else:
        sub = None
        res = meta_analysis(data, **options, label=label, source=source, row_offset=2)
    res = replace(res, label=label)
    influence = res.influence() if res.k >= 3 else None
    loo = res.leave_one_out() if res.k >= 3 else None
    egger = (res.egger("rma"), res.egger("lm")) if res.k >= MIN_K_EGGER else ()
    drop: list[str] = [str(s) for s in exclude if str(s) in set(res.studies["study"].astype(str))]
    reasons = []
    if drop:
        reasons.append("named by the user: " + ", ".join(drop))
    if flag_outliers and influence is not None:
        flagged = [s for s in influence.loc[influence["outlier"], "study"].astype(str)]
        if flagged:
            reasons.append(
                "flagged as outliers (|studentised residual| > 1.96): " + ", ".join(flagged)
            )
            drop += [s for s in flagged if s not in drop]
    sens = None
    warning = ""
    if drop and res.k - len(drop) >= 1:
        sens = res.without(drop)
    elif drop:
        warning = (
            f"Leaving out {', '.join(drop)} would remove every study of "
            f"{label or 'the analysis'}, so there is no sensitivity analysis."
        )
    return MetaItem(label, res, sub, influence, loo, egger, sens, "; ".join(reasons), warning)


def file_measure(data: pd.DataFrame, measure: str | None, source: str) -> str:
    """The effect measure: the file's ``measure`` column when it has one (the ``analyze
    --effects`` export says ``MD``), else ``measure``, else ``SMD``.

    Raises
    ------
    DataError
        The column holds several measures, or contradicts an explicit ``measure``.
    """
    if "measure" not in data.columns:
        return measure or "SMD"
    found = [str(m).strip() for m in pd.unique(data["measure"].dropna())]
    if len(found) != 1:
        shown = ", ".join(found) if found else "nothing"
        raise DataError(
            f"Column 'measure' of {source} must name one effect measure for every study, "
            f"not {shown}."
        )
    if measure is not None and measure.upper() != found[0].upper():
        raise DataError(
            f"{source} holds {found[0]} effects (column 'measure'), but --measure {measure} "
            "was given; leave --measure out or fix the column."
        )
    return found[0]


def run_meta(
    path: str | Path,
    measure: str | None = None,
    method: str | None = None,
    hksj: bool | None = None,
    smd_variance: str | None = None,
    preset: str | None = None,
    subgroup: str | None = None,
    by: list[str] | None = None,
    exclude=(),
    flag_outliers: bool = False,
    prepost_r: float = 0.5,
    sheet: str | None = None,
) -> MetaRun:
    """Read ``path`` and run one analysis per ``by`` group (see :func:`analysis_groups`).

    Each analysis pools all its studies; studies named in ``exclude`` and, with
    ``flag_outliers``, studies whose studentised deleted residual exceeds 1.96 in absolute
    value are left out of a separate sensitivity analysis (as the ISTDP meta-analysis removed
    two outlying studies).
    """
    f = read_study_file(path, sheet)
    measure = file_measure(f.data, measure, f.source)
    options = resolve_options(measure, method, hksj, smd_variance, preset)
    options.update(preset=preset, prepost_r=prepost_r)
    items = tuple(
        _item(label, data, subgroup, options, exclude, flag_outliers, f.source)
        for label, data in analysis_groups(f.data, by, f.source, subgroup)
    )
    unknown = sorted(
        {str(s) for s in exclude}
        - {str(s) for it in items for s in it.result.studies["study"].astype(str)}
    )
    if unknown:
        raise DataError(
            f"Cannot exclude {', '.join(map(repr, unknown))}: no such study in {f.source}."
        )
    return MetaRun(
        source=f.source,
        measure=options["measure"],
        method=options["method"],
        hksj=options["hksj"],
        smd_variance=options["smd_variance"],
        preset=preset,
        preset_description=get_preset(preset).description if preset else "",
        prepost_r=prepost_r,
        items=items,
        notes=f.notes,
    )
