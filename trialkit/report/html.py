"""The trial report as one self-contained HTML file.

Inline CSS, inline SVG figures, no scripts and no external resources: the file renders the
same offline, in any browser, with JavaScript disabled. The content is the terminal report's
sections (:func:`trialkit.report.terminal.report_sections`) converted to HTML tables, lists
and paragraphs, plus the figures: the CONSORT diagram (in the CONSORT section), each
outcome's LS-mean trajectory (the trajectories figure, before the outcome sections) and the
forest plot of standardised differences (in the summary section).

Every string that comes from the data or the plan is escaped with :func:`html.escape`.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from trialkit.analysis import TrialAnalysis
from trialkit.core.version import __version__
from trialkit.report.terminal import (
    Section,
    plain,
    render_parts,
    report_sections,
    table_data,
)

CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222;
       max-width: 1180px; margin: 2em auto; padding: 0 1em; line-height: 1.4; }
h1 { font-size: 1.6em; border-bottom: 2px solid #444; padding-bottom: .2em; }
h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #bbb; }
nav ol { columns: 3; font-size: .9em; }
table { border-collapse: collapse; margin: .8em 0 1.2em; font-size: .88em; }
caption { text-align: left; font-weight: 600; padding: .3em 0; }
th, td { border: 1px solid #ccc; padding: .25em .55em; vertical-align: top; }
th { background: #f0f3f7; }
td.r, th.r { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
ul.tree { font-size: .9em; }
.flag { color: #b00020; font-weight: 600; }
.ok { color: #1b7f3b; }
figure { margin: 1em 0; }
figure svg { max-width: 100%; height: auto; }
figcaption { font-size: .85em; color: #555; }
footer { margin-top: 3em; font-size: .8em; color: #666; }
"""


def _cell_class(justify: str) -> str:
    return ' class="r"' if justify == "right" else ""


def table_html(table: Table) -> str:
    """A rich table as an HTML ``<table>`` with a caption."""
    d = table_data(table)
    out = ["<table>"]
    if d.title:
        out.append(f"<caption>{escape(d.title)}</caption>")
    heads = "".join(
        f"<th{_cell_class(j)}>{escape(h)}</th>" for h, j in zip(d.headers, d.justify, strict=True)
    )
    if d.show_header:
        out.append(f"<thead><tr>{heads}</tr></thead>")
    out.append("<tbody>")
    for row in d.rows:
        cells = "".join(
            f"<td{_cell_class(j)}>{_text_html(c)}</td>" for c, j in zip(row, d.justify, strict=True)
        )
        out.append(f"<tr>{cells}</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _text_html(text: str) -> str:
    return escape(text).replace("\n", "<br>")


def tree_html(tree: Tree) -> str:
    """A rich tree as nested lists."""

    def node(t: Tree) -> str:
        kids = "".join(node(c) for c in t.children)
        return f"<li>{_text_html(plain(t.label))}{f'<ul>{kids}</ul>' if kids else ''}</li>"

    return f'<ul class="tree">{node(tree)}</ul>'


def paragraph_html(text: Text) -> str:
    """A text line; red text (a flag) keeps its warning colour."""
    style = str(text.style)
    cls = ' class="flag"' if "red" in style else ' class="ok"' if "green" in style else ""
    return f"<p{cls}>{_text_html(text.plain)}</p>"


def part_html(part: object) -> str:
    """Any section part: tables, trees and text, in order."""
    return "\n".join(render_parts(part, table_html, tree_html, paragraph_html))


def _figure(svg: str, caption: str, key: str) -> str:
    return f'<figure id="figure-{key}">{svg}<figcaption>{escape(caption)}</figcaption></figure>'


def _section_html(s: Section, figures: dict[str, str]) -> str:
    body = [part_html(p) for p in s.parts]
    if s.key == "consort" and "consort" in figures:
        body.insert(0, _figure(figures["consort"], "CONSORT 2010 flow diagram.", "consort"))
    if s.key == "summary" and "forest" in figures:
        body.append(
            _figure(
                figures["forest"],
                "Standardised differences (Cohen's d, treatment - control) with confidence "
                "intervals across outcomes at each visit.",
                "forest",
            )
        )
    if s.key == "estimand-1" and "estimands" in figures:
        body.append(
            _figure(
                figures["estimands"],
                "Estimands: each estimator's difference (treatment - control) with its "
                "confidence interval at each visit; tipping point: the difference against the "
                "shift added to imputed treatment-arm values.",
                "estimands",
            )
        )
    heading = "" if s.key == "header" else f"<h2>{escape(s.title)}</h2>"
    return f'<section id="{escape(s.key)}">{heading}\n' + "\n".join(body) + "</section>"


def render_html(analysis: TrialAnalysis, figures: dict[str, str] | None = None) -> str:
    """The whole report as an HTML document.

    ``figures`` maps ``consort``, ``trajectories`` and ``forest`` to inline SVG markup; by
    default they are drawn with :func:`trialkit.report.figures.svg_figures`.
    """
    if figures is None:
        from trialkit.report.figures import svg_figures

        figures = svg_figures(analysis)
    sections = report_sections(analysis)
    title = analysis.trial.plan.title
    links = [(s.key, s.title) for s in sections if s.key != "header"]
    first = next(i for i, (k, _) in enumerate(links) if k.startswith("outcome-"))
    links.insert(first, ("trajectories", "Outcomes over time"))
    nav = "".join(f'<li><a href="#{escape(k)}">{escape(t)}</a></li>' for k, t in links)
    parts = []
    for s in sections:
        if s.outcome is not None and s.outcome == analysis.outcomes[0].name:
            parts.append(
                '<section id="trajectories"><h2>Outcomes over time</h2>'
                + _figure(
                    figures.get("trajectories", ""),
                    "LS means by arm with confidence intervals at each post-baseline visit "
                    "(MMRM), starting from the observed baseline mean.",
                    "trajectories",
                )
                + "</section>"
            )
        parts.append(_section_html(s, figures))
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}: trial report</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<style>{CSS}</style>\n</head>\n<body>\n"
        f"<h1>{escape(title)}</h1>\n<nav><ol>{nav}</ol></nav>\n"
        + "\n".join(parts)
        + f"\n<footer>Generated by trialkit {escape(__version__)}.</footer>\n"
        "</body>\n</html>\n"
    )


def write_html(analysis: TrialAnalysis, path: str | Path) -> Path:
    """Write :func:`render_html` to ``path``."""
    path = Path(path)
    path.write_text(render_html(analysis), encoding="utf-8")
    return path
