"""Describe subject-level variables by group: the engine behind Table 1 and the
completer / non-completer comparison.

Continuous variables: n, mean, SD (``n - 1``), median and quartiles (linear interpolation,
R ``quantile`` type 7), and the sample skewness ``g1 = m3 / m2**1.5`` (moment estimator,
e1071 type 1) over all groups pooled. A variable counts as **skewed** when ``|g1| > 1``; a
skewed variable is shown as median [IQR] as well as mean (SD).

Categorical variables: n (%) per level, the percentage over the group's non-missing
values. Multi-select blocks (non-exclusive 0/1 columns): each option n (%) over the group's
non-missing answers to that option. Missing counts are reported for every variable.

Validated against R 4.x ``mean``, ``sd``, ``quantile(type = 7)``, ``e1071::skewness(type = 1)``
and ``table`` (tests/reference/summaries/).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from trialkit.core.errors import DataError
from trialkit.data.values import text_values
from trialkit.specs.comparisons import comparison_label
from trialkit.summaries.assessment import numbers
from trialkit.summaries.comparison import (
    smd_categorical,
    smd_continuous,
    smd_proportions,
    table_p,
    welch_p,
)

Kind = Literal["continuous", "categorical", "multi_select"]
SKEW_THRESHOLD = 1.0


@dataclass(frozen=True)
class VariableSpec:
    """A variable to describe. ``columns`` holds one column, or the options of a block."""

    name: str
    label: str
    kind: Kind
    columns: tuple[str, ...]
    option_labels: tuple[str, ...] = ()
    median_iqr: bool = False


@dataclass(frozen=True)
class DescribedVariable:
    """Per-variable facts: its kind, levels, skewness and whether median [IQR] is shown."""

    name: str
    label: str
    kind: Kind
    levels: tuple[str, ...] = ()
    skewness: float = math.nan
    show_median: bool = False


@dataclass(frozen=True)
class GroupStat:
    """One variable (and level) in one group. Counts are ints, percentages floats.

    Continuous rows fill ``mean, sd, median, q1, q3``; categorical rows fill ``percent``.
    ``n`` is the non-missing count (continuous) or the level count (categorical);
    ``denominator`` the group's non-missing count; ``n_missing`` the group's missing count.
    """

    variable: str
    level: str | None
    group: str
    n: int
    denominator: int
    n_missing: int
    percent: float = math.nan
    mean: float = math.nan
    sd: float = math.nan
    median: float = math.nan
    q1: float = math.nan
    q3: float = math.nan


@dataclass(frozen=True)
class Comparison:
    """Between-group comparison of a variable (``level`` set for multi-select options).

    ``comparison`` is ``"g - r"``: group ``g`` compared with the reference group ``r`` (the
    first group); with more than two groups each group has its own comparisons.
    """

    variable: str
    level: str | None
    smd: float = math.nan
    p_value: float = math.nan
    test: str = "none"
    comparison: str = ""


@dataclass(frozen=True)
class GroupDescription:
    """Variables described by group (the last group may be ``"Overall"``)."""

    groups: tuple[str, ...]
    group_n: dict[str, int]
    variables: tuple[DescribedVariable, ...]
    stats: tuple[GroupStat, ...]
    comparisons: tuple[Comparison, ...] = field(default=())

    def to_frame(self) -> pd.DataFrame:
        """Tidy view: one row per variable x level x group."""
        cols = [f for f in GroupStat.__dataclass_fields__]
        frame = pd.DataFrame([s.__dict__ for s in self.stats], columns=cols)
        labels = {v.name: v.label for v in self.variables}
        kinds = {v.name: v.kind for v in self.variables}
        frame.insert(1, "label", frame["variable"].map(labels))
        frame.insert(2, "kind", frame["variable"].map(kinds))
        return frame

    def comparisons_frame(self) -> pd.DataFrame:
        """Tidy view of the comparisons: ``variable, level, smd, p_value, test``."""
        cols = [f for f in Comparison.__dataclass_fields__]
        return pd.DataFrame([c.__dict__ for c in self.comparisons], columns=cols)

    def stat(self, variable: str, group: str, level: str | None = None) -> GroupStat:
        """The statistic of one variable (and level) in one group."""
        for s in self.stats:
            if s.variable == variable and s.group == group and s.level == level:
                return s
        raise KeyError((variable, group, level))

    def comparison(
        self, variable: str, level: str | None = None, comparison: str | None = None
    ) -> Comparison:
        """A variable's comparison (``comparison`` label, default the first group's)."""
        for c in self.comparisons:
            if c.variable == variable and c.level == level:
                if comparison is None or c.comparison == comparison:
                    return c
        raise KeyError((variable, level, comparison))

    @property
    def comparison_labels(self) -> tuple[str, ...]:
        """The comparisons made, in order (``"group - reference"``)."""
        return tuple(dict.fromkeys(c.comparison for c in self.comparisons))


def sample_skewness(x: np.ndarray) -> float:
    """Moment skewness ``g1 = m3 / m2**1.5`` of the non-missing values (NaN if n < 3)."""
    v = np.asarray(x, dtype=float)
    v = v[~np.isnan(v)]
    if v.size < 3:
        return math.nan
    d = v - v.mean()
    m2 = float(np.mean(d**2))
    if m2 == 0.0:
        return 0.0
    return float(np.mean(d**3) / m2**1.5)


def _level_codes(values: pd.Series) -> pd.Series:
    """Values as a Categorical of text levels: categories in their own order, numeric codes
    in numeric order (``2.0`` shown as ``"2"``), text sorted."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        names = [str(c) for c in values.cat.categories]
        return values.cat.rename_categories(names)
    text = text_values(values)
    uniq = [str(v) for v in text.dropna().unique()]
    numeric = pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)
    names = (
        sorted(uniq, key=float)
        if numeric and not pd.api.types.is_bool_dtype(values)
        else sorted(uniq)
    )
    return pd.Series(pd.Categorical(text, categories=names), index=values.index)


