"""``trialkit power``'s report is a report document: every output renders the same tables.

Numbers come from trialkit.power_mmrm and the simulation (validated against R longpower in
tests/test_power_longpower.py and against the analytic power in tests/test_power_simulate.py);
these tests check that each renderer shows them.
"""

from __future__ import annotations

import json
from html import escape

from trialkit.power.design_file import PowerDesign, run_design
from trialkit.report.build_power import power_document, run_to_dict
from trialkit.report.document import Figure, Table
from trialkit.report.html import HtmlRenderer
from trialkit.report.json_report import JsonRenderer

DESIGN = {"delta": 0.6, "power": 0.8, "sd": 1.0, "rho": 0.5, "times": [0, 1]}


def test_analytic_only_document() -> None:
    run = run_design(PowerDesign(dict(DESIGN), None, "test"))
    doc = power_document(run)
    tables = [b for b in doc.blocks() if isinstance(b, Table)]
    assert [t.title for t in tables] == ["Power design (Lu, Luo & Chen 2008)", "Sample size"]
    assert not doc.figure_keys()
    assert doc.datasets == ()
    assert json.loads(JsonRenderer().render(doc)) == json.loads(json.dumps(run_to_dict(run)))
    page = HtmlRenderer().render(doc)
    assert "<title>Power and sample size</title>" in page  # not called a trial report
    assert f"{run.analytic.n_total:.2f}" in page


def test_simulation_adds_its_table_figure_and_dataset() -> None:
    sim = {"n_total": [40, 60], "n_sims": 4, "seed": 3}
    run = run_design(PowerDesign(dict(DESIGN), sim, "test"), n_jobs=1)
    doc = power_document(run)
    titles = [b.title for b in doc.blocks() if isinstance(b, Table)]
    assert titles[-1] == "Simulation: 4 trials per sample size (seed 3)"
    assert doc.figure_keys() == ["power_curve"]
    assert [d.name for d in doc.datasets] == ["power_simulation"]
    assert list(doc.dataset("power_simulation").frame["n_total"]) == [40, 60]
    (figure,) = [b for b in doc.blocks() if isinstance(b, Figure)]
    page = HtmlRenderer({"power_curve": "<svg></svg>"}).render(doc)
    assert '<figure id="figure-power_curve"><svg></svg>' in page
    assert escape(figure.caption) in page
