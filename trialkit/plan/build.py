"""Build a :class:`~trialkit.plan.schema.Plan` from checked TOML values, checking how the
keys fit together (the second pass of :func:`trialkit.plan.load_plan`)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from trialkit.core.problems import Problem, did_you_mean, quote_list
from trialkit.plan.build_published import build_published
from trialkit.plan.build_responders import build_multiplicity, build_responders
from trialkit.plan.schema import (
    Adherence,
    Analysis,
    AncovaSpec,
    Arms,
    BaselineTable,
    Columns,
    Disposition,
    Enrolment,
    MMRMSpec,
    ModelSpec,
    MultiSelect,
    Outcome,
    Plan,
    Visits,
)
from trialkit.specs.adam import VARIABLES, AdamSpec
from trialkit.specs.comparisons import COMPARISONS, comparison_problems
from trialkit.specs.estimand import (
    ANALYSES,
    ASSUMPTIONS,
    EVENT_STRATEGIES,
    METHODS,
    RESAMPLING,
    EstimandSpec,
    EstimatorSpec,
    EventSpec,
)

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
BASELINE_TOKEN = "baseline"


def as_text(v: Any) -> str:
    """A TOML scalar as text: ``9`` and ``9.0`` become ``"9"``, strings are unchanged."""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _resolve(path: Path) -> Path:
    """``path`` made absolute, following links; as written (absolute) when a link loops, so
    that reading it reports the loop in one sentence."""
    try:
        return path.resolve()
    except (RuntimeError, OSError):
        return path.absolute()


def _tup(v: Any) -> tuple[Any, ...]:
    return tuple(v) if v else ()


class _Checker:
    """Collects cross-key problems for one plan file."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file = file
        self.problems = problems

    def error(self, key: str, message: str, hint: str | None = None) -> None:
        self.problems.append(Problem("error", message, file=self.file, key=key, hint=hint))


def build_plan(t: dict[str, Any], path: Path, problems: list[Problem]) -> Plan | None:
    """Build the plan from checked values; append cross-key problems to ``problems``.

    Returns None when a problem makes the plan impossible to build.
    """
    c = _Checker(path.name, problems)
    trial, arms_t = t["trial"], t["arms"]
    layout = trial["layout"]
    adam = _build_adam(t["adam"], layout, path, c)
    cols = _columns(t["columns"], adam, c)
    if layout == "long" and not cols["visit"]:
        c.error("columns.visit", "Key 'columns.visit' is required for the long layout.")
    # ADaM data without [visits]: AVISITN orders the visits, read from the data
    visits = _build_visits(t["visits"], c) if t["visits"] is not None else Visits((), "")
    outcomes = tuple(
        _build_outcome(o, i, layout, visits, c, adam) for i, o in enumerate(t["outcomes"])
    )
    names = [o.name for o in outcomes]
    for name in sorted({n for n in names if names.count(n) > 1}):
        c.error("outcomes", f"Outcome name '{name}' is used more than once.")
    arms = _build_arms(arms_t, c)
    model = _build_model(t["model"], c)
    adherence = _build_adherence(t["adherence"], c)
    analysis = _build_analysis(t["analysis"], c)
    published = tuple(
        build_published(p, i, names, visits, arms, c.error) for i, p in enumerate(t["published"])
    )
    estimands = tuple(
        _build_estimand(e, i, outcomes, visits, c) for i, e in enumerate(t["estimands"])
    )
    responders = build_responders(t["responders"], outcomes, visits, layout, c.file, problems)
    mult = build_multiplicity(t["multiplicity"], outcomes, responders, visits, c.file, problems)
    if any(p.severity == "error" for p in problems):
        return None
    return Plan(
        title=trial["title"],
        data=_resolve(path.parent / trial["data"]),
        layout=layout,
        columns=Columns(subject=cols["subject"], arm=cols["arm"], visit=cols["visit"]),
        arms=arms,
        visits=visits,
        outcomes=outcomes,
        model=model,
        adherence=adherence,
        disposition=Disposition(**t["disposition"]) if t["disposition"] else Disposition(),
        enrolment=_build_enrolment(t["enrolment"], path),
        baseline_table=_build_baseline_table(t["baseline_table"], c),
        analysis=analysis,
        published=published,
        estimands=estimands,
        responders=responders,
        multiplicity=mult,
        path=path,
        sheet=trial["sheet"],
        calibrated_to_published=bool(trial["calibrated_to_published"]),
        adam=adam,
    )


