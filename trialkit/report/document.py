"""The report as a format-neutral document: sections of tables, paragraphs, notes, trees
and figures, with typed table cells.

The document is built once from a :class:`~trialkit.analysis.TrialAnalysis` by
:func:`trialkit.report.build.build_document`; every output format (terminal, HTML,
Markdown, DOCX, RTF, JSON, CSV) is a thin renderer of it, and none reads the plan, the
analysis or another renderer. The machine-readable formats render the document's ``data``
(the JSON tree: plain values and :class:`Dataset` leaves) and ``datasets`` (one CSV file
each): tidy tables of numbers at full precision, beside the formatted cells, built the first
time a renderer asks for them (a terminal report alone never does).

A cell keeps its number and its format (decimals, CI, p-value rule); :func:`cell_text`
turns it into the text every renderer shows, with the rules of
:mod:`trialkit.report.format`, so the formats agree to the character.
Renderers may use the cell type for alignment or styling, never to re-derive numbers.

Anchors: R gt / gtsummary (one table object, many outputs); pip-audit (one class per
output format).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal, TypeVar

import numpy as np
import pandas as pd

from trialkit.core.results import ReadOnlyResult
from trialkit.report.format import (
    REVMAN_MISSING,
    fmt_ci,
    fmt_int,
    fmt_num,
    fmt_p,
    fmt_paren,
    is_missing,
    revman_ci,
    revman_p,
)

T = TypeVar("T")
# "report": the trial report's rules; "revman": RevMan 5's (NA, [lower, upper], RevMan p).
Style = Literal["report", "revman"]
Emphasis = Literal["bold", "dim", "flag", "warn", "ok", "heading"] | None
Align = Literal["left", "right"]


@dataclass(frozen=True)
class Number:
    """A number shown with ``digits`` decimals (``-`` when missing), or with ``digits``
    significant digits when ``significant`` (``0.02``, ``0.005``, ``1``); ``unit`` follows
    a number that is not missing (``42%``)."""

    value: float | None
    digits: int = 1
    emphasis: Emphasis = None
    marks: tuple[str, ...] = ()
    significant: bool = False
    unit: str = ""
    style: Style = "report"


@dataclass(frozen=True)
class Estimate:
    """An estimate with its confidence interval: ``-5.02 (-9.21 to -0.83)``, or in RevMan's
    style ``-5.02 [-9.21, -0.83]``.

    ``sep`` separates the estimate from the interval (``"\\n"`` stacks them).
    """

    value: float | None
    lower: float | None
    upper: float | None
    digits: int = 2
    emphasis: Emphasis = None
    marks: tuple[str, ...] = ()
    sep: str = " "
    style: Style = "report"


@dataclass(frozen=True)
class MeanSpread:
    """A mean with its SD, or an estimate with its SE: ``52.7 (12.7)``."""

    value: float | None
    spread: float | None
    digits: int = 1
    emphasis: Emphasis = None
    marks: tuple[str, ...] = ()


@dataclass(frozen=True)
class PValue:
    """A p-value: ``<0.001`` or three decimals (RevMan's style: ``< 0.0001``, ``0.0002``,
    ``0.006``, ``0.03``)."""

    value: float | None
    emphasis: Emphasis = None
    marks: tuple[str, ...] = ()
    style: Style = "report"


@dataclass(frozen=True)
class Count:
    """A count of subjects or observations."""

    n: int | None
    emphasis: Emphasis = None
    marks: tuple[str, ...] = ()


@dataclass(frozen=True)
class Label:
    """Text: a row label (``indent`` levels below its parent row) or a text cell."""

    text: str
    indent: int = 0
    emphasis: Emphasis = None
    marks: tuple[str, ...] = ()


Cell = Number | Estimate | MeanSpread | PValue | Count | Label

EMPTY = Label("")


def cell_text(cell: Cell) -> str:
    """The cell's text without indentation or footnote marks (see :func:`display_text`)."""
    if isinstance(cell, Label):
        return cell.text
    if isinstance(cell, Number):
        if is_missing(cell.value):
            return REVMAN_MISSING if cell.style == "revman" else fmt_num(None)
        number = float(cell.value)  # type: ignore[arg-type]
        digits = f".{cell.digits}{'g' if cell.significant else 'f'}"
        return f"{number:{digits}}{cell.unit}"
    if isinstance(cell, Estimate):
        if cell.style == "revman":
            return revman_ci(cell.value, cell.lower, cell.upper, cell.digits)
        return fmt_ci(cell.value, cell.lower, cell.upper, cell.digits, sep=cell.sep)  # type: ignore[arg-type]
    if isinstance(cell, MeanSpread):
        return fmt_paren(cell.value, cell.spread, cell.digits)  # type: ignore[arg-type]
    if isinstance(cell, PValue):
        return revman_p(cell.value) if cell.style == "revman" else fmt_p(cell.value)
    return fmt_int(cell.n)


