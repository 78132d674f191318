"""Bland-Altman plots of predicted against reference lesion volume, one panel per model.

x: the mean of the two volumes, y: predicted minus reference (mL); the solid line is the bias,
the dashed lines the 95% limits of agreement (``bias +- 1.96 sd``), the numbers of
``stats/volume_agreement.tsv`` (:func:`lesionbench.volumes.bland_altman` on the same cases).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from lesionbench.figures.settings import FigureSettings
from lesionbench.figures.style import Drawn, model_colors, new_figure, save_figure
from lesionbench.stats.frames import order_models, select_cases
from lesionbench.typing import PathLike
from lesionbench.volumes.agreement import bland_altman
from lesionbench.volumes.tables import PREDICTED_COLUMN, REFERENCE_COLUMN, volume_pairs

PANEL_INCHES = (3.6, 3.2)
MAX_COLUMNS = 3


def plot_bland_altman(frames: Mapping[str, pd.DataFrame], settings: FigureSettings,
                      colors: Mapping[str, str] | None = None) -> Drawn | None:
    """Draw one Bland-Altman panel per model with volume columns; None if no model has them.

    Returns:
        The figure; ``artists[("points", model)]`` (offsets = (mean, difference) in mL) and
        ``data[("limits", model)]`` = ``(bias, low, high)``.
    """
    models = [m for m in order_models(list(frames), settings.reference)
              if {REFERENCE_COLUMN, PREDICTED_COLUMN} <= set(frames[m].columns)]
    if not models:
        return None
    cmp = settings.compare_settings(list(frames))
    colors = dict(colors) if colors is not None else model_colors(models)
    ncols = min(len(models), MAX_COLUMNS)
    nrows = math.ceil(len(models) / ncols)
    figure = new_figure(PANEL_INCHES[0] * ncols, PANEL_INCHES[1] * nrows, settings.dpi)
    axes = np.atleast_1d(figure.subplots(nrows, ncols, squeeze=False, sharey=True)).ravel()
    artists, data = {}, {}
    for ax, model in zip(axes, models):
        where = f"experiment '{model}'"
        reference, predicted = volume_pairs(select_cases(frames[model], settings.subset, where), PREDICTED_COLUMN,
                                            where)
        ba = bland_altman(reference, predicted, cmp.confidence)
        artists[("points", model)] = ax.scatter(ba.means, ba.differences, s=14, color=colors[model], alpha=0.8,
                                                edgecolors="none")
        for value, style in ((ba.bias, "-"), (ba.low, "--"), (ba.high, "--")):
            if np.isfinite(value):
                ax.axhline(value, color="0.3", linestyle=style, linewidth=1)
        data[("limits", model)] = (ba.bias, ba.low, ba.high)
        ax.set_title(f"{settings.label(model)}: bias {ba.bias:.2f} mL, LoA [{ba.low:.2f}, {ba.high:.2f}]",
                     fontsize="x-small")
        ax.set_xlabel("Mean of predicted and reference volume (mL)", fontsize="small")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("Predicted - reference (mL)")
    for ax in axes[len(models):]:
        ax.set_axis_off()
    return Drawn(figure, artists, data)


def bland_altman_figure(frames: Mapping[str, pd.DataFrame], out_path_stem: PathLike, settings: FigureSettings,
                        colors: Mapping[str, str] | None = None) -> list[Path]:
    """Write ``{out_path_stem}.png`` and ``.pdf``; nothing without volume columns."""
    drawn = plot_bland_altman(frames, settings, colors)
    if drawn is None:
        return []
    return save_figure(drawn.figure, out_path_stem, settings.dpi, {"figure": "bland_altman"})