def _continuous(
    spec: VariableSpec, frame: pd.DataFrame, group: pd.Series, order: tuple[str, ...], n_own: int
) -> tuple[DescribedVariable, list[GroupStat], np.ndarray]:
    col = numbers(frame[spec.columns[0]], spec.columns[0])
    grouped = col.groupby(group, sort=False)
    agg = pd.DataFrame(
        {
            "n": grouped.count(),
            "size": grouped.size(),
            "mean": grouped.mean(),
            "sd": grouped.std(ddof=1),
            "median": grouped.median(),
            "q1": grouped.quantile(0.25),
            "q3": grouped.quantile(0.75),
        }
    ).reindex(list(order))
    agg[["n", "size"]] = agg[["n", "size"]].fillna(0)
    skew = sample_skewness(col.to_numpy()[:n_own])
    show = spec.median_iqr or (not math.isnan(skew) and abs(skew) > SKEW_THRESHOLD)
    out = [
        GroupStat(
            variable=spec.name,
            level=None,
            group=g,
            n=int(r.n),
            denominator=int(r.n),
            n_missing=int(r.size - r.n),
            mean=float(r.mean),
            sd=float(r.sd),
            median=float(r.median),
            q1=float(r.q1),
            q3=float(r.q3),
        )
        for g, r in zip(order, agg.itertuples(), strict=True)
    ]
    var = DescribedVariable(spec.name, spec.label, "continuous", (), skew, show)
    return var, out, col.to_numpy()


def _categorical(
    spec: VariableSpec, frame: pd.DataFrame, group: pd.Series, order: tuple[str, ...]
) -> tuple[DescribedVariable, list[GroupStat], pd.DataFrame]:
    values = frame[spec.columns[0]]
    codes = _level_codes(values)
    names = list(codes.cat.categories)
    table = pd.crosstab(codes, group, dropna=False).reindex(index=names, columns=list(order))
    table = table.fillna(0).astype(int)
    size = group.value_counts().reindex(list(order)).fillna(0).astype(int)
    denom = table.sum(axis=0)
    missing = size - denom
    out = [
        GroupStat(
            variable=spec.name,
            level=lvl,
            group=g,
            n=int(table.at[lvl, g]),
            denominator=int(denom[g]),
            n_missing=int(missing[g]),
            percent=100.0 * table.at[lvl, g] / denom[g] if denom[g] else math.nan,
        )
        for lvl in names
        for g in order
    ]
    return DescribedVariable(spec.name, spec.label, "categorical", tuple(names)), out, table


def _multi_select(
    spec: VariableSpec, frame: pd.DataFrame, group: pd.Series, order: tuple[str, ...]
) -> tuple[DescribedVariable, list[GroupStat], dict[str, pd.DataFrame]]:
    labels = spec.option_labels or spec.columns
    block = pd.DataFrame(
        {lvl: numbers(frame[c], c) for lvl, c in zip(labels, spec.columns, strict=True)}
    )
    off = block.notna() & ~block.isin([0.0, 1.0])
    if off.to_numpy().any():
        r, c = np.argwhere(off.to_numpy())[0]
        raise DataError(
            f"Column '{spec.columns[c]}', subject {block.index[r]}: multi-select options must be "
            f"0/1, found {block.iat[r, c]:g}."
        )
    chosen = block.gt(0).where(block.notna())
    yes = chosen.eq(True).groupby(group, sort=False).sum().reindex(list(order)).fillna(0)
    answered = chosen.notna().groupby(group, sort=False).sum().reindex(list(order)).fillna(0)
    size = group.value_counts().reindex(list(order)).fillna(0)
    out = [
        GroupStat(
            variable=spec.name,
            level=lvl,
            group=g,
            n=int(yes.at[g, lvl]),
            denominator=int(answered.at[g, lvl]),
            n_missing=int(size[g] - answered.at[g, lvl]),
            percent=(
                100.0 * yes.at[g, lvl] / answered.at[g, lvl] if answered.at[g, lvl] else math.nan
            ),
        )
        for lvl in labels
        for g in order
    ]
    tables = {
        lvl: pd.DataFrame(
            {"no": answered[lvl] - yes[lvl], "yes": yes[lvl]}, index=list(order)
        ).T.astype(int)
        for lvl in labels
    }
    return DescribedVariable(spec.name, spec.label, "multi_select", tuple(labels)), out, tables


