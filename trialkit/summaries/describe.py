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
    spec: VariableSpec, frame: pd.DataFrame, codes: np.ndarray, order: tuple[str, ...], n_own: int
) -> tuple[DescribedVariable, list[GroupStat], np.ndarray]:
    own = numbers(frame[spec.columns[0]], spec.columns[0]).to_numpy(dtype=float, na_value=np.nan)
    x = _per_key(own, codes)
    out = []
    for j, g in enumerate(order):
        in_group = x[codes == j]
        v = in_group[~np.isnan(in_group)]
        med, q1, q3 = np.quantile(v, [0.5, 0.25, 0.75]) if v.size else (math.nan,) * 3
        out.append(
            GroupStat(
                variable=spec.name,
                level=None,
                group=g,
                n=int(v.size),
                denominator=int(v.size),
                n_missing=int(in_group.size - v.size),
                mean=float(v.mean()) if v.size else math.nan,
                sd=float(v.std(ddof=1)) if v.size > 1 else math.nan,
                median=float(med),
                q1=float(q1),
                q3=float(q3),
            )
        )
    skew = sample_skewness(own[:n_own])
    show = spec.median_iqr or (not math.isnan(skew) and abs(skew) > SKEW_THRESHOLD)
    var = DescribedVariable(spec.name, spec.label, "continuous", (), skew, show)
    return var, out, x


def _per_key(own: np.ndarray, key: np.ndarray) -> np.ndarray:
    """The rows of ``own`` once per time they appear in the group codes ``key``: twice when
    an Overall group pools every row (see :func:`describe_groups`), else as they are."""
    copies = key.size // own.shape[0] if own.shape[0] else 1
    return np.concatenate([own] * copies) if copies > 1 else own


def _group_counts(codes: np.ndarray, n_groups: int) -> np.ndarray:
    return np.bincount(codes[codes >= 0], minlength=n_groups)


def _categorical(
    spec: VariableSpec, frame: pd.DataFrame, codes: np.ndarray, order: tuple[str, ...]
) -> tuple[DescribedVariable, list[GroupStat], pd.DataFrame]:
    levels = _level_codes(frame[spec.columns[0]])
    names = list(levels.cat.categories)
    own = levels.cat.codes.to_numpy()
    lev = _per_key(own, codes)
    ok = (lev >= 0) & (codes >= 0)
    n_g = len(order)
    counts = np.bincount(lev[ok] * n_g + codes[ok], minlength=len(names) * n_g)
    table = pd.DataFrame(counts.reshape(len(names), n_g), index=names, columns=list(order))
    size = _group_counts(codes, n_g)
    denom = table.to_numpy().sum(axis=0)
    tab = table.to_numpy()
    out = [
        GroupStat(
            variable=spec.name,
            level=lvl,
            group=g,
            n=int(tab[i, j]),
            denominator=int(denom[j]),
            n_missing=int(size[j] - denom[j]),
            percent=100.0 * tab[i, j] / denom[j] if denom[j] else math.nan,
        )
        for i, lvl in enumerate(names)
        for j, g in enumerate(order)
    ]
    return DescribedVariable(spec.name, spec.label, "categorical", tuple(names)), out, table


def _multi_select(
    spec: VariableSpec, frame: pd.DataFrame, codes: np.ndarray, order: tuple[str, ...]
) -> tuple[DescribedVariable, list[GroupStat], dict[str, pd.DataFrame]]:
    labels = spec.option_labels or spec.columns
    block = np.column_stack(
        [numbers(frame[c], c).to_numpy(dtype=float, na_value=np.nan) for c in spec.columns]
    )
    off = ~np.isnan(block) & (block != 0.0) & (block != 1.0)
    if off.any():
        r, c = np.argwhere(off)[0]
        raise DataError(
            f"Column '{spec.columns[c]}', subject {frame.index[r]}: multi-select options must be "
            f"0/1, found {block[r, c]:g}."
        )
    block = _per_key(block, codes)
    n_g = len(order)
    size = _group_counts(codes, n_g)
    ok = codes >= 0
    out = []
    tables = {}
    for j, lvl in enumerate(labels):
        v, g = block[ok, j], codes[ok]
        yes = np.bincount(g[v > 0], minlength=n_g)
        answered = np.bincount(g[~np.isnan(v)], minlength=n_g)
        out += [
            GroupStat(
                variable=spec.name,
                level=lvl,
                group=name,
                n=int(yes[i]),
                denominator=int(answered[i]),
                n_missing=int(size[i] - answered[i]),
                percent=100.0 * yes[i] / answered[i] if answered[i] else math.nan,
            )
            for i, name in enumerate(order)
        ]
        tables[lvl] = pd.DataFrame(
            np.vstack([answered - yes, yes]), index=["no", "yes"], columns=list(order)
        )
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
    # each row's group code (-1: a group not in ``order``); with ``overall`` every row is
    # counted a second time in that extra group
    own = pd.Categorical(g.to_numpy(), categories=list(order)).codes.astype(np.int64)
    key = np.concatenate([own, np.full(own.size, len(order))]) if overall else own
    sizes = _group_counts(key, len(groups))
    variables: list[DescribedVariable] = []
    stats_out: list[GroupStat] = []
    comps: list[Comparison] = []
    pairs = [(order[0], other) for other in order[1:]]
    for spec in specs:
        values: np.ndarray | pd.DataFrame | dict[str, pd.DataFrame]
        if spec.kind == "continuous":
            var, rows, values = _continuous(spec, frame, key, groups, len(frame))
        elif spec.kind == "categorical":
            var, rows, values = _categorical(spec, frame, key, groups)
        else:
            var, rows, values = _multi_select(spec, frame, key, groups)
        for pair in pairs:
            comps += _compare(spec, values, g, pair, smd, p_values)
        variables.append(var)
        stats_out.extend(rows)
    group_n = {grp: int(sizes[j]) for j, grp in enumerate(groups)}
    return GroupDescription(groups, group_n, tuple(variables), tuple(stats_out), tuple(comps))
