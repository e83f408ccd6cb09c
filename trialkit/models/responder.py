r"""Responder (binary) outcomes by visit: covariate-adjusted marginal effects and counts.

At each visit, on the subjects with a responder status and complete covariates, a logistic
working model ``response ~ arm + covariates`` is fitted (statsmodels GLM Binomial) and the
marginal risks of every arm are estimated by g-computation; each arm is compared with the
control by the risk difference, risk ratio and odds ratio, with the Ge et al. (2011) or
Ye et al. (2023) variance (see :mod:`trialkit.inference.gcomputation`). The unadjusted risk
difference has a Newcombe (1998) hybrid score CI (:mod:`trialkit.inference.proportions`).
Every subject in the data is counted at every visit: analysed, or excluded with a reason.

A visit where the logistic model has no finite estimates (an arm with no responders or only
responders, perfect separation, a singular design) gets no adjusted estimates; it is listed in
``not_estimable`` with the reason, and the counts and the unadjusted CI are still given.

Validated against: R beeca 0.2.0 ``get_marginal_effect`` and statsmodels coefficients
(tests/reference/beeca), Newcombe (1998) Table II.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from trialkit.core.results import ReadOnlyResult
from trialkit.errors import ModelError
from trialkit.inference import gcomputation as gc
from trialkit.inference.proportions import newcombe_difference
from trialkit.models.design import check_rank, factor_columns, is_categorical, levels
from trialkit.models.responder_rule import ResponderRule, binary_values
from trialkit.specs.responder import ResponderSpec


@dataclass(frozen=True, repr=False)
class ResponderResult(ReadOnlyResult):
    """Per-visit responder analysis (every table attribute is returned as a copy).

    Attributes
    ----------
    outcome, rule
        The outcome column and the responder rule (``None`` for a binary outcome).
    arms
        Control first, then the other arms in their order.
    variance
        ``"Ye"`` or ``"Ge (HC0)"`` etc.
    effects
        ``visit, comparison, measure, estimate, std_error, log_std_error, df, ci_lower,
        ci_upper, z_value, p_value``: g-computation contrasts with the control. ``measure`` is
        risk difference, risk ratio or odds ratio; ``std_error`` is on the measure's scale,
        ``log_std_error`` that of the log ratio, which gives the ratios' CI and p-value;
        ``df`` is NaN (normal reference).
    risks
        ``visit, arm, estimate, std_error``: g-computation marginal risks.
    unadjusted
        ``visit, comparison, measure, estimate, ci_lower, ci_upper, method``: observed risk
        difference with the Newcombe hybrid score CI.
    counts
        ``visit, arm, n_subjects, n_with_data, n_responders, percent, n_excluded``.
    excluded
        ``visit, subject, arm, reason``: subjects not analysed at a visit.
    not_estimable
        ``visit, reason``: visits without adjusted estimates.
    coefficients
        ``visit, term, estimate, std_error``: the logistic working model (model-based SE).
    """

    outcome: str
    rule: str | None
    arms: tuple[str, ...]
    visits: tuple[str, ...]
    variance: str
    alpha: float
    effects: pd.DataFrame
    risks: pd.DataFrame
    unadjusted: pd.DataFrame
    counts: pd.DataFrame
    excluded: pd.DataFrame
    not_estimable: pd.DataFrame
    coefficients: pd.DataFrame

    _headline = ("outcome", "rule", "arms", "visits", "variance", "alpha")

    @property
    def control(self) -> str:
        return self.arms[0]

    def summary_frame(self) -> pd.DataFrame:
        """The g-computation contrasts, and a row per visit that could not be estimated."""
        cols = ["visit", "comparison", "measure", "estimate", "ci_lower", "ci_upper", "p_value"]
        ne = self.not_estimable.rename(columns={"reason": "comparison"})
        ne["measure"] = "not estimable"
        return pd.concat([self.effects[cols], ne], ignore_index=True)


def _responses(
    df: pd.DataFrame,
    outcome: str,
    rule: ResponderRule | None,
    baseline: str | None,
    subject: str,
    visit: str,
) -> pd.Series:
    if rule is None:
        return binary_values(df[outcome], outcome, df[[subject, visit]])
    for col in [outcome] + ([baseline] if rule.on == "change" and baseline else []):
        values = df[col]
        bad = pd.to_numeric(values, errors="coerce").isna() & values.notna()
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise ModelError(
                f"column '{col}' has non-numeric value '{values.iloc[pos]}' at row {pos + 1} "
                f"(subject {df[subject].iloc[pos]}); a threshold rule needs numbers"
            )
    return rule.apply(df[outcome], df[baseline] if rule.on == "change" else None)


def fit_responder(
    data: pd.DataFrame,
    *,
    outcome: str,
    arm: str,
    control: str,
    visit: str,
    subject: str,
    covariates: Sequence[str] = (),
    responder: str | ResponderRule | None = None,
    baseline: str | None = None,
    visits: Sequence[str] | None = None,
    variance: str = "ye",
    ge_type: str = "HC0",
    ye_mod: bool = False,
    strata: Sequence[str] = (),
    alpha: float = 0.05,
    labels: Mapping[str, str] | None = None,
    visit_labels: Mapping[str, str] | None = None,
) -> ResponderResult:
    """Covariate-adjusted responder analysis by visit (g-computation from logistic models).

    Parameters
    ----------
    data
        Long data, one row per subject x visit.
    outcome
        A binary column (0/1, yes/no, true/false), or a continuous one with ``responder``.
    arm, control
        Arm column and its control value; every other arm is compared with the control.
    covariates
        Adjustment covariates of the logistic model (numbers, or factors coded like R).
    responder
        ``None`` (``outcome`` is binary) or a rule such as ``"change <= -10"``.
    baseline
        Column holding the baseline value (needed by a ``change`` rule).
    variance
        ``"ye"`` (Ye et al. 2023, robust for the population-average effect) or ``"ge"``
        (Ge et al. 2011 delta method; beeca's default) with ``ge_type`` one of
        ``HC0`` (beeca's default), ``HC1``, ``HC2``, ``HC3``, ``model-based``.
    ye_mod
        beeca's ``mod``: ``False`` (default) the RobinCar form, ``True`` Ye's original form.
    strata
        Randomisation strata (Ye only; each must also be in ``covariates``): the variance is
        reduced for stratified permuted-block randomisation as in beeca.
    labels, visit_labels
        Display names of columns (the outcome, the baseline, covariates) and of visit values,
        used in the exclusion reasons (``"no observed Pain (NRS) at Week 8"``); by default
        the column name with the rule and ``"visit 8"``.

    Returns
    -------
    ResponderResult

    Raises
    ------
    ModelError
        A named column is absent, the control is not an arm, a subject x visit is repeated,
        or no visit could be estimated.
    DataError
        A binary outcome value other than 0/1/yes/no/true/false (names column and row).
    """
    spec = ResponderSpec.from_options(
        variance=variance, ge_type=ge_type, ye_mod=ye_mod, strata=strata, alpha=alpha
    )
    not_adjusted = [s for s in strata if s not in covariates]
    if not_adjusted:
        raise ModelError(
            f"stratum column(s) {', '.join(not_adjusted)} must also be covariates of the "
            "logistic model (as beeca requires)"
        )
    rule = ResponderRule.parse(responder) if isinstance(responder, str) else responder
    if rule is not None and rule.on == "change" and baseline is None:
        raise ModelError(f"the responder rule '{rule}' needs baseline= (the baseline column)")
    covs = list(dict.fromkeys(covariates))
    extra = [baseline] if rule is not None and rule.on == "change" and baseline else []
    needed = list(dict.fromkeys([subject, arm, visit, outcome, *covs, *strata, *extra]))
    absent = [c for c in needed if c not in data.columns]
    if absent:
        raise ModelError(f"column(s) {', '.join(absent)} not found in the data")
    df = data[needed].reset_index(drop=True)
    arm_levels = levels(df[arm])
    if str(control) not in arm_levels:
        raise ModelError(
            f"control arm '{control}' is not a value of column '{arm}' "
            f"(values: {', '.join(arm_levels)})"
        )
    if len(arm_levels) < 2:
        raise ModelError(f"column '{arm}' holds one arm only; a comparison needs two or more")
    arms = (str(control), *[a for a in arm_levels if a != str(control)])
    df["_arm"] = df[arm].astype(str)
    df["_visit"] = df[visit].astype(str)
    dup = df.duplicated(subset=[subject, "_visit"], keep=False)
    if dup.any():
        first = df.loc[dup].iloc[0]
        raise ModelError(
            f"subject {first[subject]} has more than one row for {visit} {first['_visit']}; "
            "each subject may have one row per visit"
        )
    df["_y"] = _responses(df, outcome, rule, baseline, subject, visit)
    visit_levels = [str(v) for v in visits] if visits is not None else levels(df[visit])
    if df[arm].isna().any():
        pos = int(np.flatnonzero(df[arm].isna().to_numpy())[0])
        raise ModelError(
            f"column '{arm}' is missing at row {pos + 1} (subject {df[subject].iloc[pos]}) and "
            f"{int(df[arm].isna().sum()) - 1} other row(s); every row needs the subject's arm"
        )
    n_arms = df.groupby(subject, sort=False)["_arm"].nunique()
    if (n_arms > 1).any():
        raise ModelError(
            f"subject {n_arms.index[np.argmax(n_arms.to_numpy() > 1)]} has more than one value "
            f"of '{arm}'; a subject belongs to one arm"
        )
    subjects = df.drop_duplicates(subject)[[subject, "_arm"]]
    names = dict(labels or {})
    label = names.get(outcome) or (f"{outcome} ({rule})" if rule else outcome)
    where = {v: f"visit {v}" for v in visit_levels} | dict(visit_labels or {})
    parts: dict[str, list[pd.DataFrame]] = {
        k: [] for k in ("eff", "risk", "un", "cnt", "exc", "coef")
    }
    not_est: list[tuple[str, str]] = []
    for v in visit_levels:
        at = subjects.merge(df[df["_visit"] == v].drop(columns="_arm"), on=subject, how="left")
        reason = _exclusion_reasons(at, label, where[v], covs, extra, names)
        used = at[reason.isna()]
        parts["exc"].append(
            pd.DataFrame(
                {
                    "visit": v,
                    "subject": at.loc[reason.notna(), subject].to_numpy(),
                    "arm": at.loc[reason.notna(), "_arm"].to_numpy(),
                    "reason": reason[reason.notna()].to_numpy(),
                }
            )
        )
        cnt = _counts(at, used, arms, v)
        parts["cnt"].append(cnt)
        parts["un"].append(_unadjusted(cnt, arms, v, alpha))
        try:
            eff, risk, coef = _adjusted(used, arms, covs, spec, v)
        except gc.NotEstimable as exc:
            not_est.append((v, str(exc)))
            continue
        parts["eff"].append(eff)
        parts["risk"].append(risk)
        parts["coef"].append(coef)
    if not parts["eff"]:
        raise ModelError(
            f"no visit of {label} could be estimated: " + "; ".join(f"{v}: {r}" for v, r in not_est)
        )
    return ResponderResult(
        outcome=outcome,
        rule=str(rule) if rule else None,
        arms=arms,
        visits=tuple(visit_levels),
        variance=spec.label,
        alpha=alpha,
        effects=pd.concat(parts["eff"], ignore_index=True),
        risks=pd.concat(parts["risk"], ignore_index=True),
        unadjusted=pd.concat(parts["un"], ignore_index=True),
        counts=pd.concat(parts["cnt"], ignore_index=True),
        excluded=pd.concat(parts["exc"], ignore_index=True),
        not_estimable=pd.DataFrame(not_est, columns=["visit", "reason"]),
        coefficients=pd.concat(parts["coef"], ignore_index=True),
    )


def _exclusion_reasons(
    at: pd.DataFrame,
    label: str,
    where: str,
    covs: list[str],
    extra: list[str],
    labels: Mapping[str, str],
) -> pd.Series:
    """Per subject: NaN if analysed, else the first reason it is not (vectorised); columns
    are named by ``labels`` (else their name), the visit by ``where``."""
    n = len(at)
    reason = np.full(n, None, dtype=object)
    checks = [(at["_visit"].isna().to_numpy(), f"no record at {where}")]
    if extra:
        base = labels.get(extra[0], extra[0])
        checks.append((at[extra[0]].isna().to_numpy(), f"missing baseline {base}"))
    checks.append((at["_y"].isna().to_numpy(), f"no observed {label} at {where}"))
    if covs:
        missing = at[covs].isna().to_numpy()
        names = np.full(n, "", dtype=object)
        for j, c in enumerate(covs):
            c = labels.get(c, c)
            names = np.where(missing[:, j], np.where(names == "", c, names + ", " + c), names)
        checks.append((missing.any(axis=1), "missing covariate value(s): " + names))
    for mask, text in checks:
        fill = mask & (reason == None)  # noqa: E711 (elementwise on an object array)
        reason[fill] = text[fill] if isinstance(text, np.ndarray) else text
    return pd.Series(reason, index=at.index, dtype=object)


def _counts(at: pd.DataFrame, used: pd.DataFrame, arms: tuple[str, ...], v: str) -> pd.DataFrame:
    n_all = at.groupby("_arm").size().reindex(arms, fill_value=0)
    n_used = used.groupby("_arm").size().reindex(arms, fill_value=0)
    n_resp = used.groupby("_arm")["_y"].sum().reindex(arms, fill_value=0).astype(int)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = 100 * n_resp.to_numpy() / n_used.to_numpy()
    return pd.DataFrame(
        {
            "visit": v,
            "arm": list(arms),
            "n_subjects": n_all.to_numpy(),
            "n_with_data": n_used.to_numpy(),
            "n_responders": n_resp.to_numpy(),
            "percent": pct,
            "n_excluded": (n_all - n_used).to_numpy(),
        }
    )


def _unadjusted(cnt: pd.DataFrame, arms: tuple[str, ...], v: str, alpha: float) -> pd.DataFrame:
    x = cnt["n_responders"].to_numpy(dtype=float)
    n = cnt["n_with_data"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        d, lo, hi = newcombe_difference(x[1:], n[1:], x[0], n[0], alpha)
    return pd.DataFrame(
        {
            "visit": v,
            "comparison": [f"{a} - {arms[0]}" for a in arms[1:]],
            "measure": "risk difference",
            "estimate": d,
            "ci_lower": lo,
            "ci_upper": hi,
            "method": "Newcombe hybrid score (method 10)",
        }
    )


def _adjusted(
    used: pd.DataFrame,
    arms: tuple[str, ...],
    covs: list[str],
    spec: ResponderSpec,
    v: str,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    y = used["_y"].to_numpy(dtype=float)
    arm_code = pd.Categorical(used["_arm"], categories=arms).codes.astype(np.int64)
    for a, name in enumerate(arms):
        ya = y[arm_code == a]
        if ya.size == 0:
            raise gc.NotEstimable(f"no subject of arm {name} has data")
        if ya.sum() == 0 or ya.sum() == ya.size:
            what = "no responders" if ya.sum() == 0 else "only responders"
            raise gc.NotEstimable(f"arm {name} has {what} ({int(ya.sum())}/{ya.size})")
    cols = [np.ones(len(used))]
    names = ["(Intercept)"]
    for nm, col in factor_columns("arm", used["_arm"].to_numpy(), list(arms)):
        names.append(nm)
        cols.append(col)
    for c in covs:
        s = used[c]
        coded = (
            factor_columns(c, s.astype(str).to_numpy(), levels(s))
            if is_categorical(s)
            else [(c, s.to_numpy(dtype=float))]
        )
        for nm, col in coded:
            names.append(nm)
            cols.append(col)
    X = np.column_stack(cols)
    try:
        check_rank(X, names)
    except ModelError as exc:
        raise gc.NotEstimable(str(exc)) from None
    fit = gc.fit_logistic(X, y)
    arm_cols = list(range(1, len(arms)))
    P, designs = gc.counterfactual_predictions(X, fit.beta, arm_cols)
    if spec.variance == "ge":
        V = gc.ge_covariance(P, designs, gc.coefficient_covariance(X, y, fit, spec.ge_type))
    else:
        st = (
            used.groupby(list(spec.strata), sort=False).ngroup().to_numpy() if spec.strata else None
        )
        V = gc.ye_covariance(P, y, arm_code, mod=spec.ye_mod, strata=st, mu=fit.mu)
    risks = P.mean(axis=0)
    rows = []
    for t in range(1, len(arms)):
        for r in gc.contrast_rows(risks, V, t, 0, spec.alpha):
            rows.append({"visit": v, "comparison": f"{arms[t]} - {arms[0]}", **r})
    risk = pd.DataFrame(
        {"visit": v, "arm": list(arms), "estimate": risks, "std_error": np.sqrt(np.diag(V))}
    )
    coef = pd.DataFrame(
        {"visit": v, "term": names, "estimate": fit.beta, "std_error": np.sqrt(np.diag(fit.cov))}
    )
    return pd.DataFrame(rows), risk, coef