def _columns(cols: dict[str, Any] | None, adam: AdamSpec | None, c: _Checker) -> dict[str, Any]:
    """The ``[columns]`` values; for ADaM data the ``[adam]`` variables unless given."""
    if cols is not None:
        return cols
    if adam is not None:
        return {"subject": adam.subject, "arm": adam.arm, "visit": adam.visit}
    return {"subject": "", "arm": "", "visit": None}  # reported by the loader


def _build_adam(a: dict[str, Any] | None, layout: str, path: Path, c: _Checker) -> AdamSpec | None:
    """The ``[adam]`` table: required with ``layout = "adam"``, refused otherwise."""
    if layout != "adam":
        return None  # an [adam] table with another layout is reported by the loader
    if a is None:
        c.error(
            "adam", "Table '[adam]' is required for layout = \"adam\" (it lists the BDS files)."
        )
        return None
    if not a["bds"]:
        c.error("adam.bds", "Key 'adam.bds' lists no BDS dataset.")
    names = [Path(b).name for b in a["bds"]]
    for name in sorted({n for n in names if names.count(n) > 1}):
        c.error("adam.bds", f"Key 'adam.bds' names the file {name} more than once.")
    values = {k: v for k, v in a.items() if v is not None}
    values["bds"] = tuple(_resolve(path.parent / b) for b in a["bds"])
    values["derived"] = tuple(str(d) for d in a["derived"] or ())
    return AdamSpec(**values)


def _build_arms(a: dict[str, Any], c: _Checker) -> Arms:
    """The ``[arms]`` table: the comparisons' shape and numeric doses are checked here; that
    the arms named exist is checked against the data (:mod:`trialkit.data.validate`)."""
    if a["treatment"] is not None and a["treatment"] == a["control"]:
        c.error("arms.treatment", "Keys 'arms.treatment' and 'arms.control' are the same arm.")
    order = list(a["order"] or [])
    dups = sorted({x for x in order if order.count(x) > 1})
    if dups:
        c.error("arms.order", f"Key 'arms.order' repeats {quote_list(dups)}.")
    comparisons = a["comparisons"]
    if isinstance(comparisons, list):
        for sentence in comparison_problems(comparisons):
            c.error("arms.comparisons", f"Key 'arms.comparisons': {sentence}.")
        comparisons = tuple((x, y) for x, y in comparisons)
    else:
        comparisons = COMPARISONS.canonical(comparisons) or comparisons
    dose = a["dose"]
    if isinstance(dose, dict):
        for arm, value in dose.items():
            if not isinstance(value, int | float) or isinstance(value, bool):
                c.error(
                    "arms.dose",
                    f"Key 'arms.dose' gives arm '{arm}' the dose {value!r}, which is not a number.",
                )
        dose = tuple((str(k), float(v)) for k, v in dose.items() if isinstance(v, int | float))
    elif isinstance(dose, str) and not dose.strip():
        c.error("arms.dose", "Key 'arms.dose' is empty; name the dose column.")
    return Arms(
        control=a["control"],
        treatment=a["treatment"],
        control_label=a["control_label"],
        treatment_label=a["treatment_label"],
        order=tuple(order),
        comparisons=comparisons,
        dose=dose,
    )


def _build_visits(v: dict[str, Any], c: _Checker) -> Visits:
    order = tuple(v["order"])
    if not order:
        c.error("visits.order", "Key 'visits.order' lists no visits.")
    dups = sorted({x for x in order if order.count(x) > 1})
    if dups:
        c.error("visits.order", f"Key 'visits.order' repeats {quote_list(dups)}.")
    if order and v["baseline"] not in order:
        c.error(
            "visits.baseline",
            f"Key 'visits.baseline' is '{v['baseline']}', which is not in 'visits.order' "
            f"({quote_list(order)}).",
            did_you_mean(v["baseline"], order),
        )
    if len(order) < 2:
        c.error("visits.order", "Key 'visits.order' needs a baseline and at least one later visit.")
    for key in ("labels", "weeks"):
        if v[key] and len(v[key]) != len(order):
            c.error(
                f"visits.{key}",
                f"Key 'visits.{key}' has {len(v[key])} entries but 'visits.order' has "
                f"{len(order)}.",
            )
    weeks = tuple(float(w) for w in v["weeks"] or ())
    if any(b <= a for a, b in zip(weeks, weeks[1:], strict=False)):
        c.error("visits.weeks", "Key 'visits.weeks' must increase from visit to visit.")
    return Visits(order=order, baseline=v["baseline"], labels=_tup(v["labels"]), weeks=weeks)


