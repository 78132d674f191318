"""Overlay montage: reference and predicted contours on a windowed CT slice (paper 000, Fig 5).

For each chosen case the axial slice with the largest reference lesion area is shown in the
display window, in radiological convention (volumes are reoriented to LPS, so the patient's
right is on the viewer's left and anterior is up), with the reference contour and each model's
predicted contour in that model's colour.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import SimpleITK as sitk
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D

from lesionbench.figures.settings import FigureSettings
from lesionbench.figures.style import Drawn, model_colors, new_figure, save_figure
from lesionbench.io import ImageFileError, read_mask, same_grid
from lesionbench.preprocess.channels import read_channels
from lesionbench.stats.frames import metric_values, select_cases
from lesionbench.typing import PathLike

PANEL_INCHES = 3.0
LEGEND_INCHES = 0.6
MAX_COLUMNS = 3


def pick_cases(frame: pd.DataFrame, n: int, metric: str = "dice", subset: str = "auto") -> list[str]:
    """Cases with a lesion spread over the metric's range: best, ..., median, ..., worst.

    Args:
        frame: the reference model's metrics, one row per case.
        n: how many cases (all of them if fewer qualify).
        metric: the ordering metric.
        subset: case selection (``"auto"``: cases with a reference lesion).

    Returns:
        Case ids, best first; ties are broken by case id so the choice is reproducible.
    """
    values = metric_values(select_cases(frame, subset), metric, "overlay case selection").dropna()
    ordered = (
        pd.DataFrame({"case_id": values.index, "value": values.to_numpy()})
        .sort_values(["value", "case_id"], ascending=[False, True])["case_id"].tolist()
    )
    if len(ordered) <= n:
        return ordered
    picks = np.unique(np.round(np.linspace(0, len(ordered) - 1, n)).astype(int))
    return [ordered[i] for i in picks]


def largest_slice(mask_zyx: np.ndarray) -> int:
    """Index of the axial slice with the largest mask area (lowest index on ties)."""
    return int(np.argmax(mask_zyx.reshape(mask_zyx.shape[0], -1).sum(axis=1)))


def load_case(
    case: str, images_dir: PathLike, masks_dir: PathLike, predictions: Mapping[str, Mapping[str, PathLike]],
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], tuple[float, float]]:
    """Image (HU), reference and predicted masks of one case as LPS ``(Z, Y, X)`` arrays.

    Returns:
        ``(image, reference, {experiment: prediction}, (spacing_x, spacing_y) in mm)``.

    Raises:
        FileNotFoundError: naming a missing image, mask or prediction.
        ImageFileError: naming a mask or prediction that is not on the image grid.
    """
    image_path = Path(images_dir) / f"{case}.nii.gz"
    mask_path = Path(masks_dir) / f"{case}.nii.gz"
    for path in (image_path, mask_path):
        if not path.is_file():
            raise FileNotFoundError(f"{path}: not found (overlay of case '{case}')")
    # The first channel of a multi-channel (4D, MSD layout) image is what is shown.
    image = sitk.Cast(read_channels(image_path)[0], sitk.sitkFloat32)
    masks = {"__reference__": (mask_path, read_mask(mask_path))}
    for experiment, paths in predictions.items():
        if case not in paths:
            raise FileNotFoundError(f"no prediction of case '{case}' for experiment '{experiment}'")
        masks[experiment] = (Path(paths[case]), read_mask(paths[case]))
    arrays = {}
    for key, (path, mask) in masks.items():
        if not same_grid(image, mask):
            raise ImageFileError(f"{path}: not on the grid of {image_path}")
        arrays[key] = sitk.GetArrayFromImage(sitk.DICOMOrient(mask, "LPS")).astype(bool)
    oriented = sitk.DICOMOrient(image, "LPS")
    spacing = oriented.GetSpacing()
    reference = arrays.pop("__reference__")
    return sitk.GetArrayFromImage(oriented), reference, arrays, (float(spacing[0]), float(spacing[1]))


def plot_overlay_montage(
    cases: Sequence[str], images_dir: PathLike, masks_dir: PathLike,
    predictions: Mapping[str, Mapping[str, PathLike]], settings: FigureSettings,
    colors: Mapping[str, str] | None = None,
) -> Drawn:
    """Draw one panel per case.

    The slice is the one with the largest reference area; if the reference is empty, the one
    with the largest predicted area over all models; if that is empty too, the middle slice.

    Returns:
        The figure; ``data[("slice", case)]`` is the slice index (LPS array),
        ``artists[("image", case)]`` the image and ``artists[("contour", case, model)]`` the
        contour sets (``model`` = ``"reference"`` for the reference), drawn only where that
        mask is non-empty on the slice.

    Raises:
        ValueError: if ``cases`` is empty.
    """
    if not cases:
        raise ValueError("overlay montage: no cases to show")
    models = list(predictions)
    colors = dict(colors) if colors is not None else model_colors(models)
    ncols = min(len(cases), MAX_COLUMNS)
    nrows = math.ceil(len(cases) / ncols)
    figure = new_figure(PANEL_INCHES * ncols, PANEL_INCHES * nrows + LEGEND_INCHES, settings.dpi,
                        facecolor="black")
    axes = np.atleast_1d(figure.subplots(nrows, ncols, squeeze=False)).ravel()
    artists, data = {}, {}
    for ax, case in zip(axes, cases):
        image, reference, preds, (sx, sy) = load_case(case, images_dir, masks_dir, predictions)
        if reference.any():
            z = largest_slice(reference)
        elif any(p.any() for p in preds.values()):
            z = largest_slice(np.sum([p for p in preds.values()], axis=0))
        else:
            z = image.shape[0] // 2
        data[("slice", case)] = z
        artists[("image", case)] = show_slice(ax, image[z], settings.window, (sx, sy))
        outlines = [("reference", reference[z], settings.reference_color, 1.6)]
        outlines += [(m, preds[m][z], colors[m], 1.1) for m in models]
        for model, contour in draw_contours(ax, outlines).items():
            artists[("contour", case, model)] = contour
        ax.set_title(f"{case} (slice {z})", color="white", fontsize="small")
        ax.set_axis_off()
    for ax in axes[len(cases):]:
        ax.set_axis_off()
    contour_legend(figure, models, colors, settings)
    return Drawn(figure, artists, data)


def show_slice(ax: Axes, image_yx: np.ndarray, window: tuple[float, float], spacing_xy: tuple[float, float]
               ) -> AxesImage:
    """Show one ``(Y, X)`` slice in HU in the display window ``(level, width)``, pixels of
    ``spacing_xy`` mm drawn to scale; returns the image artist."""
    level, width = window
    sx, sy = spacing_xy
    return ax.imshow(image_yx, cmap="gray", vmin=level - width / 2, vmax=level + width / 2, aspect=sy / sx,
                     interpolation="nearest")


def draw_contours(ax: Axes, outlines: Sequence[tuple[str, np.ndarray, str, float]]) -> dict[str, Any]:
    """Contour each ``(name, mask_yx, colour, line width)`` that is non-empty on the slice.

    Returns:
        ``{name: contour set}`` of the masks drawn.
    """
    return {name: ax.contour(mask.astype(float), levels=[0.5], colors=[color], linewidths=width)
            for name, mask, color, width in outlines if mask.any()}


def contour_legend(figure: Figure, models: Sequence[str], colors: Mapping[str, str], settings: FigureSettings) -> None:
    """The legend below the panels: the reference contour, then each model's colour."""
    handles = [Line2D([], [], color=settings.reference_color, linewidth=1.6, label="Reference")]
    handles += [Line2D([], [], color=colors[m], linewidth=1.6, label=settings.label(m)) for m in models]
    figure.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4), fontsize="small",
                  facecolor="0.15", edgecolor="0.4", labelcolor="white")


