"""Mean of a segmentation metric per model as bars (paper 001, Fig. 4: mean DSC of the models).

One bar per model (reference first, each model in its colour), its height the mean over the
cases the box plots and the paired tests use (``FigureSettings.subset``), the error bar the
bootstrap confidence interval of the mean, the mean printed above. The interval is
:func:`lesionbench.stats.bootstrap.bootstrap_mean` with the compare settings' resamples, level
and method and the figure seed: the numbers of ``mean``, ``mean_ci_low`` and ``mean_ci_high``
in ``stats/summary.tsv``. A model without the metric column, or with no value of it (a
classification-only model), gets no bar.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from lesionbench.figures.columns import with_columns
from lesionbench.figures.settings import FigureSettings
from lesionbench.figures.style import Drawn, model_colors, model_ticks, new_figure, save_figure
from lesionbench.stats.bootstrap import Interval, bootstrap_mean
from lesionbench.stats.frames import metric_values, order_models, selected_frames
from lesionbench.typing import PathLike

log = logging.getLogger(__name__)

TEXT_OFFSET = 0.02  # gap between the top of the error bar and the printed mean, as a fraction of the y range


def mean_intervals(frames: Mapping[str, pd.DataFrame], metric: str, settings: FigureSettings) -> dict[str, Interval]:
    """Mean of ``metric`` and its bootstrap interval per model with at least one value.

    Returns:
        ``{model: (mean, low, high)}`` in figure order (reference first); the interval is NaN
        for a single value.
    """
    present = with_columns(frames, metric)
    cmp = settings.compare_settings(list(frames))
    chosen = selected_frames(present, settings.subset)
    out = {}
    for model in order_models(list(frames), settings.reference):
        if model not in chosen:
            continue
        values = metric_values(chosen[model], metric, f"experiment '{model}'").to_numpy()
        if np.isfinite(values).any():
            out[model] = bootstrap_mean(values, cmp.bootstrap_resamples, cmp.confidence, cmp.bootstrap_method,
                                        settings.seed)
    return out


def plot_mean_bars(frames: Mapping[str, pd.DataFrame], metric: str, settings: FigureSettings,
                   colors: Mapping[str, str] | None = None) -> Drawn | None:
    """Draw one bar per model with values of ``metric``; None if no model has any.

    Returns:
        The figure; ``artists[("bar", model)]`` the bar (its height the mean),
        ``artists[("text", model)]`` the printed mean, ``data[("interval", model)]`` the
        ``(mean, low, high)`` drawn.
    """
    intervals = mean_intervals(frames, metric, settings)
    if not intervals:
        return None
    models = list(intervals)
    colors = dict(colors) if colors is not None else model_colors(list(frames))
    cmp = settings.compare_settings(list(frames))
    figure = new_figure(max(4.0, 1.5 + 1.0 * len(models)), 4.0, settings.dpi)
    ax = figure.add_subplot()
    positions = np.arange(1, len(models) + 1)
    means = np.array([intervals[m].estimate for m in models])
    bars = ax.bar(positions, means, width=0.6, color=[colors[m] for m in models], yerr=_error_bars(intervals, models),
                  capsize=4, error_kw={"elinewidth": 1.0, "ecolor": "0.2"})
    artists, data = {}, {}
    tops = [_top(intervals[m]) for m in models]
    offset = TEXT_OFFSET * (max(tops) - min(0.0, float(means.min())) or 1.0)
    for i, model in enumerate(models):
        artists[("bar", model)] = bars[i]
        artists[("text", model)] = ax.text(positions[i], tops[i] + offset, f"{means[i]:.{cmp.decimals}f}",
                                           ha="center", va="bottom", fontsize="small")
        data[("interval", model)] = intervals[model]
    ax.set_ylim(top=max(tops) + 6 * offset)
    model_ticks(ax, positions, [settings.label(m) for m in models])
    ax.set_ylabel(f"Mean {settings.metric_label(metric)}")
    ax.grid(axis="y", alpha=0.3)
    ax.set_title(f"Mean {settings.metric_label(metric)} with its {100 * cmp.confidence:g}% bootstrap CI",
                 fontsize="small")
    return Drawn(figure, artists, data)


def _error_bars(intervals: Mapping[str, Interval], models: Sequence[str]) -> np.ndarray:
    """``(2, k)`` distances of the interval ends below and above each mean (0 where undefined)."""
    low = [i.estimate - i.low for i in (intervals[m] for m in models)]
    high = [i.high - i.estimate for i in (intervals[m] for m in models)]
    return np.nan_to_num(np.array([low, high], dtype=float), nan=0.0)


def _top(interval: Interval) -> float:
    """The highest point drawn of a bar: the interval's upper end, else the mean."""
    return max(interval.estimate, interval.high) if np.isfinite(interval.high) else interval.estimate


def mean_bars(frames: Mapping[str, pd.DataFrame], metrics: Sequence[str], out_dir: PathLike,
              settings: FigureSettings, colors: Mapping[str, str] | None = None) -> list[Path]:
    """Write ``mean_bars_{metric}.png`` and ``.pdf`` for every metric some model has values of."""
    written: list[Path] = []
    for metric in metrics:
        drawn = plot_mean_bars(frames, metric, settings, colors)
        if drawn is None:
            log.info("figures: no model has values of '%s'; mean_bars_%s skipped", metric, metric)
            continue
        written += save_figure(drawn.figure, Path(out_dir) / f"mean_bars_{metric}", settings.dpi,
                               {"figure": "mean_bars", "metric": metric})
    return written
