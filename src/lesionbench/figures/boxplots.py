"""Box plots of a per-case metric, one box per model with the cases overlaid.

Paper 003 shows per-case DSC as box plots; the boxes here use the same cases as the paired
tests (``FigureSettings.subset``), so a reader sees exactly what Table 1 summarises. Whiskers
follow matplotlib's default (1.5 IQR); outliers are not drawn as fliers because every case is
already drawn as a jittered point.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from lesionbench.figures.settings import FigureSettings
from lesionbench.figures.style import Drawn, model_colors, new_figure, save_figure
from lesionbench.stats.frames import metric_values, order_models, selected_frames
from lesionbench.typing import PathLike

JITTER = 0.15  # half-width of the horizontal jitter of the points, in box widths


def plot_boxplot(
    frames: Mapping[str, pd.DataFrame], metric: str, settings: FigureSettings,
    colors: Mapping[str, str] | None = None,
) -> Drawn:
    """Draw one metric's box plot.

    Args:
        frames: ``{experiment: metrics frame}``, one row per case.
        metric: the metric column.
        settings: subset rule, labels, reference (drawn first), jitter seed, dpi.
        colors: ``{experiment: colour}``; default :func:`model_colors` of the models.

    Returns:
        The figure; ``artists[("median", model)]`` is the median line,
        ``artists[("points", model)]`` the scatter of cases; ``data[("values", model)]``
        the values drawn (NaN removed, in case-id order).
    """
    models = order_models(list(frames), settings.reference)
    colors = dict(colors) if colors is not None else model_colors(models)
    chosen = selected_frames(frames, settings.subset)
    values = []
    for model in models:
        series = metric_values(chosen[model], metric, f"experiment '{model}'").dropna().sort_index()
        values.append(series.to_numpy())
    figure = new_figure(max(4.0, 1.5 + 1.0 * len(models)), 4.0, settings.dpi)
    ax = figure.add_subplot()
    positions = np.arange(1, len(models) + 1)
    boxes = ax.boxplot(
        values, positions=positions, widths=0.6, showfliers=False, patch_artist=True,
        medianprops={"color": "black", "linewidth": 1.5},
    )
    rng = np.random.default_rng(settings.seed)
    artists, data = {}, {}
    for i, model in enumerate(models):
        boxes["boxes"][i].set(facecolor=colors[model], alpha=0.35, edgecolor=colors[model])
        x = positions[i] + rng.uniform(-JITTER, JITTER, size=len(values[i]))
        points = ax.scatter(x, values[i], s=12, color=colors[model], edgecolors="none", zorder=3)
        artists[("median", model)] = boxes["medians"][i]
        artists[("points", model)] = points
        data[("values", model)] = values[i]
    labels = [settings.label(m) for m in models]
    ax.set_xticks(positions, labels, rotation=30 if max(map(len, labels)) > 8 else 0,
                  ha="right" if max(map(len, labels)) > 8 else "center")
    ax.set_ylabel(settings.metric_label(metric))
    ax.grid(axis="y", alpha=0.3)
    ax.set_title(f"{settings.metric_label(metric)} per case (n = {max(map(len, values), default=0)})")
    return Drawn(figure, artists, data)


def boxplots(
    frames: Mapping[str, pd.DataFrame], metrics: Sequence[str], out_dir: PathLike,
    settings: FigureSettings | None = None, colors: Mapping[str, str] | None = None,
) -> list[Path]:
    """Write ``boxplot_{metric}.png`` and ``.pdf`` for every metric into ``out_dir``.

    Returns:
        The paths written.
    """
    settings = settings or FigureSettings()
    written: list[Path] = []
    for metric in metrics:
        drawn = plot_boxplot(frames, metric, settings, colors)
        written += save_figure(drawn.figure, Path(out_dir) / f"boxplot_{metric}", settings.dpi,
                               {"figure": "boxplot", "metric": metric})
    return written
