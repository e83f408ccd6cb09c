r"""The analysis model on each imputed data set: ANCOVA per visit, vectorised over data sets.

At visit :math:`v`, with rows :math:`x_i = (1, a_{i1}, \dots, a_{i,k-1}, z_i)` (indicators of
arms 1..k-1, covariates: all arms in one model, the residual variance pooled over them) and
subject weights :math:`w_{di}` (1, 0 for a subject left out by the jackknife, or the
bootstrap multiplicity),

.. math::

    \hat\beta_d = (X'W_dX)^{-1}X'W_dy_d,\quad
    s_d^2 = \frac{\sum_i w_{di}(y_{di} - x_i'\hat\beta_d)^2}{\sum_i w_{di} - p},

LS means use rbmi's default "counterfactual" weights: the design averaged over the analysed
subjects with every subject set to the arm, :math:`\ell_a = \bar x^{(a)}`; the difference of
arms :math:`a - b` is :math:`c'\hat\beta_d` with :math:`c = \ell_a - \ell_b` (for a vs the
control, :math:`\hat\beta_{d,a}`), SE :math:`\sqrt{s_d^2 c'(X'W_dX)^{-1}c}` and df
:math:`\sum_i w_{di} - p`.

Validated against: rbmi 1.6 ``ancova`` (R ``lm``) through the fev_data references
(tests/test_imputation_rbmi.py) and, with three arms, ``lm(CHANGE ~ THERAPY + BASVAL)`` as
rbmi's analysis function (tests/reference/rbmi_karm, tests/test_imputation_karm.py).
"""

from __future__ import annotations

import numpy as np

#: Quantities per visit: the difference of each pair of arms (``a - b`` for ``(a, b)`` in
#: ``pairs``), then the LS mean of each arm (two arms: rbmi's trt, lsm_ref, lsm_alt).
TWO_ARM_PAIRS: tuple[tuple[int, int], ...] = ((1, 0),)


