"""Paper 000 Table 1 layout and the number formatters shared by every table style.

Table 1 ("Data comparison in the experimental network") has one row per network, the proposed
one ("Ours") first, and per metric three columns: ``Median (P25, P75)``, ``x̄ ± s`` and ``P*``
(vs Ours; "—" on the reference's own row; "<0.001" below 0.001, else three decimals). Metric
values have two decimals. The raw numbers go to ``summary.tsv``; the renderers of
:mod:`lesionbench.stats.render` (re-exported here) only print strings.
"""

from __future__ import annotations

import math

import pandas as pd

from lesionbench.stats.render import LATEX_HEADERS, to_html, to_latex, to_markdown  # noqa: F401 (re-exported)
from lesionbench.stats.settings import CORRECTIONS, CompareSettings

MEDIAN_HEADER = "Median (P25, P75)"
MEAN_HEADER = "mean ± sd"
P_HEADER = "P*"
SUBHEADERS = (MEDIAN_HEADER, MEAN_HEADER, P_HEADER)
REFERENCE_MARK = "—"
MISSING = "NA"


def format_number(value: float, decimals: int) -> str:
    """``value`` with ``decimals`` decimals, or ``"NA"`` if it is missing."""
    return MISSING if value is None or not math.isfinite(value) else f"{value:.{decimals}f}"


def format_median(median: float, p25: float, p75: float, decimals: int = 2) -> str:
    """``"0.91 (0.85, 0.94)"``."""
    return f"{format_number(median, decimals)} ({format_number(p25, decimals)}, {format_number(p75, decimals)})"


def format_mean_sd(mean: float, sd: float, decimals: int = 2) -> str:
    """``"0.87 ± 0.11"``."""
    return f"{format_number(mean, decimals)} ± {format_number(sd, decimals)}"


def format_p(p: float, decimals: int = 3, floor: float = 0.001, reference: bool = False) -> str:
    """``"—"`` for the reference, ``"<0.001"`` below ``floor``, else ``decimals`` decimals."""
    if reference:
        return REFERENCE_MARK
    if p is None or not math.isfinite(p):
        return MISSING
    if p < floor:
        return f"<{floor:.{decimals}f}"
    return f"{p:.{decimals}f}"


def format_p_scientific(p: float, floor: float = 0.001, reference: bool = False) -> str:
    """Paper 003's p-values: ``"1.35E-05"`` below ``floor``, else three decimals; ``"—"`` for
    the reference."""
    if reference:
        return REFERENCE_MARK
    if p is None or not math.isfinite(p):
        return MISSING
    return f"{p:.2E}" if p < floor else f"{p:.3f}"


def format_table1(summary: pd.DataFrame, settings: CompareSettings) -> pd.DataFrame:
    """Paper 000 Table 1 as strings.

    Args:
        summary: output of :func:`lesionbench.stats.summary.summary_table`.
        settings: decimals, p floor, labels.

    Returns:
        Frame indexed by model label (reference first) with two-level columns
        ``(metric label, sub-header)``, sub-headers :data:`SUBHEADERS`.
    """
    models = list(dict.fromkeys(summary["model"]))
    metrics = list(dict.fromkeys(summary["metric"]))
    columns = pd.MultiIndex.from_tuples(
        [(settings.metric_label(m), h) for m in metrics for h in SUBHEADERS], names=["metric", ""]
    )
    by_key = summary.set_index(["model", "metric"])
    rows = []
    for model in models:
        cells = []
        for metric in metrics:
            row = by_key.loc[(model, metric)]
            cells += [
                format_median(row["median"], row["p25"], row["p75"], settings.decimals),
                format_mean_sd(row["mean"], row["sd"], settings.decimals),
                format_p(row["p_adjusted"], settings.p_decimals, settings.p_floor, bool(row["is_reference"])),
            ]
        rows.append(cells)
    index = pd.Index([settings.label(m) for m in models], name="Model")
    return pd.DataFrame(rows, index=index, columns=columns)


def footnote(settings: CompareSettings, subset: str | None = None) -> str:
    """The table's note: what P* is, how it was adjusted, which cases count.

    Args:
        settings: comparison settings.
        subset: the resolved case rule (:func:`lesionbench.stats.frames.resolve_subset`);
            default ``settings.subset``.
    """
    correction = CORRECTIONS.get(settings.correction, settings.correction)
    family = "the comparisons of each metric" if settings.family == "per_metric" else "all comparisons in the table"
    rule = subset or settings.subset
    subset = {"auto": "cases with a reference lesion", "has_lesion": "cases with a reference lesion",
              "~ref_empty": "cases with a non-empty reference mask", "all": "all cases"}.get(
        rule, f"cases selected by '{rule}'")
    return (
        f"* {settings.alternative} Wilcoxon signed-rank test vs {settings.label(settings.reference)}, "
        f"p adjusted by {correction} over {family}; alpha = {settings.alpha:g}; {subset}."
    )
