r"""The analysis model on each imputed data set: ANCOVA per visit, vectorised over data sets.

At visit :math:`v`, with rows :math:`x_i = (1, a_i, z_i)` (arm indicator, covariates) and
subject weights :math:`w_{di}` (1, 0 for a subject left out by the jackknife, or the
bootstrap multiplicity),

.. math::

    \hat\beta_d = (X'W_dX)^{-1}X'W_dy_d,\quad
    s_d^2 = \frac{\sum_i w_{di}(y_{di} - x_i'\hat\beta_d)^2}{\sum_i w_{di} - p},

the treatment effect is :math:`\hat\beta_{d,1}` with SE
:math:`\sqrt{s_d^2[(X'W_dX)^{-1}]_{11}}` and df :math:`\sum_i w_{di} - p`. LS means use
rbmi's default "counterfactual" weights: the design averaged over the analysed subjects with
every subject set to the arm, :math:`\ell_a = \bar x^{(a)}`.

Validated against: rbmi 1.6 ``ancova`` (R ``lm``) through the fev_data references
(tests/test_imputation_rbmi.py).
"""

from __future__ import annotations

import numpy as np

# quantities per visit, in this order (rbmi names: trt, lsm_ref, lsm_alt)
QUANTITIES: tuple[str, ...] = ("difference", "lsmean_control", "lsmean_treatment")


def ancova(
    Y: np.ndarray, W: np.ndarray | None, AX: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ANCOVA per visit on ``D`` data sets.

    Parameters
    ----------
    Y
        ``(D, n, t)`` complete outcomes.
    W
        ``(D, n)`` subject weights or ``None`` (all 1).
    AX
        ``(t, n, p)`` rows per visit; column 0 the intercept, column 1 the arm indicator.

    Returns
    -------
    est, se
        ``(D, t, 3)``: difference, control LS mean, treatment LS mean.
    df
        ``(D, t)`` residual df.
    """
    D, n, t = Y.shape
    est = np.empty((D, t, 3))
    se = np.empty((D, t, 3))
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
        l0 = xbar.copy()
        l0[:, 1] = 0.0
        l1 = xbar.copy()
        l1[:, 1] = 1.0
        est[:, v, 0] = beta[:, 1]
        se[:, v, 0] = np.sqrt(s2 * inv[:, 1, 1])
        for j, ell in ((1, l0), (2, l1)):
            est[:, v, j] = (ell * beta).sum(axis=1)
            se[:, v, j] = np.sqrt(s2 * np.einsum("da,dab,db->d", ell, inv, ell))
        dfs[:, v] = df
    return est, se, dfs


def mmrm(Y: np.ndarray, W: np.ndarray | None, grid) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The MMRM (unstructured, REML, Satterthwaite df) on each imputed data set, one fit each.

    Same layout as :func:`ancova`; LS means are the MMRM's (covariates at their means).
    A subject with weight ``w`` enters ``w`` times under distinct ids (bootstrap samples).
    """
    from trialkit.models.mmrm import fit_mmrm

    c = grid.columns_in
    D, n, t = Y.shape
    est = np.empty((D, t, 3))
    se = np.empty((D, t, 3))
    dfs = np.empty((D, t, 3))
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
        )
        lsm = fit.lsmeans
        for j, tab in enumerate(
            (fit.differences, lsm[lsm.arm == grid.arms[0]], lsm[lsm.arm == grid.arms[1]])
        ):
            est[d, :, j] = tab["estimate"].to_numpy()
            se[d, :, j] = tab["std_error"].to_numpy()
            dfs[d, :, j] = tab["df"].to_numpy()
    return est, se, dfs
