"""Paired statistics and comparison tables (paper 000, section 1.5 and Table 1).

``compare(metric_tsvs, out_dir, settings)`` is the stage; the pieces are importable for tests
and notebooks: :func:`paired_tests`, :func:`summary_table`, :func:`format_table1` and the
renderers :func:`to_markdown`, :func:`to_latex`, :func:`to_html`.
"""

from lesionbench.stats.compare import compare, compare_frames
from lesionbench.stats.frames import MetricsTableError, order_models, read_metrics, resolve_subset, select_cases
from lesionbench.stats.paired import TEST_COLUMNS, adjust, paired_test, paired_tests
from lesionbench.stats.settings import CompareSettings, SettingsError, load_settings
from lesionbench.stats.summary import GLOBAL_COLUMNS, SUMMARY_COLUMNS, describe, global_dice, summary_table
from lesionbench.stats.tables import (
    footnote, format_mean_sd, format_median, format_p, format_table1, to_html, to_latex, to_markdown,
)

__all__ = [
    "GLOBAL_COLUMNS", "SUMMARY_COLUMNS", "TEST_COLUMNS", "CompareSettings", "MetricsTableError", "SettingsError",
    "adjust", "compare", "compare_frames", "describe", "footnote", "format_mean_sd",
    "format_median", "format_p", "format_table1", "global_dice", "load_settings", "order_models",
    "paired_test", "paired_tests", "read_metrics", "resolve_subset", "select_cases", "summary_table", "to_html",
    "to_latex", "to_markdown",
]