def overlay_montage(
    cases: Sequence[str], images_dir: PathLike, masks_dir: PathLike,
    predictions: Mapping[str, Mapping[str, PathLike]], out_path_stem: PathLike,
    window: tuple[float, float] | None = None, settings: FigureSettings | None = None,
    colors: Mapping[str, str] | None = None,
) -> list[Path]:
    """Write the montage to ``{out_path_stem}.png`` and ``.pdf``; returns the paths.

    Args:
        cases: case ids, e.g. from :func:`pick_cases`.
        images_dir: folder of ``{case}.nii.gz`` images in HU.
        masks_dir: folder of ``{case}.nii.gz`` reference masks.
        predictions: ``{experiment: {case: prediction path}}``.
        out_path_stem: output path without suffix.
        window: ``(level, width)`` in HU; overrides ``settings.window``.
        settings: labels, dpi, window, reference colour.
        colors: ``{experiment: colour}``.
    """
    settings = settings or FigureSettings()
    if window is not None:
        settings = FigureSettings.from_dict({**settings.to_dict(), "window": list(window)})
    drawn = plot_overlay_montage(cases, images_dir, masks_dir, predictions, settings, colors)
    return save_figure(drawn.figure, out_path_stem, settings.dpi, {"figure": "overlays", "cases": list(cases)})
