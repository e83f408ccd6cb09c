"""The terminal renderer's plain tables (:class:`~trialkit.report.terminal.PlainTable`) print
exactly what rich prints for the same table on a console without styles, for every table of
the sample and three-arm reports at several console widths and for hand-made edge cases;
on a console with colours, or where a table does not fit, rich prints it."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from rich.console import Console, RenderableType

from trialkit.analysis import TrialAnalysis, analyze_trial
from trialkit.report.build import build_document
from trialkit.report.document import (
    EMPTY,
    Column,
    Count,
    Estimate,
    Label,
    Number,
    Table,
)
from trialkit.report.terminal import PlainTable, block_renderables

sys.path.insert(0, str(Path(__file__).parent))
from three_arm_data import three_arm_trial  # noqa: E402

WIDTHS = (60, 80, 100, 120, 200)


def printed(renderable: RenderableType, width: int, **console: object) -> str:
    out = io.StringIO()
    Console(file=out, width=width, **console).print(renderable)  # type: ignore[arg-type]
    return out.getvalue()


def check_tables(tables: list[Table]) -> int:
    """Assert every plain table prints as its rich table; return how many were plain."""
    n_plain = 0
    for width in WIDTHS:
        for table in tables:
            for r in block_renderables(table, width):
                if isinstance(r, PlainTable):
                    n_plain += 1
                    want = printed(r.rich_table(), width)
                    assert printed(r, width) == want, f"{table.title!r} at width {width}"
    return n_plain


@pytest.fixture(scope="module")
def three_arm() -> TrialAnalysis:
    return analyze_trial(three_arm_trial())


def test_every_report_table_prints_as_rich_prints_it(
    sample_analysis: TrialAnalysis, three_arm: TrialAnalysis
) -> None:
    tables = [t for a in (sample_analysis, three_arm) for _, t in build_document(a).tables()]
    n_plain = check_tables(tables)
    # most tables are drawn plain (the check is not vacuous); the rest were left to rich
    assert n_plain > len(tables) * len(WIDTHS) // 2


def _table(title: str, rows: tuple, rules: bool = False, heads: tuple = ("", "A", "B")) -> Table:
    cols = (Column(heads[0]), *[Column(h, "right") for h in heads[1:]])
    return Table(title, cols, rows, rules=rules)


EDGE_CASES = [
    # multi-line headers (bottom-aligned) and cells (top-aligned), rules between rows
    _table(
        "A title much longer than the table itself, so that rich wraps it over lines",
        (
            (Label("first"), Estimate(1.234, 0.5, 2.0, sep="\n"), Count(12)),
            (Label("sub", indent=2), EMPTY, Number(None)),
            (Label("last – with ≥ and ²"), Number(-0.5, 3), Count(None)),
        ),
        rules=True,
        heads=("", "Arm one\n(N = 44)", "B"),
    ),
    _table("No rows", ()),
    _table("", ((Label("x"), EMPTY, EMPTY),), heads=("", "", "")),
    _table("Blank line inside", ((Label("a\n\nb"), Count(1), Count(2)),)),
    _table("Trailing spaces", ((Label("left  "), Label("right  "), Label(" both ")),)),
    # a long text column: wrapped (and a word longer than its column folded) at narrow widths
    _table(
        "Wrapped",
        (
            (Label("word " * 30), Count(1), Label("x")),
            (Label("Supercalifragilisticexpialidocious" * 3), Number(2.5), Label("y")),
        ),
        rules=True,
    ),
]


def test_edge_cases_print_as_rich_prints_them() -> None:
    assert check_tables(EDGE_CASES) == len(EDGE_CASES) * len(WIDTHS)


@pytest.mark.parametrize(
    "text",
    ["wide 漢字", "tab\there", "ends with a newline\n", "control \x07 bell"],
)
def test_text_rich_handles_itself_is_left_to_rich(text: str) -> None:
    table = _table("T", ((Label(text), Count(1), Count(2)),))
    (r,) = block_renderables(table, 120)
    assert not isinstance(r, PlainTable)


def test_colour_console_and_narrow_width_print_the_rich_table() -> None:
    table = EDGE_CASES[0]
    (r,) = block_renderables(table, 120)
    assert isinstance(r, PlainTable)
    colour = {"force_terminal": True, "color_system": "truecolor"}
    assert printed(r, 120, **colour) == printed(r.rich_table(), 120, **colour)
    assert "\x1b[" in printed(r, 120, **colour)
    # printed on a console narrower than the table it was laid out for: rich's layout
    assert r.width > 30
    assert printed(r, 30) == printed(r.rich_table(), 30)
    recording = Console(file=io.StringIO(), width=120, record=True)
    recording.print(r)
    assert recording.export_text() == printed(r.rich_table(), 120)
