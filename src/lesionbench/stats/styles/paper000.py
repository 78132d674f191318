"""Paper 000 Table 1: per metric Median (P25, P75), mean ± sd and the adjusted P vs the proposed
model (section 2.3); metrics are ``CompareSettings.metrics`` (Dice, PPV, SC in the paper)."""

from __future__ import annotations

from lesionbench.stats.frames import resolve_subset
from lesionbench.stats.styles.base import StyleContext, StyledTable
from lesionbench.stats.tables import footnote, format_table1

CAPTION = "Segmentation performance per model (paper 000 Table 1 layout)"


def paper000(ctx: StyleContext) -> StyledTable:
    """Median (P25, P75), mean ± sd and P* per metric; the data are ``summary.tsv``'s rows."""
    summary = ctx.summary
    display = format_table1(summary, ctx.settings)
    note = footnote(ctx.settings, resolve_subset(ctx.frames[ctx.settings.reference], ctx.settings.subset))
    return StyledTable(summary, display, note, CAPTION)
