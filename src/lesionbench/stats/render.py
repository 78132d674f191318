"""Render a formatted table (strings) as Markdown, LaTeX (booktabs) and HTML.

A table is a DataFrame of strings whose columns are either flat or two-level
``(group, sub-header)`` (paper 000 groups ``Median (P25, P75)``, ``mean ± sd`` and ``P*``
under each metric; paper 003 groups overlap and boundary metrics), and whose rows are either
one level (the model) or two levels ``(row group, model)`` (paper 002's subgroups). Markdown
and LaTeX are written here rather than by ``DataFrame.to_markdown`` / ``to_latex`` because
those need optional packages (tabulate, jinja2), cannot draw booktabs ``\\cmidrule`` under
grouped headers, and do not escape ``±``/``<``/``—``/``Δ`` for LaTeX.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Callable

import pandas as pd

#: LaTeX spelling of sub-headers (paper 000 writes x̄ ± s and P*).
LATEX_HEADERS = {
    "Median (P25, P75)": r"Median ($P_{25}$, $P_{75}$)",
    "mean ± sd": r"$\bar{x} \pm s$",
    "P*": r"$P^{*}$",
}
_LATEX_ESCAPES = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "±": r"$\pm$", "<": r"$<$", ">": r"$>$", "—": "---", "–": "--", "Δ": r"$\Delta$",
    "≥": r"$\geq$", "≤": r"$\leq$",
}
_MARKDOWN_ESCAPES = {"\\": "\\\\", "|": r"\|", "*": r"\*", "_": r"\_"}


def column_pairs(table: pd.DataFrame) -> list[tuple[str, str]]:
    """``(group, sub-header)`` of every column; a flat column has the group ``""``."""
    if isinstance(table.columns, pd.MultiIndex):
        return [(str(g), str(s)) for g, s in table.columns]
    return [("", str(c)) for c in table.columns]


def index_names(table: pd.DataFrame) -> list[str]:
    """Header of each row-label column."""
    return [str(n or "") for n in table.index.names]


def row_labels(table: pd.DataFrame) -> list[list[str]]:
    """Row labels, one list per row; a row group's name is printed on its first row only."""
    out, previous = [], None
    for key in table.index:
        key = list(key) if isinstance(key, tuple) else [key]
        labels = [str(k) for k in key]
        if len(labels) > 1:
            group = labels[0]
            if group == previous:
                labels[0] = ""
            previous = group
        out.append(labels)
    return out


def group_runs(pairs: list[tuple[str, str]]) -> list[tuple[str, int]]:
    """Consecutive columns with the same group: ``[(group, width), ...]``."""
    return [(group, len(list(run))) for group, run in itertools.groupby(g for g, _ in pairs)]


def to_markdown(table: pd.DataFrame, note: str = "") -> str:
    """GitHub-flavoured Markdown; grouped headers are flattened to ``"Dice Median (P25, P75)"``."""
    esc = _escaper(_MARKDOWN_ESCAPES)
    pairs = column_pairs(table)
    names = index_names(table)
    header = [esc(n) for n in names] + [esc(f"{group} {sub}".strip()) for group, sub in pairs]
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join([":---"] * len(names) + [":---:"] * len(pairs)) + "|"]
    for labels, cells in zip(row_labels(table), table.itertuples(index=False)):
        lines.append("| " + " | ".join([esc(x) for x in labels] + [esc(c) for c in cells]) + " |")
    text = "\n".join(lines) + "\n"
    return text + (f"\n{esc(note)}\n" if note else "")


def to_latex(table: pd.DataFrame, note: str = "", caption: str = "") -> str:
    """A booktabs ``tabular`` with one ``\\multicolumn`` per column group (needs ``booktabs``);
    row groups are separated by ``\\midrule``."""
    esc = _escaper(_LATEX_ESCAPES)
    pairs = column_pairs(table)
    names = index_names(table)
    lead = len(names)
    lines = [r"\begin{table}[htbp]", r"\centering"]
    if caption:
        lines.append(rf"\caption{{{esc(caption)}}}")
    lines += [rf"\begin{{tabular}}{{{'l' * lead}{'c' * len(pairs)}}}", r"\toprule"]
    runs = group_runs(pairs)
    if any(group for group, _ in runs):
        cells = [rf"\multicolumn{{{w}}}{{c}}{{{esc(g)}}}" if (g and w > 1) or w > 1 else esc(g) for g, w in runs]
        lines.append(" & ".join([""] * lead + cells) + r" \\")
        rules, start = [], lead + 1
        for group, width in runs:
            if group:
                rules.append(rf"\cmidrule(lr){{{start}-{start + width - 1}}}")
            start += width
        lines.append(" ".join(rules))
    subs = [LATEX_HEADERS.get(sub, esc(sub)) for _, sub in pairs]
    lines.append(" & ".join([esc(n) for n in names] + subs) + r" \\")
    lines.append(r"\midrule")
    for i, (labels, cells) in enumerate(zip(row_labels(table), table.itertuples(index=False))):
        if i and lead > 1 and labels[0]:
            lines.append(r"\midrule")
        lines.append(" & ".join([esc(x) for x in labels] + [esc(c) for c in cells]) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    if note:
        lines.append(rf"\par\smallskip{{\footnotesize {esc(note)}}}")
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"


def to_html(table: pd.DataFrame, note: str = "", title: str = "") -> str:
    """A standalone UTF-8 HTML page holding the table (pandas ``to_html``, escaped)."""
    flat = table.copy()
    if isinstance(flat.columns, pd.MultiIndex):
        if not any(group for group, _ in column_pairs(table)):
            flat.columns = flat.columns.droplevel(0)
        else:
            flat.columns = flat.columns.set_names([None] * flat.columns.nlevels)
    flat = flat.reset_index()  # the row labels get their headers ("Model") on the first row
    body = flat.to_html(escape=True, border=0, classes="table1", justify="center", index=False)
    parts = ["<!DOCTYPE html>", '<html><head><meta charset="utf-8">']
    if title:
        parts.append(f"<title>{html.escape(title)}</title>")
    parts += ["<style>.table1{border-collapse:collapse}.table1 td,.table1 th{padding:2px 8px;text-align:center}</style>",
              "</head><body>"]
    if title:
        parts.append(f"<h3>{html.escape(title)}</h3>")
    parts.append(body)
    if note:
        parts.append(f"<p><small>{html.escape(note)}</small></p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _escaper(table: dict[str, str]) -> Callable[[str], str]:
    def escape(text: str) -> str:
        return "".join(table.get(ch, ch) for ch in str(text))
    return escape
