"""Publication figures: box/violin plots with significance, per-case metric strips, mean bars,
learning curves, overlays (also by lesion class and size), volume agreement, ROC curves, ranking
plots and complexity.

Each figure has a ``plot_*`` function that returns the figure and what was drawn
(:class:`Drawn`, for tests) and a writer that saves PNG and PDF atomically;
:func:`make_figures` draws them all with one colour per model (:func:`model_colors`).
"""

from lesionbench.figures.agreement import bland_altman_figure, plot_bland_altman
from lesionbench.figures.boxplots import boxplots, plot_boxplot, stars
from lesionbench.figures.captions import FIGURE_CAPTIONS, caption_for
from lesionbench.figures.complexity import (
    ComplexityFileError,
    complexity_figure,
    plot_complexity,
    read_complexity,
)
from lesionbench.figures.curves import (
    HistoryFileError,
    learning_curves,
    plot_learning_curves,
    read_history,
)
from lesionbench.figures.make import (
    figures_from_files,
    find_histories,
    find_predictions,
    make_figures,
)
from lesionbench.figures.mean_bars import mean_bars, mean_intervals, plot_mean_bars
from lesionbench.figures.metric_strip import metric_strip, plot_metric_strip
from lesionbench.figures.overlay_grid import overlay_grid, plot_overlay_grid
from lesionbench.figures.overlays import (
    largest_slice,
    overlay_montage,
    pick_cases,
    plot_overlay_montage,
)
from lesionbench.figures.overlays_by_class import (
    overlays_by_class,
    pick_by_class_and_size,
    plot_overlays_by_class,
)
from lesionbench.figures.ranking import (
    plot_rank_blobs,
    plot_significance_map,
    ranking_figures,
)
from lesionbench.figures.roc import plot_roc_curves, roc_curves
from lesionbench.figures.settings import FigureSettings
from lesionbench.figures.style import OKABE_ITO, Drawn, model_colors, save_figure
from lesionbench.figures.volumes import pearson_r, plot_volume_scatter, volume_scatter

__all__ = [
    "FIGURE_CAPTIONS",
    "OKABE_ITO",
    "ComplexityFileError",
    "Drawn",
    "FigureSettings",
    "HistoryFileError",
    "bland_altman_figure",
    "boxplots",
    "caption_for",
    "complexity_figure",
    "figures_from_files",
    "find_histories",
    "find_predictions",
    "largest_slice",
    "learning_curves",
    "make_figures",
    "mean_bars",
    "mean_intervals",
    "metric_strip",
    "model_colors",
    "overlay_grid",
    "overlay_montage",
    "overlays_by_class",
    "pearson_r",
    "pick_by_class_and_size",
    "pick_cases",
    "plot_bland_altman",
    "plot_boxplot",
    "plot_complexity",
    "plot_learning_curves",
    "plot_mean_bars",
    "plot_metric_strip",
    "plot_overlay_grid",
    "plot_overlay_montage",
    "plot_overlays_by_class",
    "plot_rank_blobs",
    "plot_roc_curves",
    "plot_significance_map",
    "plot_volume_scatter",
    "ranking_figures",
    "read_complexity",
    "read_history",
    "roc_curves",
    "save_figure",
    "stars",
    "volume_scatter",
]
