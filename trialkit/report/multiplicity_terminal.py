"""Rich terminal table for a multiplicity result: p, adjusted p and the decision per
hypothesis, then the rejection sequence."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from trialkit.inference.multiplicity import MultiplicityResult


def render_multiplicity(result: MultiplicityResult, console: Console) -> None:
    """Print the decisions of ``result``."""
    t = Table(
        title=f"Multiplicity: {escape(result.method)}, familywise alpha = {result.alpha:g}",
        title_justify="left",
    )
    for col, justify in (("Hypothesis", "left"), ("p", "right"), ("Adjusted p", "right")):
        t.add_column(col, justify=justify)
    t.add_column("Decision")
    for r in result.table.itertuples():
        t.add_row(
            escape(str(r.hypothesis)),
            f"{r.p_value:.4g}",
            f"{r.adjusted_p:.4g}",
            "rejected" if r.rejected else "not rejected",
        )
    console.print(t)
    seq = " -> ".join(escape(h) for h in result.rejection_sequence) or "none"
    console.print(f"Rejected, in order: {seq}")
