"""The power report in the terminal (rich tables)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from trialkit.power.design_file import PowerRun
from trialkit.report.power_tables import power_tables


def render_power(run: PowerRun, console: Console) -> None:
    """Print every power table with its notes."""
    for pt in power_tables(run):
        table = Table(title=pt.title, title_justify="left")
        for i, h in enumerate(pt.headers):
            table.add_column(h, justify="left" if i == 0 else "right")
        for row in pt.rows:
            table.add_row(*row)
        console.print(table)
        for note in pt.notes:
            console.print(Text(note, style="dim"))
        console.print()
