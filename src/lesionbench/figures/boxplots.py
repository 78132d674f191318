"""Box (or violin) plots of a per-case metric, one per model, cases overlaid, with the adjusted
p of each model against the reference drawn as a bracket above the boxes.

Paper 003 (Fig. 3.8) shows per-case DSC as box plots; the boxes here use the same cases as the
paired tests (``FigureSettings.subset``), and the brackets print the same adjusted p as
``tests.tsv`` (the figures recompute the tests with the compare settings), so a reader sees
exactly what Table 1 summarises. Whiskers follow matplotlib's default (1.5 IQR); outliers are
not drawn as fliers because every case is already drawn as a jittered point.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from lesionbench.figures.columns import with_columns
from lesionbench.figures.settings import FigureSettings
from lesionbench.figures.style import Drawn, model_colors, model_ticks, new_figure, save_figure
from lesionbench.stats.frames import MetricsTableError, metric_values, order_models, selected_frames
from lesionbench.stats.tables import format_p
from lesionbench.typing import PathLike

log = logging.getLogger(__name__)

JITTER = 0.15  # half-width of the horizontal jitter of the points, in box widths
BRACKET_STEP = 0.09  # vertical distance between brackets, as a fraction of the data range


def stars(p: float, alpha: float = 0.05) -> str:
    """``***`` (p < 0.001), ``**`` (< 0.01), ``*`` (< alpha), ``ns``, or ``""`` for NaN."""
    if p is None or not math.isfinite(p):
        return ""
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < alpha else "ns"


def plot_boxplot(
    frames: Mapping[str, pd.DataFrame], metric: str, settings: FigureSettings,
    colors: Mapping[str, str] | None = None, tests: pd.DataFrame | None = None,
) -> Drawn:
    """Draw one metric's box (or violin) plot of the models that have the metric column (a
    classification-only model has none and is left out).

    Args:
        frames: ``{experiment: metrics frame}``, one row per case.
        metric: the metric column.
        settings: subset rule, labels, reference (drawn first), jitter seed, dpi,
            ``distribution``, ``annotate``.
        colors: ``{experiment: colour}``; default :func:`model_colors` of the models.
        tests: ``paired_tests`` output; its ``p_adjusted`` of ``metric`` is drawn when
            ``settings.annotate``.

    Returns:
        The figure; ``artists[("median", model)]`` is the median line,
        ``artists[("points", model)]`` the scatter of cases, ``artists[("bracket", model)]``
        the p text; ``data[("values", model)]`` the values drawn (NaN removed, in case-id
        order) and ``data[("p_adjusted", model)]`` the p printed.

    Raises:
        MetricsTableError: if no model has the metric column.
    """
    models = [m for m in order_models(list(frames), settings.reference) if metric in frames[m].columns]
    if not models:
        raise MetricsTableError(f"box plot: no model has a '{metric}' column")
    colors = dict(colors) if colors is not None else model_colors(models)
    chosen = selected_frames(with_columns(frames, metric), settings.subset)
    values = []
    for model in models:
        series = metric_values(chosen[model], metric, f"experiment '{model}'").dropna().sort_index()
        values.append(series.to_numpy())
    figure = new_figure(max(4.0, 1.5 + 1.0 * len(models)), 4.0, settings.dpi)
    ax = figure.add_subplot()
    positions = np.arange(1, len(models) + 1)
    artists, data = {}, {}
    if settings.distribution == "violin":
        _violins(ax, values, positions, models, colors, artists)
    else:
        boxes = ax.boxplot(values, positions=positions, widths=0.6, showfliers=False, patch_artist=True,
                           medianprops={"color": "black", "linewidth": 1.5})
        for i, model in enumerate(models):
            boxes["boxes"][i].set(facecolor=colors[model], alpha=0.35, edgecolor=colors[model])
            artists[("median", model)] = boxes["medians"][i]
    rng = np.random.default_rng(settings.seed)
    for i, model in enumerate(models):
        x = positions[i] + rng.uniform(-JITTER, JITTER, size=len(values[i]))
        artists[("points", model)] = ax.scatter(x, values[i], s=12, color=colors[model], edgecolors="none", zorder=3)
        data[("values", model)] = values[i]
    if settings.annotate and tests is not None and len(models) > 1:
        _brackets(ax, values, positions, models, tests, metric, settings, artists, data)
    model_ticks(ax, positions, [settings.label(m) for m in models])
    ax.set_ylabel(settings.metric_label(metric))
    ax.grid(axis="y", alpha=0.3)
    ax.set_title(f"{settings.metric_label(metric)} per case (n = {max(map(len, values), default=0)})")
    return Drawn(figure, artists, data)


def _violins(ax, values, positions, models, colors, artists) -> None:
    drawable = [i for i, v in enumerate(values) if len(v) > 1 and np.ptp(v) > 0]
    if drawable:
        parts = ax.violinplot([values[i] for i in drawable], positions=positions[drawable], widths=0.7,
                              showextrema=False)
        for body, i in zip(parts["bodies"], drawable):
            body.set(facecolor=colors[models[i]], edgecolor=colors[models[i]], alpha=0.35)
    for i, model in enumerate(models):
        if len(values[i]):
            median = float(np.median(values[i]))
            (line,) = ax.plot([positions[i] - 0.25, positions[i] + 0.25], [median, median], color="black",
                              linewidth=1.5, zorder=4)
            artists[("median", model)] = line


def _brackets(ax, values, positions, models, tests, metric, settings, artists, data) -> None:
    finite = [v for v in values if len(v)]
    if not finite:
        return
    low = min(float(np.min(v)) for v in finite)
    high = max(float(np.max(v)) for v in finite)
    step = BRACKET_STEP * ((high - low) or 1.0)
    cmp = settings.compare_settings(models)
    rows = tests[tests["metric"] == metric].set_index("model")
    for k, model in enumerate(models[1:], start=1):
        if model not in rows.index:
            continue
        p = float(rows.loc[model, "p_adjusted"])
        y = high + step * k
        ax.plot([positions[0], positions[0], positions[k], positions[k]], [y - step * 0.3, y, y, y - step * 0.3],
                color="0.3", linewidth=0.8)
        text = f"{format_p(p, cmp.p_decimals, cmp.p_floor)} {stars(p, cmp.alpha)}".strip()
        artists[("bracket", model)] = ax.text((positions[0] + positions[k]) / 2, y, text, ha="center",
                                              va="bottom", fontsize="x-small")
        data[("p_adjusted", model)] = p
    ax.set_ylim(top=high + step * (len(models) + 0.5))


def boxplots(
    frames: Mapping[str, pd.DataFrame], metrics: Sequence[str], out_dir: PathLike,
    settings: FigureSettings | None = None, colors: Mapping[str, str] | None = None,
    tests: pd.DataFrame | None = None,
) -> list[Path]:
    """Write ``boxplot_{metric}`` (or ``violin_{metric}``) ``.png`` and ``.pdf`` for every metric
    that some model has.

    Returns:
        The paths written.
    """
    settings = settings or FigureSettings()
    prefix = "violin" if settings.distribution == "violin" else "boxplot"
    written: list[Path] = []
    for metric in metrics:
        if not with_columns(frames, metric):
            log.info("figures: no model has a '%s' column; %s_%s skipped", metric, prefix, metric)
            continue
        drawn = plot_boxplot(frames, metric, settings, colors, tests)
        written += save_figure(drawn.figure, Path(out_dir) / f"{prefix}_{metric}", settings.dpi,
                               {"figure": prefix, "metric": metric})
    return written
