"""Overlays of one case per lesion class and size, every model a row (paper 001, Fig. 5).

Paper 001 Fig. 5 shows 5 subjects x 4 models, the subjects chosen to cover AVM and other
haemorrhages, small and large. Here the cases of the reference model (``reference``, else the
first model) selected as the statistics select them (``subset``) are split into cells by the
class column (``class_column``, default ``lesion_class``) and by the lesion volume
(``size_column`` at or above ``size_split_ml``: 14.14 mL, a sphere 3 cm across, the paper's
3 cm split); each cell shows its median case by the reference model's ``pick_metric`` (Dice).
Columns are the cells (class, then small before large), rows the models with predictions; each
panel is the windowed axial slice with the largest reference area, the reference contour and
the model's contour, drawn with the helpers of :mod:`lesionbench.figures.overlays`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from lesionbench.figures.overlays import contour_legend, draw_contours, largest_slice, load_case, show_slice
from lesionbench.figures.settings import FigureSettings
from lesionbench.figures.style import Drawn, model_colors, new_figure, save_figure
from lesionbench.stats.frames import metric_values, order_models, select_cases
from lesionbench.typing import PathLike

log = logging.getLogger(__name__)

PANEL_INCHES = 2.4
LEGEND_INCHES = 0.5
#: Display names of lesion classes (others are shown as written, capitalised).
CLASS_LABELS = {"avm": "AVM"}


class Cell(NamedTuple):
    """A column of the figure: a lesion class and a size group."""

    lesion_class: str
    large: bool


def median_case(values: pd.Series) -> str:
    """The case (index) of the median of ``values``: sorted by value then case id, the middle
    one, the lower middle one for an even count."""
    ordered = pd.DataFrame({"case_id": values.index.astype(str), "value": values.to_numpy(float)})
    ordered = ordered.sort_values(["value", "case_id"])
    return str(ordered["case_id"].iloc[(len(ordered) - 1) // 2])


def pick_by_class_and_size(frame: pd.DataFrame, settings: FigureSettings, where: str = "metrics table"
                           ) -> dict[Cell, str]:
    """The median case of every (class, size group) cell with cases.

    Args:
        frame: the reference model's metrics with the class and size label columns.
        settings: ``subset``, ``pick_metric``, ``class_column``, ``size_column``,
            ``size_split_ml``.
        where: the experiment, for error messages.

    Returns:
        ``{cell: case id}``, classes in sorted order, small before large; cases without a
        class, a size or a metric value are left out.
    """
    rows = select_cases(frame, settings.subset, where)
    table = pd.DataFrame({
        "lesion_class": rows[settings.class_column].to_numpy(),
        "size": metric_values(rows, settings.size_column, where).to_numpy(),
        "value": metric_values(rows, settings.pick_metric, where).to_numpy(),
    }, index=rows["case_id"].astype(str).to_numpy()).dropna()
    table["large"] = table["size"] >= settings.size_split_ml
    table["lesion_class"] = table["lesion_class"].astype(str)
    cells = {}
    for (lesion_class, large), group in table.groupby(["lesion_class", "large"], sort=True):
        cells[Cell(str(lesion_class), bool(large))] = median_case(group["value"])
    return cells


def cell_title(cell: Cell, split_ml: float) -> str:
    """E.g. ``"AVM, >= 3 cm"``: the class and the size group, the split as the diameter of the
    sphere of ``split_ml`` mL."""
    diameter_cm = (6.0 * split_ml / math.pi) ** (1.0 / 3.0)
    name = CLASS_LABELS.get(cell.lesion_class.lower(), cell.lesion_class.capitalize())
    return f"{name}, {'>=' if cell.large else '<'} {diameter_cm:.3g} cm"


def missing_columns(frame: pd.DataFrame, settings: FigureSettings) -> list[str]:
    """The columns the figure needs that ``frame`` lacks (class, size, pick metric)."""
    return [c for c in (settings.class_column, settings.size_column, settings.pick_metric) if c not in frame.columns]


def plot_overlays_by_class(frames: Mapping[str, pd.DataFrame], images_dir: PathLike, masks_dir: PathLike,
                           predictions: Mapping[str, Mapping[str, PathLike]], settings: FigureSettings,
                           colors: Mapping[str, str] | None = None) -> Drawn | None:
    """Draw the models x (class, size) grid; None (logged) when the reference model's table lacks
    a needed column or fewer than 2 cells have cases.

    Returns:
        The figure; ``data["cells"]`` the ``{cell: case}`` shown, ``data[("slice", case)]`` its
        slice (LPS array), ``artists[("contour", model, case, who)]`` the contours (``who`` =
        ``"reference"`` or the model).
    """
    reference = order_models(list(frames), settings.reference)[0]
    missing = missing_columns(frames[reference], settings)
    if missing:
        log.info("figures: '%s' has no column(s) %s; overlays_by_class skipped", reference, missing)
        return None
    cells = pick_by_class_and_size(frames[reference], settings, f"experiment '{reference}'")
    if len(cells) < 2:
        log.info("figures: cases in %d (class, size) cell(s) only; overlays_by_class skipped", len(cells))
        return None
    models = order_models(list(predictions), reference if reference in predictions else None)
    colors = dict(colors) if colors is not None else model_colors(models)
    figure = new_figure(PANEL_INCHES * len(cells), PANEL_INCHES * len(models) + LEGEND_INCHES, settings.dpi,
                        facecolor="black")
    axes = figure.subplots(len(models), len(cells), squeeze=False)
    artists, data = {}, {"cells": cells}
    for col, (cell, case) in enumerate(cells.items()):
        image, mask, preds, spacing = load_case(case, images_dir, masks_dir, predictions)
        z = largest_slice(mask) if mask.any() else image.shape[0] // 2
        data[("slice", case)] = z
        for row, model in enumerate(models):
            ax = axes[row, col]
            show_slice(ax, image[z], settings.window, spacing)
            outlines = [("reference", mask[z], settings.reference_color, 1.2), (model, preds[model][z], colors[model], 1.2)]
            for who, contour in draw_contours(ax, outlines).items():
                artists[("contour", model, case, who)] = contour
            head = f"{cell_title(cell, settings.size_split_ml)}: {case}\n" if row == 0 else ""
            ax.set_title(head + _panel_label(frames, model, case, settings), color="white", fontsize="x-small")
            ax.set_axis_off()
    contour_legend(figure, models, colors, settings)
    return Drawn(figure, artists, data)


def _panel_label(frames: Mapping[str, pd.DataFrame], model: str, case: str, settings: FigureSettings) -> str:
    """``"{model}, Dice 0.83"``; the model alone when its table has no value for the case."""
    frame = frames.get(model)
    if frame is None or settings.pick_metric not in frame.columns:
        return settings.label(model)
    value = metric_values(frame, settings.pick_metric, f"experiment '{model}'").get(case, np.nan)
    if not np.isfinite(value):
        return settings.label(model)
    return f"{settings.label(model)}, {settings.metric_label(settings.pick_metric)} {value:.2f}"


def overlays_by_class(frames: Mapping[str, pd.DataFrame], images_dir: PathLike, masks_dir: PathLike,
                      predictions: Mapping[str, Mapping[str, PathLike]], out_path_stem: PathLike,
                      settings: FigureSettings, colors: Mapping[str, str] | None = None) -> list[Path]:
    """Write ``{out_path_stem}.png`` and ``.pdf``; nothing (``[]``) when the figure is skipped."""
    drawn = plot_overlays_by_class(frames, images_dir, masks_dir, predictions, settings, colors)
    if drawn is None:
        return []
    cases = {cell_title(cell, settings.size_split_ml): case for cell, case in drawn.data["cells"].items()}
    return save_figure(drawn.figure, out_path_stem, settings.dpi, {"figure": "overlays_by_class", "cases": cases})