def _build_outcome(
    o: dict[str, Any], i: int, layout: str, visits: Visits, c: _Checker, adam: AdamSpec | None
) -> Outcome:
    key = f"outcomes[{i + 1}]"
    name = o["name"]
    if name and not _IDENT.match(name):
        c.error(f"{key}.name", f"Outcome name '{name}' must be letters, digits and '_' only.")
    column = o["column"]
    columns = _tup(o["columns"])
    _check_adam_outcome(o, key, layout, adam, c)
    if layout == "adam":
        for k in ("column", "columns"):
            if o[k]:
                c.error(
                    f"{key}.{k}",
                    f"Key '{key}.{k}' is not used with layout = \"adam\".",
                    "name the outcome's 'paramcd' instead",
                )
        column, columns = None, ()
    elif layout == "long":
        if columns:
            c.error(
                f"{key}.columns",
                f"Key '{key}.columns' is for the wide layout; [trial] layout is 'long'.",
                "use 'column' (one column holding every visit)",
            )
        column = column or name
    else:
        if column:
            c.error(
                f"{key}.column",
                f"Key '{key}.column' is for the long layout; [trial] layout is 'wide'.",
                "use 'columns' (one column per visit)",
            )
            column = None
        if not columns:
            c.error(f"{key}.columns", f"Key '{key}.columns' is required for the wide layout.")
        elif len(columns) != len(visits.order):
            c.error(
                f"{key}.columns",
                f"Key '{key}.columns' has {len(columns)} columns but 'visits.order' has "
                f"{len(visits.order)} visits.",
                "give one column per visit, in visit order",
            )
    rng = o["range"]
    if rng is not None and not rng[0] < rng[1]:
        c.error(f"{key}.range", f"Key '{key}.range' must be [min, max] with min < max.")
    return Outcome(
        name=name,
        label=o["label"] or name,
        column=column,
        columns=columns,
        range=(float(rng[0]), float(rng[1])) if rng is not None else None,
        lower_is_better=o["lower_is_better"],
        role=o["role"],
        units=o["units"],
        paramcd=o["paramcd"],
        dataset=o["dataset"],
        variable=VARIABLES.canonical(o["variable"]) or o["variable"],
    )


def _check_adam_outcome(
    o: dict[str, Any], key: str, layout: str, adam: AdamSpec | None, c: _Checker
) -> None:
    """``paramcd`` is required with ADaM data and names a BDS file in ``[adam] bds``."""
    if layout != "adam":
        for k in ("paramcd", "dataset"):
            if o[k]:
                c.error(f"{key}.{k}", f"Key '{key}.{k}' is for layout = \"adam\" only.")
        return
    if not o["paramcd"]:
        c.error(f"{key}.paramcd", f"Key '{key}.paramcd' is required for layout = \"adam\".")
    if adam is None:
        return
    files = [p.name for p in adam.bds]
    if o["dataset"] is not None and o["dataset"] not in files:
        c.error(
            f"{key}.dataset",
            f"Key '{key}.dataset' is '{o['dataset']}', which is not a file in 'adam.bds' "
            f"({quote_list(files)}).",
            did_you_mean(o["dataset"], files),
        )
    elif o["dataset"] is None and len(files) > 1:
        c.error(
            f"{key}.dataset",
            f"Key '{key}.dataset' is required when 'adam.bds' lists {len(files)} files.",
            "name the BDS file holding the outcome's PARAMCD",
        )


def _build_model(m: dict[str, Any] | None, c: _Checker) -> ModelSpec:
    if m is None:
        return ModelSpec()
    extra = [v for v in m["visit_covariates"] if v not in m["covariates"]]
    if extra:
        c.error(
            "model.visit_covariates",
            f"Key 'model.visit_covariates' has {quote_list(extra)}, not in 'model.covariates'.",
            "a visit interaction needs the covariate's main effect",
        )
    return ModelSpec(covariates=_tup(m["covariates"]), visit_covariates=_tup(m["visit_covariates"]))


def _build_adherence(a: dict[str, Any] | None, c: _Checker) -> Adherence | None:
    if a is None:
        return None
    if a["sessions"] < 1:
        c.error("adherence.sessions", "Key 'adherence.sessions' must be at least 1.")
    if not 0 <= a["threshold"] <= a["sessions"]:
        c.error(
            "adherence.threshold",
            f"Key 'adherence.threshold' is {a['threshold']}, outside 0..{a['sessions']} sessions.",
        )
    return Adherence(
        column=a["column"],
        sessions=a["sessions"],
        threshold=a["threshold"],
        denominator=a["denominator"],
        label=a["label"],
        extra=_tup(a["extra"]),
    )


def _build_enrolment(e: dict[str, Any] | None, path: Path) -> Enrolment:
    if e is None:
        return Enrolment()
    log = e["screening_log"]
    return Enrolment(
        assessed=e["assessed"],
        excluded=tuple((str(k), int(v)) for k, v in (e["excluded"] or {}).items()),
        screening_log=_resolve(path.parent / log) if log else None,
    )


