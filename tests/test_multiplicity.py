"""Multiplicity adjustments vs R ``p.adjust``, statsmodels ``multipletests`` and graphicalMCP.

Source: tests/reference/multiplicity/ (PROVENANCE.md there): ``p.adjust`` (R 4.2.2) for
Bonferroni/Holm/Hochberg/Hommel on 8 p-value vectors (ties, 0 and 1 included) and
graphicalMCP 0.2.5 ``graph_test_shortcut`` on 10 graphs x 3 p-vectors x alpha 0.025/0.05:
Bonferroni-Holm, fixed sequence, fallback, improved fallback, the two primary / two secondary
successive graphs (Bretz et al. 2011 Fig. 1 and 4, the Bretz et al. 2009 approach), Huque et
al. (2011), Xi and Bretz (2019) Fig. 6 and a random graph.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from tests.mmrm_reference import REF
from trialkit import adjust_multiplicity, graphical_test
from trialkit.errors import PlanError
from trialkit.inference.multiplicity import Graph

with open(REF / "multiplicity" / "multiplicity_reference.json") as fh:
    R = json.load(fh)
# adjusted p-values are products / maxima of the inputs: exact up to rounding (measured 1e-17
# for p.adjust, 3e-13 for graphs, where graphicalMCP accumulates the graph updates).
P_TOL = 1e-10
SM_METHOD = {
    "bonferroni": "bonferroni",
    "holm": "holm",
    "hochberg": "simes-hochberg",
    "hommel": "hommel",
}


@pytest.mark.parametrize("case", R["p_adjust"], ids=lambda c: c["name"])
@pytest.mark.parametrize("method", list(SM_METHOD))
def test_p_adjust(case: dict, method: str) -> None:
    """Adjusted p-values vs R p.adjust and statsmodels multipletests."""
    p = np.atleast_1d(case["p"]).astype(float)
    res = adjust_multiplicity(p, method, alpha=0.05)
    got = res.table["adjusted_p"].to_numpy()
    np.testing.assert_allclose(got, np.atleast_1d(case[method]), rtol=P_TOL, atol=1e-15)
    reject, sm, _, _ = multipletests(p, alpha=0.05, method=SM_METHOD[method])
    np.testing.assert_allclose(got, sm, rtol=P_TOL, atol=1e-15)
    assert res.table["rejected"].tolist() == reject.tolist()


@pytest.mark.parametrize(
    "case",
    R["graphs"],
    ids=lambda c: f"{c['graph']}-a{c['alpha']}-{'-'.join(map(str, np.atleast_1d(c['p'])))}",
)
def test_graph_shortcut(case: dict) -> None:
    """Adjusted p-values, rejections, rejection order and final graph vs graph_test_shortcut."""
    res = graphical_test(case["p"], (case["weights"], case["transitions"]), alpha=case["alpha"])
    t = res.table
    np.testing.assert_allclose(
        t["adjusted_p"], np.minimum(case["adjusted_p"], 1.0), rtol=P_TOL, atol=1e-15
    )
    assert t["rejected"].tolist() == np.atleast_1d(case["rejected"]).tolist()
    seq = [f"H{i}" for i in np.atleast_1d(case["rejection_sequence"]).astype(int)]
    assert list(res.rejection_sequence) == seq
    assert res.final_graph is not None
    np.testing.assert_allclose(res.final_graph.weights, case["final_weights"], atol=1e-12)
    np.testing.assert_allclose(res.final_graph.transitions, case["final_transitions"], atol=1e-12)


def test_holm_equals_bonferroni_holm_graph() -> None:
    p = [0.01, 0.04, 0.03, 0.005, 0.2]
    m = len(p)
    g = np.full((m, m), 1 / (m - 1))
    np.fill_diagonal(g, 0)
    graph = graphical_test(p, (np.full(m, 1 / m), g))
    np.testing.assert_allclose(
        graph.table["adjusted_p"], adjust_multiplicity(p, "holm").table["adjusted_p"]
    )


def test_fixed_sequence_stops_at_first_non_rejection() -> None:
    """Hierarchical testing: H3 has the smallest p but is never reached after H2 fails."""
    res = adjust_multiplicity(
        [0.01, 0.2, 0.001, 0.03],
        "fixed-sequence",
        alpha=0.05,
        hypotheses=["primary", "key secondary", "secondary 2", "secondary 3"],
    )
    t = res.table
    assert t["adjusted_p"].tolist() == [0.01, 0.2, 0.2, 0.2]
    assert t["rejected"].tolist() == [True, False, False, False]
    assert res.rejection_sequence == ("primary",)
    assert res.decision() == "fixed-sequence at alpha = 0.05: 1 of 4 hypotheses rejected (primary)"


def test_graph_object_names_and_result_copies() -> None:
    g = Graph(("A", "B"), [0.5, 0.5], [[0, 1], [1, 0]])
    res = graphical_test([0.01, 0.04], g, alpha=0.05)
    assert res.rejection_sequence == ("A", "B")
    t = res.table
    t.loc[0, "adjusted_p"] = 9.0
    assert res.table.loc[0, "adjusted_p"] == pytest.approx(0.02)
    with pytest.raises(ValueError):
        g.weights[0] = 1.0  # read-only


@pytest.mark.parametrize(
    ("weights", "transitions", "message"),
    [
        ([0.6, 0.6], [[0, 1], [1, 0]], "the graph weights sum to 1.2; they must sum to at most 1"),
        ([-0.1, 0.5], [[0, 1], [1, 0]], "the weight of hypothesis 1 is -0.1; weights must be >= 0"),
        (
            [0.5, 0.5],
            [[0, 0.7], [0.6, 0.5]],
            "the transition matrix has 0.5 on its diagonal at hypothesis 2; the diagonal must be 0",
        ),
        (
            [0.5, 0.5, 0],
            [[0, 0.7, 0.6], [1, 0, 0], [1, 0, 0]],
            "the transition weights leaving hypothesis 1 sum to 1.3; "
            "each row must sum to at most 1",
        ),
        (
            [0.5, 0.5],
            [[0, 1, 0], [1, 0, 0]],
            "the transition matrix is 2x3 but there are 2 hypotheses; it must be 2x2",
        ),
        (
            [0.5, 0.5],
            [[0, -0.2], [1, 0]],
            "the transition weight from hypothesis 1 to 2 is -0.2; "
            "transition weights must be between 0 and 1",
        ),
    ],
)
def test_bad_graphs_are_one_sentence(weights, transitions, message) -> None:
    p = [0.01] * len(weights)
    with pytest.raises(PlanError) as err:
        graphical_test(p, (weights, transitions))
    assert str(err.value) == message


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: adjust_multiplicity([0.1, 1.2]),
            "p-value 2 is 1.2; every p-value must be between 0 and 1",
        ),
        (lambda: adjust_multiplicity([0.1], "bh"), "unknown multiplicity method 'bh'"),
        (
            lambda: adjust_multiplicity([0.1, 0.2], hypotheses=["a"]),
            "1 hypothesis names were given for 2 p-values",
        ),
        (
            lambda: graphical_test([0.1], ([1.0, 0.0], [[0, 1], [1, 0]])),
            "the graph has 2 hypotheses but 1 p-values",
        ),
        (lambda: adjust_multiplicity([0.1], alpha=1.5), "alpha is 1.5; it must be between 0 and 1"),
    ],
)
def test_bad_input(call, message) -> None:
    with pytest.raises(PlanError, match=message):
        call()


def test_graph_figure_marks_weights_transitions_and_rejections(tmp_path) -> None:
    """The drawing carries the numbers of the result (nothing recomputed) and saves as PNG."""
    import matplotlib.pyplot as plt

    from trialkit.report.multiplicity_figure import multiplicity_graph_figure

    res = graphical_test(
        [0.01, 0.03, 0.005, 0.2],
        ([0.5, 0.5, 0, 0], [[0, 0, 1, 0], [0, 0, 0, 1], [0, 1, 0, 0], [1, 0, 0, 0]]),
        alpha=0.025,
        hypotheses=["H1", "H2", "H3", "H4"],
    )
    fig = multiplicity_graph_figure(res)
    texts = [t.get_text() for t in fig.axes[0].texts]
    notes = [t for t in texts if t.startswith("p = ")]
    assert notes[0] == "p = 0.01\nadj. p = 0.02\nrejected"
    assert notes[1] == "p = 0.03\nadj. p = 0.03"
    assert (
        sorted(t for t in texts if t in {"0.5", "0", "1"}) == ["0", "0", "0.5", "0.5"] + ["1"] * 4
    )
    faces = [p.get_facecolor() for p in fig.axes[0].patches if hasattr(p, "get_radius")]
    grey = {tuple(np.round(f, 3)) for f, r in zip(faces, res.table["rejected"], strict=True) if r}
    assert len(grey) == 1 and len(faces) == 4
    path = tmp_path / "graph.png"
    fig.savefig(path)
    plt.close(fig)
    assert path.stat().st_size > 5000
    with pytest.raises(ValueError, match="has no graph"):
        multiplicity_graph_figure(adjust_multiplicity([0.01, 0.02], "holm"))


@pytest.mark.parametrize(
    "case",
    [c for c in R["graphs"] if c["graph"] == "fixed_sequence_4"],
    ids=lambda c: f"a{c['alpha']}-{'-'.join(map(str, c['p']))}",
)
def test_fixed_sequence_method_matches_graphicalmcp(case: dict) -> None:
    """adjust_multiplicity(method='fixed-sequence') vs graphicalMCP's fixed_sequence(4) graph."""
    res = adjust_multiplicity(case["p"], "fixed-sequence", alpha=case["alpha"])
    np.testing.assert_allclose(res.table["adjusted_p"], case["adjusted_p"], rtol=P_TOL)
    assert res.table["rejected"].tolist() == np.atleast_1d(case["rejected"]).tolist()
