"""The trial report as Markdown (GitHub-flavoured tables).

The content is the terminal report's sections (:func:`trialkit.report.terminal.report_sections`)
converted to Markdown: tables become pipe tables, the CONSORT tree a nested list, notes plain
paragraphs. Figures, when written next to the report (``trialkit analyze --figures-dir``), are
linked with ``figures`` mapping a figure name to its relative path.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from rich.table import Table
from rich.tree import Tree

from trialkit.analysis import TrialAnalysis
from trialkit.report.terminal import plain, render_parts, report_sections, table_data

_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>|#"})


def md_escape(text: str) -> str:
    """Escape Markdown syntax characters and pipes; newlines become ``<br>``."""
    return text.translate(_SPECIAL).replace("\n", "<br>")


def table_markdown(table: Table) -> str:
    """A rich table as a pipe table, its title as a bold line above."""
    d = table_data(table)
    heads = d.headers if d.show_header else [""] * len(d.headers)
    rule = ["---:" if j == "right" else "---" for j in d.justify]
    lines = [f"**{md_escape(d.title)}**", ""] if d.title else []
    lines.append("| " + " | ".join(md_escape(h) for h in heads) + " |")
    lines.append("| " + " | ".join(rule) + " |")
    lines += ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in d.rows]
    return "\n".join(lines)


def tree_markdown(tree: Tree, depth: int = 0) -> str:
    """A rich tree as a nested bullet list."""
    lines = ["  " * depth + f"- {md_escape(plain(tree.label))}"]
    lines += [tree_markdown(c, depth + 1) for c in tree.children]
    return "\n".join(lines)


def part_markdown(part: object) -> str:
    """Any section part: tables, trees and text lines, in order, blank-line separated."""
    return "\n\n".join(
        render_parts(part, table_markdown, tree_markdown, lambda t: md_escape(t.plain.strip()))
    )


def render_markdown(analysis: TrialAnalysis, figures: Mapping[str, str] | None = None) -> str:
    """The whole report as one Markdown document."""
    figures = figures or {}
    out = []
    for s in report_sections(analysis):
        out.append(f"# {md_escape(s.title)}" if s.key == "header" else f"## {md_escape(s.title)}")
        if s.key == "consort" and "consort" in figures:
            out.append(f"![CONSORT flow diagram]({figures['consort']})")
        if s.outcome == analysis.outcomes[0].name and "trajectories" in figures:
            out.append(f"![LS-mean trajectories by arm]({figures['trajectories']})")
        out += [part_markdown(p) for p in s.parts]
        if s.key == "estimand-1" and "estimands" in figures:
            out.append(f"![Estimands: main and sensitivity estimates]({figures['estimands']})")
        if s.key == "summary" and "forest" in figures:
            out.append(f"![Standardised differences across outcomes]({figures['forest']})")
    return "\n\n".join(out) + "\n"


def write_markdown(
    analysis: TrialAnalysis, path: str | Path, figures: Mapping[str, str] | None = None
) -> Path:
    """Write :func:`render_markdown` to ``path``."""
    path = Path(path)
    path.write_text(render_markdown(analysis, figures), encoding="utf-8")
    return path
