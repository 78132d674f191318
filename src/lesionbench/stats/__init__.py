"""Paired statistics, omnibus tests and comparison tables (paper 000 section 1.5 and the table
layouts of papers 000-004).

``compare(metric_tsvs, out_dir, settings)`` is the stage; the pieces are importable for tests
and notebooks: :func:`paired_tests`, :func:`summary_table`, :func:`friedman_tests`,
:func:`rank_biserial`, :func:`bootstrap_mean`, the table styles (:data:`TABLE_STYLES`) and the
renderers :func:`to_markdown`, :func:`to_latex`, :func:`to_html`.
"""

from lesionbench.stats.bootstrap import (
    Interval,
    bootstrap_mean,
    bootstrap_paired_difference,
)
from lesionbench.stats.compare import compare, compare_frames, output_names
from lesionbench.stats.effect import rank_biserial
from lesionbench.stats.frames import (
    MetricsTableError,
    metric_matrix,
    order_models,
    read_metrics,
    resolve_subset,
    select_cases,
)
from lesionbench.stats.omnibus import (
    FRIEDMAN_COLUMNS,
    POSTHOC_COLUMNS,
    POSTHOC_TESTS,
    friedman_tests,
    mean_ranks,
    nemenyi,
    nemenyi_critical_difference,
    wilcoxon_holm,
)
from lesionbench.stats.paired import (
    TEST_COLUMNS,
    adjust,
    adjust_family,
    paired_test,
    paired_tests,
)
from lesionbench.stats.settings import CompareSettings, SettingsError, load_settings
from lesionbench.stats.styles import (
    TABLE_STYLES,
    StyleContext,
    StyledTable,
    build_table,
)
from lesionbench.stats.summary import (
    GLOBAL_COLUMNS,
    SUMMARY_COLUMNS,
    describe,
    global_dice,
    summary_table,
)
from lesionbench.stats.tables import (
    footnote,
    format_mean_sd,
    format_median,
    format_p,
    format_p_scientific,
    format_table1,
    to_html,
    to_latex,
    to_markdown,
)

__all__ = [
    "FRIEDMAN_COLUMNS", "GLOBAL_COLUMNS", "POSTHOC_COLUMNS", "POSTHOC_TESTS", "SUMMARY_COLUMNS", "TABLE_STYLES",
    "TEST_COLUMNS", "CompareSettings", "Interval", "MetricsTableError", "SettingsError", "StyleContext",
    "StyledTable", "adjust", "adjust_family", "bootstrap_mean", "bootstrap_paired_difference", "build_table",
    "compare", "compare_frames", "describe", "footnote", "format_mean_sd", "format_median", "format_p",
    "format_p_scientific", "format_table1", "friedman_tests", "global_dice", "load_settings", "mean_ranks",
    "metric_matrix", "nemenyi", "nemenyi_critical_difference", "order_models", "output_names", "paired_test",
    "paired_tests", "rank_biserial", "read_metrics", "resolve_subset", "select_cases", "summary_table",
    "to_html", "to_latex", "to_markdown", "wilcoxon_holm",
]
