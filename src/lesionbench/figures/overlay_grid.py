"""Qualitative results per model: its best, median and worst case (paper 002, Fig. 2).

One row per model, one column per case picked on that model's own metric values
(:func:`lesionbench.figures.overlays.pick_cases`: best, ..., median, ..., worst), each panel
the windowed axial slice with the largest reference area, the reference contour
(``reference_color``) and the model's contour in the model's colour: the same colours as in
every other figure, colour-blind safe (Okabe-Ito), where paper 002 used green for the
reference and one colour per network.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from lesionbench.figures.overlays import (
    contour_legend,
    draw_contours,
    largest_slice,
    load_case,
    pick_cases,
    show_slice,
)
from lesionbench.figures.settings import FigureSettings
from lesionbench.figures.style import Drawn, model_colors, new_figure, save_figure
from lesionbench.stats.frames import metric_values, order_models
from lesionbench.typing import PathLike

PANEL_INCHES = 2.4
LEGEND_INCHES = 0.5


def plot_overlay_grid(frames: Mapping[str, pd.DataFrame], images_dir: PathLike, masks_dir: PathLike,
                      predictions: Mapping[str, Mapping[str, PathLike]], settings: FigureSettings,
                      colors: Mapping[str, str] | None = None) -> Drawn:
    """Draw the models x (best ... worst) grid for the models that have predictions and a
    ``pick_metric`` column (a classification-only model has none: it is left out).

    Returns:
        The figure; ``data[("cases", model)]`` the cases of the row (best first),
        ``data[("slice", model, case)]`` the slice shown, ``artists[("contour", model, case,
        who)]`` the contours (``who`` = ``"reference"`` or the model).

    Raises:
        ValueError: if no model has both the pick metric and predictions.
    """
    models = [m for m in order_models(list(frames), settings.reference)
              if m in predictions and settings.pick_metric in frames[m].columns]
    if not models:
        raise ValueError("overlay grid: no model has both a metrics table and predictions "
                         f"(a table with a '{settings.pick_metric}' column)")
    colors = dict(colors) if colors is not None else model_colors(models)
    picks = {m: pick_cases(frames[m], settings.overlay_cases, settings.pick_metric, settings.subset) for m in models}
    ncols = max(1, max(len(c) for c in picks.values()))
    figure = new_figure(PANEL_INCHES * ncols, PANEL_INCHES * len(models) + LEGEND_INCHES, settings.dpi,
                        facecolor="black")
    axes = figure.subplots(len(models), ncols, squeeze=False)
    artists, data = {}, {}
    for row, model in enumerate(models):
        values = metric_values(frames[model], settings.pick_metric, f"experiment '{model}'")
        data[("cases", model)] = picks[model]
        for col in range(ncols):
            ax = axes[row, col]
            ax.set_axis_off()
            if col >= len(picks[model]):
                continue
            case = picks[model][col]
            image, reference, preds, (sx, sy) = load_case(case, images_dir, masks_dir, {model: predictions[model]})
            z = largest_slice(reference) if reference.any() else image.shape[0] // 2
            data[("slice", model, case)] = z
            show_slice(ax, image[z], settings.window, (sx, sy))
            outlines = [("reference", reference[z], settings.reference_color, 1.2),
                        (model, preds[model][z], colors[model], 1.2)]
            for who, contour in draw_contours(ax, outlines).items():
                artists[("contour", model, case, who)] = contour
            value = float(values.get(case, np.nan))
            ax.set_title(f"{settings.label(model)}, {_position(col, len(picks[model]))}: {case}\n"
                         f"{settings.metric_label(settings.pick_metric)} {value:.2f}", color="white", fontsize="x-small")
    contour_legend(figure, models, colors, settings)
    return Drawn(figure, artists, data)


def _position(index: int, count: int) -> str:
    """``best`` / ``median`` / ``worst`` (or ``#k``) of a case among ``count`` picks."""
    if index == 0:
        return "best"
    if index == count - 1:
        return "worst"
    return "median" if count == 3 else f"#{index + 1}"


def overlay_grid(frames: Mapping[str, pd.DataFrame], images_dir: PathLike, masks_dir: PathLike,
                 predictions: Mapping[str, Mapping[str, PathLike]], out_path_stem: PathLike,
                 settings: FigureSettings, colors: Mapping[str, str] | None = None) -> list[Path]:
    """Write ``{out_path_stem}.png`` and ``.pdf``; returns the paths."""
    drawn = plot_overlay_grid(frames, images_dir, masks_dir, predictions, settings, colors)
    return save_figure(drawn.figure, out_path_stem, settings.dpi, {"figure": "overlays_per_model"})
