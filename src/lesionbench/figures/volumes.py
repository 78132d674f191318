"""Predicted against reference lesion volume (paper 002, section on bleeding volume).

One point per case and model, the identity line, and Pearson's r per model in the legend
(``scipy.stats.pearsonr``). Volumes are the mask volumes in mL from the metrics tables
(``ref_volume_ml``, ``pred_volume_ml``), on the same case subset as the statistics.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from lesionbench.figures.columns import among, with_columns
from lesionbench.figures.settings import FigureSettings
from lesionbench.figures.style import Drawn, model_colors, new_figure, save_figure
from lesionbench.stats.frames import metric_values, order_models, selected_frames
from lesionbench.typing import PathLike

REFERENCE_COLUMN = "ref_volume_ml"
PREDICTED_COLUMN = "pred_volume_ml"


def pearson_r(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson's r, NaN when fewer than 2 points or either side is constant."""
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(stats.pearsonr(x, y).statistic)


def plot_volume_scatter(
    frames: Mapping[str, pd.DataFrame], settings: FigureSettings, colors: Mapping[str, str] | None = None,
) -> Drawn | None:
    """Draw predicted vs reference volume of the models with both volume columns; None if none
    has them (a classification-only model has no predicted volume).

    Returns:
        The figure; ``artists[("points", model)]`` is the scatter (offsets = (reference,
        predicted) mL in case-id order), ``data[("r", model)]`` Pearson's r and
        ``data[("volumes", model)]`` the ``(n, 2)`` array plotted.
    """
    frames = with_columns(frames, REFERENCE_COLUMN, PREDICTED_COLUMN)
    models = order_models(list(frames), among(settings, list(frames)).reference)
    if not models:
        return None
    colors = dict(colors) if colors is not None else model_colors(models)
    chosen = selected_frames(frames, settings.subset)
    figure = new_figure(5.0, 5.0, settings.dpi)
    ax = figure.add_subplot()
    artists, data = {}, {}
    top = 0.0
    for model in models:
        where = f"experiment '{model}'"
        pair = pd.concat({"ref": metric_values(chosen[model], REFERENCE_COLUMN, where),
                          "pred": metric_values(chosen[model], PREDICTED_COLUMN, where)}, axis=1)
        pair = pair.dropna().sort_index()
        xy = pair[["ref", "pred"]].to_numpy(dtype=float)
        r = pearson_r(xy[:, 0], xy[:, 1])
        r_text = "n/a" if np.isnan(r) else f"{r:.3f}"
        artists[("points", model)] = ax.scatter(
            xy[:, 0], xy[:, 1], s=16, color=colors[model], alpha=0.8, edgecolors="none",
            label=f"{settings.label(model)} (r = {r_text}, n = {len(xy)})")
        data[("r", model)] = r
        data[("volumes", model)] = xy
        top = max(top, float(xy.max()) if xy.size else 0.0)
    top = top * 1.05 if top > 0 else 1.0
    ax.plot([0, top], [0, top], color="grey", linestyle="--", linewidth=1, label="identity")
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_aspect("equal")
    ax.set_xlabel("Reference volume (mL)")
    ax.set_ylabel("Predicted volume (mL)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", loc="upper left")
    return Drawn(figure, artists, data)


def volume_scatter(
    frames: Mapping[str, pd.DataFrame], out_path_stem: PathLike, settings: FigureSettings | None = None,
    colors: Mapping[str, str] | None = None,
) -> list[Path]:
    """Write ``{out_path_stem}.png`` and ``.pdf``; returns the paths (none without volume columns)."""
    settings = settings or FigureSettings()
    drawn = plot_volume_scatter(frames, settings, colors)
    if drawn is None:
        return []
    return save_figure(drawn.figure, out_path_stem, settings.dpi, {"figure": "volume_scatter"})
