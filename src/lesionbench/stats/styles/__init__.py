"""Table styles: one module per paper's layout, registered by name.

``CompareSettings.table_styles`` names the styles the compare stage writes; each style is a
function ``StyleContext -> StyledTable`` (numbers for the TSV, strings for Markdown, LaTeX and
HTML, a footnote and a caption).
"""

from __future__ import annotations

from collections.abc import Callable

from lesionbench.stats.style_names import TABLE_STYLE_NAMES
from lesionbench.stats.styles.base import StyleContext, StyledTable
from lesionbench.stats.styles.paper000 import paper000
from lesionbench.stats.styles.paper001 import paper001
from lesionbench.stats.styles.paper002 import paper002
from lesionbench.stats.styles.paper003 import paper003
from lesionbench.stats.styles.paper004 import paper004

TableStyle = Callable[[StyleContext], StyledTable]
#: style name -> layout function.
TABLE_STYLES: dict[str, TableStyle] = {
    "paper000": paper000, "paper001": paper001, "paper002": paper002, "paper003": paper003, "paper004": paper004,
}
if tuple(TABLE_STYLES) != TABLE_STYLE_NAMES:  # the names the settings validate against
    raise ImportError(f"table styles {tuple(TABLE_STYLES)} differ from TABLE_STYLE_NAMES {TABLE_STYLE_NAMES}")


def build_table(style: str, ctx: StyleContext) -> StyledTable:
    """The table of ``style``.

    Raises:
        KeyError: listing the valid style names.
    """
    if style not in TABLE_STYLES:
        raise KeyError(f"unknown table style {style!r}; valid styles are {sorted(TABLE_STYLES)}")
    return TABLE_STYLES[style](ctx)


__all__ = ["TABLE_STYLES", "StyleContext", "StyledTable", "build_table"]
