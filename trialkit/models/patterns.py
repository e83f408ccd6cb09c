"""Group subjects by (covariance group, observed-visit pattern) and keep sufficient statistics.

For pattern ``p`` with visits ``idx_p`` and subjects ``i in p``, the likelihood only needs::

    XX_p[a, b, t, s] = sum_i X_i[t, a] X_i[s, b]
    XY_p[a, t, s]    = sum_i X_i[t, a] y_i[s]
    YY_p[t, s]       = sum_i y_i[t] y_i[s]

so every evaluation of the (RE)ML criterion, its gradient and the Kenward-Roger components
costs ``O(patterns x k^2 t^2)``, independent of the number of subjects. The statistics are
formed once with one matrix product per pattern (no per-subject Python loop).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trialkit.models.design import Design


@dataclass(frozen=True)
class Pattern:
    """Subjects sharing a covariance group and a set of observed visits."""

    group: int
    idx: np.ndarray  # visit indices observed, ascending
    n: int  # number of subjects
    X: np.ndarray  # (n, t_p, k)
    Y: np.ndarray  # (n, t_p)
    XX: np.ndarray  # (k*k, t_p*t_p): XX[a*k+b, t*t_p+s]
    XY: np.ndarray  # (k, t_p*t_p)
    YY: np.ndarray  # (t_p, t_p)
    dist: np.ndarray | None = None  # spatial only: distances between this subject's visits

    @property
    def t(self) -> int:
        return int(self.idx.size)


def build_patterns(
    design: Design,
    n_visits: int,
    group_by_arm: bool,
    coords: np.ndarray | None = None,
) -> tuple[Pattern, ...]:
    """Split a design into missingness patterns (optionally per arm for group covariances).

    With ``coords`` (one row of spatial coordinates per design row) every subject is its own
    pattern carrying the Euclidean distances between its observations (spatial structures).
    """
    subj = design.subject
    n_sub = int(subj.max()) + 1
    starts = np.flatnonzero(np.r_[True, subj[1:] != subj[:-1]])
    counts = np.diff(np.r_[starts, subj.size])
    mask = np.zeros(n_sub, dtype=np.int64)
    np.add.at(mask, subj, np.left_shift(1, design.visit))
    group = design.arm[starts] if group_by_arm else np.zeros(n_sub, dtype=np.int64)
    key = group * (1 << n_visits) + mask
    if coords is not None:
        key = np.arange(n_sub, dtype=np.int64) + group * n_sub
    out = []
    for kv in np.unique(key):
        members = np.flatnonzero(key == kv)
        if coords is None:
            g = int(kv >> n_visits)
            m = int(kv & ((1 << n_visits) - 1))
        else:
            g, m = int(group[members[0]]), int(mask[members[0]])
        idx = np.flatnonzero([(m >> v) & 1 for v in range(n_visits)])
        tp = idx.size
        rows = starts[members][:, None] + np.arange(tp)[None, :]
        dist = None
        if coords is not None:
            c = coords[rows[0]]
            dist = np.sqrt(((c[:, None, :] - c[None, :, :]) ** 2).sum(axis=-1))
        assert np.all(counts[members] == tp)
        out.append(make_pattern(g, idx, design.X[rows], design.y[rows], dist))
    return tuple(out)


def make_pattern(
    group: int, idx: np.ndarray, Xp: np.ndarray, Yp: np.ndarray, dist: np.ndarray | None = None
) -> Pattern:
    """A :class:`Pattern` with its sufficient statistics from its subjects' ``X`` (n, t_p, k)
    and ``y`` (n, t_p) rows."""
    n, tp, k = Xp.shape
    flat = Xp.reshape(n, tp * k)
    xx = (flat.T @ flat).reshape(tp, k, tp, k).transpose(1, 3, 0, 2)
    xy = np.einsum("nta,ns->ats", Xp, Yp, optimize=True)
    return Pattern(
        group=group,
        idx=idx,
        n=int(n),
        X=Xp,
        Y=Yp,
        XX=np.ascontiguousarray(xx).reshape(k * k, tp * tp),
        XY=xy.reshape(k, tp * tp),
        YY=Yp.T @ Yp,
        dist=dist,
    )


@dataclass(frozen=True)
class Block:
    """All patterns with the same number of observed visits, stacked for batched algebra."""

    idx: np.ndarray  # (P, t_p) visit indices
    group: np.ndarray  # (P,)
    n: np.ndarray  # (P,) subjects per pattern
    XX: np.ndarray  # (P, k*k, t_p*t_p)
    XY: np.ndarray  # (P, k, t_p*t_p)
    YY: np.ndarray  # (P, t_p, t_p)
    dist: np.ndarray | None  # (P, t_p, t_p), spatial only

    @property
    def t(self) -> int:
        return int(self.idx.shape[1])


def stack_blocks(patterns: tuple[Pattern, ...]) -> tuple[Block, ...]:
    """Group patterns by size into :class:`Block` objects."""
    out = []
    for tp in sorted({p.t for p in patterns}):
        ps = [p for p in patterns if p.t == tp]
        spatial = ps[0].dist is not None
        out.append(
            Block(
                idx=np.stack([p.idx for p in ps]),
                group=np.array([p.group for p in ps], dtype=np.int64),
                n=np.array([p.n for p in ps], dtype=float),
                XX=np.stack([p.XX for p in ps]),
                XY=np.stack([p.XY for p in ps]),
                YY=np.stack([p.YY for p in ps]),
                dist=np.stack([p.dist for p in ps]) if spatial else None,
            )
        )
    return tuple(out)
