"""The trial report of an analysis in each format, for tests: the document is built once
per call and handed to the format's renderer, as ``trialkit analyze`` does."""

from __future__ import annotations

from collections.abc import Mapping

from rich.console import Console

from trialkit.analysis import TrialAnalysis
from trialkit.report.build import build_document
from trialkit.report.html import HtmlRenderer
from trialkit.report.json_report import JsonRenderer
from trialkit.report.markdown import MarkdownRenderer
from trialkit.report.terminal import TerminalRenderer


def print_report(analysis: TrialAnalysis, console: Console) -> None:
    TerminalRenderer().render(build_document(analysis), console)


def html_text(analysis: TrialAnalysis, figures: Mapping[str, str] | None = None) -> str:
    """The HTML page; ``figures`` (key -> SVG) default to the drawn figures."""
    if figures is None:
        from trialkit.report.figures import svg_figures

        figures = svg_figures(analysis)
    return HtmlRenderer(figures).render(build_document(analysis))


def markdown_text(analysis: TrialAnalysis, figures: Mapping[str, str] | None = None) -> str:
    return MarkdownRenderer(figures).render(build_document(analysis))


def json_text(analysis: TrialAnalysis) -> str:
    return JsonRenderer().render(build_document(analysis))
