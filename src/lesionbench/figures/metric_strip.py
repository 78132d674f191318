"""Every subject's segmentation metrics for the reference model (paper 001, Fig. 3).

Paper 001 Fig. 3 shows "the four segmentation metrics DSC, sensitivity, specificity, PPV of
every subject for MLSSP_0.4". Here: the reference model (``FigureSettings.reference``, else the
first model), one panel per metric of ``FigureSettings.metrics`` that it has values of, every
case a point jittered horizontally (seeded by ``FigureSettings.seed``) over a box (median,
quartiles, whiskers at 1.5 IQR), on the cases the box plots and the paired tests use
(``FigureSettings.subset``, :func:`lesionbench.stats.frames.selected_frames`). Panels share
their y axis when every value lies in [0, 1] (the overlap metrics).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from lesionbench.figures.boxplots import JITTER
from lesionbench.figures.settings import FigureSettings
from lesionbench.figures.style import Drawn, model_colors, new_figure, save_figure
from lesionbench.stats.frames import metric_values, order_models, selected_frames
from lesionbench.typing import PathLike

log = logging.getLogger(__name__)

PANEL_INCHES = (1.6, 4.0)


def strip_values(frame: pd.DataFrame, metrics: Sequence[str], subset: str, model: str) -> dict[str, pd.Series]:
    """Each metric's values of one model on the selected cases.

    Args:
        frame: the model's metrics, one row per case.
        metrics: metric columns, in panel order.
        subset: case selection (``CompareSettings.subset``).
        model: the experiment, for error messages.

    Returns:
        ``{metric: values}`` indexed by case id (sorted, NaN removed), only the metrics the
        frame has a column and at least one value of.
    """
    chosen = selected_frames({model: frame}, subset)[model]
    out = {}
    for metric in metrics:
        if metric not in chosen.columns:
            continue
        values = metric_values(chosen, metric, f"experiment '{model}'").dropna().sort_index()
        if len(values):
            out[metric] = values
    return out


def plot_metric_strip(frames: Mapping[str, pd.DataFrame], settings: FigureSettings,
                      colors: Mapping[str, str] | None = None) -> Drawn | None:
    """Draw the reference model's per-case metrics; None if it has no value of any metric.

    Returns:
        The figure; ``data["model"]`` the model drawn, ``data[("values", metric)]`` the values
        of a panel (a Series indexed by case id, sorted), ``artists[("points", metric)]`` its
        scatter (offsets = (jittered x, value) in that order) and ``artists[("median", metric)]``
        its median line.
    """
    model = order_models(list(frames), settings.reference)[0]
    values = strip_values(frames[model], settings.metrics, settings.subset, model)
    if not values:
        return None
    color = (dict(colors) if colors is not None else model_colors(list(frames)))[model]
    bounded = all(v.between(0.0, 1.0).all() for v in values.values())
    figure = new_figure(1.0 + PANEL_INCHES[0] * len(values), PANEL_INCHES[1], settings.dpi)
    axes = np.atleast_1d(figure.subplots(1, len(values), squeeze=False, sharey=bounded)).ravel()
    rng = np.random.default_rng(settings.seed)
    artists, data = {}, {"model": model}
    for ax, (metric, series) in zip(axes, values.items()):
        _strip_panel(ax, series.to_numpy(), color, rng, metric, artists)
        ax.set_xticks([1], [settings.metric_label(metric)])
        ax.grid(axis="y", alpha=0.3)
        data[("values", metric)] = series
    if bounded:
        axes[0].set_ylim(-0.03, 1.03)
    axes[0].set_ylabel("Value per case")
    n = max(len(v) for v in values.values())
    figure.suptitle(f"{settings.label(model)}: every case (n = {n})", fontsize="small")
    return Drawn(figure, artists, data)


def _strip_panel(ax, values: np.ndarray, color: str, rng: np.random.Generator, metric: str, artists: dict) -> None:
    """One box at x = 1 and the ``(n,)`` values as points jittered by +- :data:`JITTER`."""
    boxes = ax.boxplot([values], positions=[1], widths=0.6, showfliers=False, patch_artist=True,
                       medianprops={"color": "black", "linewidth": 1.5})
    boxes["boxes"][0].set(facecolor=color, alpha=0.35, edgecolor=color)
    artists[("median", metric)] = boxes["medians"][0]
    x = 1 + rng.uniform(-JITTER, JITTER, size=len(values))
    artists[("points", metric)] = ax.scatter(x, values, s=12, color=color, edgecolors="none", zorder=3)
    ax.set_xlim(0.4, 1.6)


def metric_strip(frames: Mapping[str, pd.DataFrame], out_path_stem: PathLike, settings: FigureSettings,
                 colors: Mapping[str, str] | None = None) -> list[Path]:
    """Write ``{out_path_stem}.png`` and ``.pdf``; nothing (``[]``) when the reference model has no
    value of any metric (e.g. a classification-only reference)."""
    drawn = plot_metric_strip(frames, settings, colors)
    if drawn is None:
        log.info("figures: the reference model has no segmentation metric; metric_strip skipped")
        return []
    return save_figure(drawn.figure, out_path_stem, settings.dpi, {"figure": "metric_strip", "model": drawn.data["model"]})