def _build_baseline_table(b: dict[str, Any] | None, c: _Checker) -> BaselineTable:
    if b is None:
        return BaselineTable()
    blocks = []
    for i, m in enumerate(b["multi_select"]):
        if m["labels"] and len(m["labels"]) != len(m["columns"]):
            c.error(
                f"baseline_table.multi_select[{i + 1}].labels",
                f"Key 'baseline_table.multi_select[{i + 1}].labels' has {len(m['labels'])} "
                f"labels for {len(m['columns'])} columns.",
            )
        blocks.append(MultiSelect(m["label"], _tup(m["columns"]), _tup(m["labels"])))
    return BaselineTable(
        continuous=_tup(b["continuous"]),
        categorical=_tup(b["categorical"]),
        multi_select=tuple(blocks),
        labels=tuple((k, v) for k, v in (b["labels"] or {}).items()),
        include_outcomes=b["include_outcomes"],
        median_iqr=_tup(b["median_iqr"]),
        p_values=b["p_values"],
        standardized_differences=b["standardized_differences"],
    )


def _build_analysis(a: dict[str, Any] | None, c: _Checker) -> Analysis:
    if a is None:
        return Analysis()
    if not 0 < a["alpha"] < 0.5:
        c.error("analysis.alpha", f"Key 'analysis.alpha' is {a['alpha']}; use a value in (0, 0.5).")
    alpha = float(a["alpha"]) if 0 < a["alpha"] < 0.5 else Analysis.alpha
    mm = {k: v for k, v in (a["mmrm"] or {}).items() if v is not None}
    if "fallback" in mm:
        mm["fallback"] = _tup(mm["fallback"])
    mmrm = MMRMSpec(**mm, alpha=alpha)
    an = {k: v for k, v in (a["ancova"] or {}).items() if k != "robust" or v is not None}
    ancova = AncovaSpec(**an, lsmeans_weights=mmrm.lsmeans_weights, alpha=alpha)
    # the rules between options live in the specs: report them as plan problems
    c.problems.extend(mmrm.check(prefix="analysis.mmrm.", file=c.file))
    c.problems.extend(ancova.check(prefix="analysis.ancova.", file=c.file))
    return Analysis(alpha=alpha, mmrm=mmrm.normalised(), ancova=ancova.normalised())


def _estimator(t: dict[str, Any] | None, default_name: str) -> EstimatorSpec:
    if t is None:
        return EstimatorSpec()
    values = {k: v for k, v in t.items() if v is not None}
    values.setdefault("name", default_name)
    if "tipping_point" in values:
        values["tipping_point"] = tuple(float(x) for x in values["tipping_point"])
    est = EstimatorSpec(**values)
    return dataclasses.replace(
        est,
        method=METHODS.canonical(est.method) or est.method,
        assumption=ASSUMPTIONS.canonical(est.assumption) or est.assumption,
        resampling=RESAMPLING.canonical(est.resampling) or est.resampling,
        analysis=ANALYSES.canonical(est.analysis) or est.analysis,
    )


def _build_estimand(
    e: dict[str, Any], i: int, outcomes: tuple[Outcome, ...], visits: Visits, c: _Checker
) -> EstimandSpec:
    key = f"estimands[{i + 1}]"
    names = [o.name for o in outcomes]
    if e["outcome"] not in names:
        c.error(
            f"{key}.outcome",
            f"Key '{key}.outcome' is '{e['outcome']}', which is not an outcome name.",
            did_you_mean(e["outcome"], names),
        )
    chosen = tuple(e["visits"] or ())
    for v in chosen if visits.order else ():
        if v not in visits.post_baseline:
            c.error(
                f"{key}.visits",
                f"Key '{key}.visits' has '{v}', which is not a post-baseline visit.",
                did_you_mean(v, visits.post_baseline),
            )
    events = tuple(
        EventSpec(
            name=ev["name"],
            column=ev["column"],
            strategy=EVENT_STRATEGIES.canonical(ev["strategy"]) or ev["strategy"],
        )
        for ev in e["events"]
    )
    spec = EstimandSpec(
        name=e["name"],
        outcome=e["outcome"],
        visits=chosen or tuple(visits.post_baseline),
        population=tuple((k, str(v)) for k, v in (e["population"] or {}).items()),
        summary=e["summary"],
        events=events,
        main=_estimator(e["main"], "Main"),
        sensitivity=tuple(
            _estimator(s, f"Sensitivity {j + 1}") for j, s in enumerate(e["sensitivity"])
        ),
    )
    c.problems.extend(spec.check(prefix=f"{key}.", file=c.file))
    return spec