def ancova(
    Y: np.ndarray,
    W: np.ndarray | None,
    AX: np.ndarray,
    n_arms: int = 2,
    pairs: tuple[tuple[int, int], ...] = TWO_ARM_PAIRS,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ANCOVA per visit on ``D`` data sets.

    Parameters
    ----------
    Y
        ``(D, n, t)`` complete outcomes.
    W
        ``(D, n)`` subject weights or ``None`` (all 1).
    AX
        ``(t, n, p)`` rows per visit; column 0 the intercept, columns 1..k-1 the indicators
        of arms 1..k-1.
    n_arms, pairs
        The number of arms ``k`` and the compared pairs of arm codes.

    Returns
    -------
    est, se
        ``(D, t, len(pairs) + k)``: the pairs' differences, then each arm's LS mean.
    df
        ``(D, t)`` residual df.
    """
    D, n, t = Y.shape
    q = len(pairs)
    est = np.empty((D, t, q + n_arms))
    se = np.empty((D, t, q + n_arms))
    dfs = np.empty((D, t))
    for v in range(t):
        X = AX[v]
        p = X.shape[1]
        yv = Y[:, :, v]
        if W is None:
            xtx = np.broadcast_to(X.T @ X, (D, p, p))
            xty = yv @ X
            sw = np.full(D, float(n))
            xbar = np.broadcast_to(X.mean(axis=0), (D, p))
        else:
            xtx = (W @ (X[:, :, None] * X[:, None, :]).reshape(n, p * p)).reshape(D, p, p)
            xty = (W * yv) @ X
            sw = W.sum(axis=1)
            xbar = (W @ X) / sw[:, None]
        inv = np.linalg.inv(xtx)
        beta = np.einsum("dab,db->da", inv, xty)
        res = yv - beta @ X.T
        rss = (res * res).sum(axis=1) if W is None else (W * res * res).sum(axis=1)
        df = sw - p
        s2 = rss / df
        ells = []
        for a in range(n_arms):
            ell = xbar.copy()
            ell[:, 1:n_arms] = 0.0
            if a:
                ell[:, a] = 1.0
            ells.append(ell)
        for j, (a, b) in enumerate(pairs):
            if b == 0 and a > 0:  # vs the control: the arm's coefficient
                est[:, v, j] = beta[:, a]
                se[:, v, j] = np.sqrt(s2 * inv[:, a, a])
            else:
                c = np.zeros(p)
                c[a] += 1.0
                c[b] -= 1.0
                c[0] = 0.0
                est[:, v, j] = beta @ c
                se[:, v, j] = np.sqrt(s2 * np.einsum("a,dab,b->d", c, inv, c))
        for a, ell in enumerate(ells):
            est[:, v, q + a] = (ell * beta).sum(axis=1)
            se[:, v, q + a] = np.sqrt(s2 * np.einsum("da,dab,db->d", ell, inv, ell))
        dfs[:, v] = df
    return est, se, dfs


def mmrm(
    Y: np.ndarray,
    W: np.ndarray | None,
    grid,
    pairs: tuple[tuple[int, int], ...] = TWO_ARM_PAIRS,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The MMRM on each imputed data set, one fit each: :func:`trialkit.models.fit_mmrm`
    with its defaults (unstructured covariance, REML, Kenward-Roger df with the linear
    covariance parametrisation, no fallback structure), mean model ``outcome ~ covariates +
    arm * visit + visit_covariates : visit``.

    Same layout as :func:`ancova` (``pairs``: arm codes of ``grid.arms``); LS means are the
    MMRM's (equal weights: numeric covariates at their means over the analysed rows, factor
    levels weighted equally, as emmeans). With conditional mean imputation only the estimates
    enter the pooled result (jackknife or bootstrap); the SEs and df are Rubin's inputs for
    approximate Bayesian MI.
    A subject with weight ``w`` enters ``w`` times under distinct ids (bootstrap samples).

    Validated against: rbmi with ``mmrm`` (``vcov = "Kenward-Roger-Linear"``) + emmeans as its
    analysis function, three arms, with and without a factor covariate
    (tests/reference/rbmi_karm/make_karm_mmrm_reference.R, tests/test_imputation_karm_mmrm.py).
    """
    from trialkit.models.mmrm import fit_mmrm

    c = grid.columns_in
    D, n, t = Y.shape
    q = len(pairs) + len(grid.arms)
    est = np.empty((D, t, q))
    se = np.empty((D, t, q))
    dfs = np.empty((D, t, q))
    named = [(grid.arms[a], grid.arms[b]) for a, b in pairs]
    ids = grid.frame[c["subject"]].astype(str).to_numpy()
    for d in range(D):
        w = np.ones(n, dtype=np.int64) if W is None else W[d].astype(np.int64)
        rep = np.repeat(np.arange(n), w)
        occ = np.arange(rep.size) - np.repeat(np.cumsum(w) - w, w)
        rows = (rep[:, None] * t + np.arange(t)[None, :]).ravel()
        frame = grid.frame.iloc[rows].copy()
        frame[c["subject"]] = np.char.add(
            np.char.add(ids[rows], "#"), np.repeat(occ, t).astype(str)
        )
        frame["_imputed_outcome"] = Y[d].ravel()[rows]
        fit = fit_mmrm(
            frame,
            outcome="_imputed_outcome",
            arm=c["arm"],
            control=c["control"],
            visit=c["visit"],
            subject=c["subject"],
            covariates=c["covariates"],
            visit_covariates=c["visit_covariates"],
            visits=list(grid.visits),
            fallback=(),
            comparisons=named,
        )
        lsm, dif = fit.lsmeans, fit.differences
        tabs = [dif.iloc[j * t : (j + 1) * t] for j in range(len(pairs))]
        tabs += [lsm[lsm.arm == a] for a in grid.arms]
        for j, tab in enumerate(tabs):
            est[d, :, j] = tab["estimate"].to_numpy()
            se[d, :, j] = tab["std_error"].to_numpy()
            dfs[d, :, j] = tab["df"].to_numpy()
    return est, se, dfs
