"""``trialkit multiplicity``: exit codes, messages and the printed decisions.

Numbers: the two primary / two secondary successive graph (graphicalMCP
``simple_successive_1``, Bretz et al. 2011 Fig. 1) whose adjusted p-values are checked against
graphicalMCP in tests/test_multiplicity.py; here the CLI must print the same decisions.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import assert_clean_failure

P_CSV = (
    "hypothesis,p_value\nH1 primary,0.01\nH2 primary,0.03\nH3 secondary,0.005\nH4 secondary,0.2\n"
)
GRAPH = (
    "weights = [0.5, 0.5, 0, 0]\n"
    "transitions = [[0, 0, 1, 0], [0, 0, 0, 1], [0, 1, 0, 0], [1, 0, 0, 0]]\n"
)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    p = tmp_path / "p.csv"
    p.write_text(P_CSV)
    g = tmp_path / "graph.toml"
    g.write_text(GRAPH)
    return p, g


def test_graph_with_figure(cli, files, tmp_path: Path) -> None:
    p, g = files
    fig = tmp_path / "graph.svg"
    r = cli("multiplicity", p, "--graph", g, "--alpha", "0.025", "--figure", fig)
    assert r.exit_code == 0, r.output
    assert "Rejected, in order: H1 primary -> H3 secondary" in r.output
    lines = {ln.split("│")[1].strip(): ln for ln in r.output.splitlines() if "│" in ln}
    assert "0.02" in lines["H1 primary"] and "rejected" in lines["H1 primary"]
    assert "not rejected" in lines["H2 primary"]
    assert fig.read_text().count("<svg") == 1 and "H4 secondary" in fig.read_text()


def test_hommel_and_fixed_sequence(cli, files) -> None:
    p, _ = files
    r = cli("multiplicity", p, "--method", "hommel")
    assert r.exit_code == 0
    assert "Rejected, in order: H3 secondary -> H1 primary" in r.output
    # at 0.025 the sequence stops at H2 (p 0.03): H3 (p 0.005) is never tested
    r = cli("multiplicity", p, "--method", "fixed-sequence", "--alpha", "0.025")
    assert r.exit_code == 0
    assert r.output.rstrip().endswith("Rejected, in order: H1 primary")


def test_bad_p_value_names_file_column_and_row(cli, tmp_path: Path) -> None:
    p = tmp_path / "p.csv"
    p.write_text("hypothesis,p_value\nA,0.01\nB,1.5\n")
    r = cli("multiplicity", p)
    assert_clean_failure(r, "column p_value has '1.5' at row 3", "between 0 and 1")


def test_bad_graph_weights(cli, files) -> None:
    p, g = files
    g.write_text(GRAPH.replace("0.5, 0.5, 0, 0", "0.6, 0.6, 0, 0"))
    r = cli("multiplicity", p, "--graph", g)
    assert_clean_failure(r, "the graph weights sum to 1.2; they must sum to at most 1")


def test_graph_file_problems(cli, files, tmp_path: Path) -> None:
    p, g = files
    assert_clean_failure(
        cli("multiplicity", p, "--graph", tmp_path / "nope.toml"), "does not exist"
    )
    g.write_text("weights = [0.5, 0.5, 0, 0]\n")
    assert_clean_failure(cli("multiplicity", p, "--graph", g), "has no 'transitions' key")
    g.write_text('hypotheses = ["a", "b", "c", "d"]\n' + GRAPH)
    assert_clean_failure(cli("multiplicity", p, "--graph", g), "lists hypotheses a, b, c, d")
    assert_clean_failure(
        cli("multiplicity", p, "--method", "bh"), "unknown multiplicity method 'bh'"
    )


def test_figure_must_not_overwrite_input_or_lack_a_graph(cli, files) -> None:
    p, g = files
    assert_clean_failure(cli("multiplicity", p, "--graph", g, "--figure", g), "would overwrite")
    assert_clean_failure(cli("multiplicity", p, "--figure", p.with_suffix(".png")), "needs a graph")


def test_json_markdown_and_html_from_one_document(cli, files, tmp_path: Path) -> None:
    # The decisions as JSON (numbers at full precision), Markdown and HTML: the report
    # renderers of the one multiplicity document; the terminal shows the same table.
    import json

    from trialkit.inference.multiplicity_files import multiplicity_from_files

    p, g = files
    out = {k: tmp_path / f"m.{k}" for k in ("json", "md", "html")}
    r = cli(
        "multiplicity", p, "--graph", g, "--alpha", "0.025",
        "--json", out["json"], "--markdown", out["md"], "--html", out["html"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    expected = multiplicity_from_files(p, method="holm", alpha=0.025, graph=g)
    data = json.loads(out["json"].read_text())
    assert data["kind"] == "trialkit.multiplicity" and data["method"] == expected.method
    assert [x["adjusted_p"] for x in data["table"]] == expected.table["adjusted_p"].tolist()
    assert data["rejection_sequence"] == ["H1 primary", "H3 secondary"]
    assert data["graph"]["weights"] == [0.5, 0.5, 0.0, 0.0]
    md = out["md"].read_text()
    assert "| H2 primary |" in md  # ">" escaped for Markdown:
    assert "Rejected, in order: H1 primary -> H3 secondary" in md
    assert "<td>H4 secondary</td>" in out["html"].read_text()


def test_output_over_an_input_is_refused(cli, files) -> None:
    p, _ = files
    r = cli("multiplicity", p, "--json", p)
    assert_clean_failure(r, "p.csv")
