"""Paper 000 Table 1 layout, rendered as Markdown, LaTeX (booktabs) and HTML.

Table 1 ("Data comparison in the experimental network") has one row per network, the proposed
one ("Ours") first, and per metric three columns: ``Median (P25, P75)``, ``x̄ ± s`` and ``P*``
(vs Ours; "—" on the reference's own row; "<0.001" below 0.001, else three decimals). Metric
values have two decimals. The raw numbers go to ``summary.tsv``; these renderers only print
strings. Markdown and LaTeX are written here rather than by ``DataFrame.to_markdown`` /
``to_latex`` because those need optional packages (tabulate, jinja2), cannot draw booktabs
``\\cmidrule`` under grouped headers, and do not escape ``±``/``<``/``—`` for LaTeX.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable

import pandas as pd
from lesionbench.stats.settings import CORRECTIONS, CompareSettings

MEDIAN_HEADER = "Median (P25, P75)"
MEAN_HEADER = "mean ± sd"
P_HEADER = "P*"
SUBHEADERS = (MEDIAN_HEADER, MEAN_HEADER, P_HEADER)
#: LaTeX spelling of the sub-headers (paper 000 writes x̄ ± s and P*).
_LATEX_HEADERS = {
    MEDIAN_HEADER: r"Median ($P_{25}$, $P_{75}$)",
    MEAN_HEADER: r"$\bar{x} \pm s$",
    P_HEADER: r"$P^{*}$",
}
REFERENCE_MARK = "—"
MISSING = "NA"

_LATEX_ESCAPES = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "±": r"$\pm$", "<": r"$<$", ">": r"$>$", "—": "---", "–": "--",
}
_MARKDOWN_ESCAPES = {"\\": "\\\\", "|": r"\|", "*": r"\*", "_": r"\_"}


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


def to_markdown(table: pd.DataFrame, note: str = "") -> str:
    """GitHub-flavoured Markdown; grouped headers are flattened to ``"Dice Median (P25, P75)"``."""
    esc = _escaper(_MARKDOWN_ESCAPES)
    header = [esc(table.index.name or "")] + [esc(f"{metric} {sub}") for metric, sub in table.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join([":---"] + [":---:"] * len(table.columns)) + "|"]
    for label, cells in zip(table.index, table.itertuples(index=False)):
        lines.append("| " + " | ".join([esc(str(label))] + [esc(c) for c in cells]) + " |")
    text = "\n".join(lines) + "\n"
    return text + (f"\n{esc(note)}\n" if note else "")


def to_latex(table: pd.DataFrame, note: str = "", caption: str = "") -> str:
    """A booktabs ``tabular`` with one ``\\multicolumn`` group per metric (needs ``booktabs``)."""
    esc = _escaper(_LATEX_ESCAPES)
    groups = list(dict.fromkeys(metric for metric, _ in table.columns))
    width = len(table.columns) // max(len(groups), 1)
    lines = [r"\begin{table}[htbp]", r"\centering"]
    if caption:
        lines.append(rf"\caption{{{esc(caption)}}}")
    lines += [rf"\begin{{tabular}}{{l{'c' * len(table.columns)}}}", r"\toprule"]
    lines.append(" & " + " & ".join(rf"\multicolumn{{{width}}}{{c}}{{{esc(g)}}}" for g in groups) + r" \\")
    lines.append(" ".join(rf"\cmidrule(lr){{{2 + i * width}-{1 + (i + 1) * width}}}" for i in range(len(groups))))
    subs = [_LATEX_HEADERS.get(sub, esc(sub)) for _, sub in table.columns]
    lines.append(" & ".join([esc(table.index.name or "")] + subs) + r" \\")
    lines.append(r"\midrule")
    for label, cells in zip(table.index, table.itertuples(index=False)):
        lines.append(" & ".join([esc(str(label))] + [esc(c) for c in cells]) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    if note:
        lines.append(rf"\par\smallskip{{\footnotesize {esc(note)}}}")
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"


def to_html(table: pd.DataFrame, note: str = "", title: str = "") -> str:
    """A standalone UTF-8 HTML page holding the table (pandas ``to_html``, escaped)."""
    flat = table.copy()
    flat.columns = flat.columns.set_names([None] * flat.columns.nlevels)
    flat = flat.reset_index()  # the model column gets the header "Model" on the first row
    body = flat.to_html(escape=True, border=0, classes="table1", justify="center", index=False)
    parts = ["<!DOCTYPE html>", '<html><head><meta charset="utf-8">']
    if title:
        parts.append(f"<title>{html.escape(title)}</title>")
    parts += ["<style>.table1{border-collapse:collapse}.table1 td,.table1 th{padding:2px 8px;text-align:center}</style>",
              "</head><body>", body]
    if note:
        parts.append(f"<p><small>{html.escape(note)}</small></p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _escaper(table: dict[str, str]) -> Callable[[str], str]:
    def escape(text: str) -> str:
        return "".join(table.get(ch, ch) for ch in str(text))
    return escape
