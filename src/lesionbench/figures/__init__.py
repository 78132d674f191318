"""Publication figures: box plots, learning curves, overlay montages and volume plots.

Each figure has a ``plot_*`` function that returns the figure and what was drawn
(:class:`Drawn`, for tests) and a writer that saves PNG (150 dpi) and PDF atomically;
:func:`make_figures` draws them all with one colour per model (:func:`model_colors`).
"""

from lesionbench.figures.boxplots import boxplots, plot_boxplot
from lesionbench.figures.curves import HistoryFileError, learning_curves, plot_learning_curves, read_history
from lesionbench.figures.make import figures_from_files, find_histories, find_predictions, make_figures
from lesionbench.figures.overlays import largest_slice, overlay_montage, pick_cases, plot_overlay_montage
from lesionbench.figures.settings import FigureSettings
from lesionbench.figures.style import OKABE_ITO, Drawn, model_colors, save_figure
from lesionbench.figures.volumes import pearson_r, plot_volume_scatter, volume_scatter

__all__ = [
    "OKABE_ITO", "Drawn", "FigureSettings", "HistoryFileError", "boxplots", "figures_from_files",
    "find_histories", "find_predictions", "largest_slice", "learning_curves", "make_figures",
    "model_colors", "overlay_montage", "pearson_r", "pick_cases", "plot_boxplot",
    "plot_learning_curves", "plot_overlay_montage", "plot_volume_scatter", "read_history",
    "save_figure", "volume_scatter",
]