def _two_level_smd(counts: np.ndarray) -> float:
    """Austin (2009) standardised difference of the second row's proportion in the second
    column vs the first (``counts``: 2 levels x 2 groups); NaN (not estimable: shown as
    ``-``) when a group has no one, e.g. completers vs non-completers with no dropouts."""
    total = counts.sum(axis=0)
    if not total.all():
        return math.nan
    return smd_proportions(counts[1, 0] / total[0], counts[1, 1] / total[1])


def _compare(
    spec: VariableSpec,
    values: np.ndarray | pd.DataFrame | dict[str, pd.DataFrame],
    g: pd.Series,
    pair: tuple[str, str],
    smd: bool,
    p_values: bool,
) -> list[Comparison]:
    """Group ``pair[1]`` vs the reference ``pair[0]`` for one variable (one row per
    multi-select option)."""
    label = comparison_label(pair[1], pair[0])
    if spec.kind == "continuous":
        x = np.asarray(values)[: len(g)]
        x1, x2 = x[(g == pair[0]).to_numpy()], x[(g == pair[1]).to_numpy()]
        return [
            Comparison(
                spec.name,
                None,
                smd_continuous(x1, x2) if smd else math.nan,
                welch_p(x1, x2) if p_values else math.nan,
                "Welch t-test" if p_values else "none",
                label,
            )
        ]
    if spec.kind == "categorical":
        counts = values[list(pair)].to_numpy()  # type: ignore[call-overload]
        value = smd_categorical(counts[:, 0], counts[:, 1]) if smd else math.nan
        if counts.shape[0] == 2 and smd:
            value = _two_level_smd(counts)
        p, test = table_p(counts.T) if p_values else (math.nan, "none")
        return [Comparison(spec.name, None, value, p, test, label)]
    out = []
    for lvl, tab in values.items():  # type: ignore[union-attr]
        t = tab[list(pair)].to_numpy()
        value = _two_level_smd(t) if smd else math.nan
        p, test = table_p(t.T) if p_values else (math.nan, "none")
        out.append(Comparison(spec.name, lvl, value, p, test, label))
    return out


def describe_groups(
    frame: pd.DataFrame,
    group: pd.Series,
    order: tuple[str, ...],
    specs: tuple[VariableSpec, ...],
    *,
    overall: str | None = "Overall",
    smd: bool = True,
    p_values: bool = False,
) -> GroupDescription:
    """Describe ``specs`` in ``frame`` by ``group`` (two or more groups, in ``order``).

    Comparisons are each later group minus ``order[0]`` (the reference), variable by
    variable, with two-group tests on the two groups' subjects. With ``overall`` set, an
    extra group of that name pools every row.
    """
    groups = tuple(order) + ((overall,) if overall else ())
    g = group.astype(object)
    keyed = pd.concat([frame.assign(_g=g)] + ([frame.assign(_g=overall)] if overall else []))
    key = keyed.pop("_g")
    sizes = key.value_counts()
    variables: list[DescribedVariable] = []
    stats_out: list[GroupStat] = []
    comps: list[Comparison] = []
    pairs = [(order[0], other) for other in order[1:]]
    for spec in specs:
        values: np.ndarray | pd.DataFrame | dict[str, pd.DataFrame]
        if spec.kind == "continuous":
            var, rows, values = _continuous(spec, keyed, key, groups, len(frame))
        elif spec.kind == "categorical":
            var, rows, values = _categorical(spec, keyed, key, groups)
        else:
            var, rows, values = _multi_select(spec, keyed, key, groups)
        for pair in pairs:
            comps += _compare(spec, values, g, pair, smd, p_values)
        variables.append(var)
        stats_out.extend(rows)
    group_n = {grp: int(sizes.get(grp, 0)) for grp in groups}
    return GroupDescription(groups, group_n, tuple(variables), tuple(stats_out), tuple(comps))