def marks_text(cell: Cell) -> str:
    """Footnote marks as a suffix (``" a,b"``), empty without marks."""
    return f" {','.join(cell.marks)}" if cell.marks else ""


def display_text(cell: Cell, indent: str = "  ") -> str:
    """Text with ``indent`` per indentation level and the footnote marks appended."""
    lead = indent * cell.indent if isinstance(cell, Label) else ""
    return f"{lead}{cell_text(cell)}{marks_text(cell)}"


@dataclass(frozen=True)
class Column:
    """A column header; numbers are right-aligned."""

    header: str
    align: Align = "left"


@dataclass(frozen=True)
class Table:
    """A titled table of typed cells with its footnotes.

    ``show_header=False`` marks a key-value table (the report header) whose column headers
    are not shown; ``rules=True`` asks for a rule between rows (long multi-line rows, such
    as the problem table).
    """

    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    footnotes: tuple[str, ...] = ()
    show_header: bool = True
    rules: bool = False

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(
                    f"Table '{self.title}': a row has {len(row)} cells for "
                    f"{len(self.columns)} columns."
                )

    @cached_property
    def _texts(self) -> tuple[tuple[str, ...], ...]:
        # the display text of every cell, made once (renderers ask several times)
        return tuple(tuple(display_text(c) for c in row) for row in self.rows)

    @cached_property
    def _cell_widths(self) -> tuple[int, ...]:
        return tuple(
            max((len(line) for r in self._texts for line in r[i].split("\n")), default=0)
            for i in range(len(self.columns))
        )

    def text_rows(self) -> list[list[str]]:
        """Every row as display text (two spaces per indentation level)."""
        return [list(r) for r in self._texts]

    def cell_widths(self) -> list[int]:
        """Characters each column's cells need (the longest line; headers not counted)."""
        return list(self._cell_widths)

    def char_widths(self, header_words: bool = False) -> list[int]:
        """Characters each column needs: its longest cell line or header line (the
        header's longest word with ``header_words``, for renderers that wrap headers)."""
        out = []
        for c, cells in zip(self.columns, self._cell_widths, strict=True):
            parts = c.header.split() if header_words else c.header.split("\n")
            head = max((len(x) for x in parts), default=0) if self.show_header else 0
            out.append(max(head, cells))
        return out

    def layout_widths(self, total: int, per_char: int, label_cap: int = 40) -> list[int]:
        """Column widths in page units (e.g. twips) for fixed-layout formats: each column's
        characters (at least 4, plus 2 of padding; the first column capped at
        ``label_cap``) times ``per_char``, scaled down to ``total`` when wider."""
        chars = [max(4, n) + 2 for n in self.char_widths()]
        chars[0] = min(chars[0], label_cap)
        need = [n * per_char for n in chars]
        width = sum(need)
        return [w * total // width for w in need] if width > total else need


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of running text; ``emphasis='flag'`` for a warning, ``'ok'`` for a pass."""

    text: str
    emphasis: Emphasis = None


@dataclass(frozen=True)
class Note:
    """A note on the methods (model, covariance, N used); ``indent`` for a sub-item."""

    text: str
    indent: int = 0


@dataclass(frozen=True)
class TreeNode:
    """One node of a tree (the CONSORT flow): its label and children."""

    label: Label
    children: tuple[TreeNode, ...] = ()

    def walk(self, depth: int = 0) -> Iterator[tuple[int, TreeNode]]:
        """Every node with its depth, depth first."""
        yield depth, self
        for c in self.children:
            yield from c.walk(depth + 1)


@dataclass(frozen=True)
class Tree:
    """A titled tree (the CONSORT 2025 participant flow)."""

    root: TreeNode


@dataclass(frozen=True)
class Figure:
    """A figure by key (``consort``, ``trajectories``, ``forest``, ``estimands``), its short
    ``title`` (alternative text) and caption; renderers that show figures receive the
    drawings (SVG, PNG, a link) by key and place one where its block stands (see
    :meth:`Document.figure_keys` and :func:`placed`)."""

    key: str
    caption: str
    title: str = ""


def placed(block: Figure, drawings: Mapping[str, T]) -> T | None:
    """The drawing ``block`` stands for, or None when the renderer was given none (the
    block is then left out): one rule for every renderer that shows figures."""
    return drawings.get(block.key)


Block = Table | Paragraph | Note | Tree | Figure


def plain_scalar(value: Any) -> Any:
    """A JSON-ready scalar: NumPy and pandas scalars as Python ones, NaN / NA as None."""
    if value is None or type(value) in (str, int, bool):  # the common leaves, first
        return value
    if type(value) is float:
        return value if math.isfinite(value) else None
    if isinstance(value, np.generic):
        value = value.item()
    if value is pd.NA or value is pd.NaT or value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass(frozen=True, repr=False, eq=False)
class Dataset(ReadOnlyResult):
    """A named tidy table of unrounded numbers for the machine-readable formats: a JSON
    array of records, a CSV file named ``<name>.csv``. ``frame`` is handed out as a copy.
    """

    name: str
    frame: pd.DataFrame
    _headline = ("name",)

    def records(self) -> list[dict[str, Any]]:
        """One dict per row, values as :func:`plain_scalar` (column by column)."""
        frame = self.frame
        names = [str(c) for c in frame.columns]
        if not names:
            return [{} for _ in range(len(frame))]
        cols = [[plain_scalar(v) for v in frame.iloc[:, j].tolist()] for j in range(len(names))]
        return [dict(zip(names, row, strict=True)) for row in zip(*cols, strict=True)]


@dataclass(frozen=True)
class Section:
    """One report section: a stable ``key``, its heading and blocks in order.

    ``outcome`` is the outcome name on per-outcome sections.
    """

    key: str
    title: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)
    outcome: str | None = None


#: The machine-readable part of a document: the JSON ``data`` tree and the CSV ``datasets``.
MachineData = tuple[dict[str, Any], tuple[Dataset, ...]]


def given(
    data: dict[str, Any] | None = None, datasets: tuple[Dataset, ...] = ()
) -> Callable[[], MachineData]:
    """A document's machine-readable part that is already built (see :class:`Document`)."""
    built: MachineData = (data if data is not None else {}, tuple(datasets))
    return lambda: built


@dataclass(frozen=True)
class Document:
    """The whole report: title and ordered sections; for the machine-readable formats the
    ``data`` tree (JSON: plain values, lists, dicts and :class:`Dataset` leaves) and the
    ``datasets`` (CSV files, by name).

    ``machine`` builds ``(data, datasets)``; it is called once, the first time a renderer
    asks for either (a terminal or HTML report never does), and its result is kept. Use
    :func:`given` for a data tree and datasets built already.
    """

    title: str
    sections: tuple[Section, ...]
    footer: str = ""
    machine: Callable[[], MachineData] = field(default_factory=given, repr=False, compare=False)
    #: what the document is, after its title where a format names it (an HTML page's title:
    #: "<trial title>: trial report"); empty when the title says it already
    kind: str = "trial report"

    @cached_property
    def _machine_data(self) -> MachineData:
        data, datasets = self.machine()
        return data, tuple(datasets)

    @property
    def data(self) -> dict[str, Any]:
        """The JSON tree: plain values, lists, dicts and :class:`Dataset` leaves."""
        return self._machine_data[0]

    @property
    def datasets(self) -> tuple[Dataset, ...]:
        """The tidy tables, one CSV file each."""
        return self._machine_data[1]

    def dataset(self, name: str) -> Dataset:
        """The dataset called ``name``."""
        for d in self.datasets:
            if d.name == name:
                return d
        raise KeyError(name)

    def section(self, key: str) -> Section:
        """The section with ``key``."""
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)

    def blocks(self) -> list[Block]:
        """Every block of every section, in order (for outputs without section headings)."""
        return [b for s in self.sections for b in s.blocks]

    def figure_keys(self) -> list[str]:
        """The keys of the figures the document places, in order."""
        return [b.key for s in self.sections for b in s.blocks if isinstance(b, Figure)]

    def tables(self) -> Iterator[tuple[Section, Table]]:
        """Every table with its section, in order."""
        for s in self.sections:
            for b in s.blocks:
                if isinstance(b, Table):
                    yield s, b
