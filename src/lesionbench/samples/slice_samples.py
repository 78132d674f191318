"""Samples of the slice layouts (``2d``, ``2.5d``): every slice fitted to the network input, the sample slices listed."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np

from lesionbench.resampling import PlaneFit
from lesionbench.samples.slices import fit_images, fit_labels, select_slices, slice_fit
from lesionbench.samples.store import LABEL_SCALE

if TYPE_CHECKING:
    from lesionbench.samples.settings import SampleSettings

log = logging.getLogger(__name__)


def extract_slices(data: dict[str, Any], case_id: str, settings: SampleSettings,
                   rng: np.random.Generator) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Every slice of a preprocessed case at network size, and the sample slices.

    Args:
        data: the preprocessed npz (``image (C, Z, Y, X)``, ``mask``, ``brain``, ``spacing``).
        case_id: for messages.
        settings: size, fit and slice selection.
        rng: the case's generator (:func:`lesionbench.samples.case_rng`), for the lesion-free draw.

    Returns:
        ``(arrays, index fields)``: ``images (Z, C, H, W)`` float32, ``masks (Z, 1, H, W)`` uint8;
        ``targets`` (sample slices), ``has_lesion`` and ``lesion_pixels`` (summed lesion
        fraction) per target at network size, ``fit`` (:class:`lesionbench.resampling.PlaneFit`),
        ``spacing_mm`` ``[z, y, x]`` of a network pixel, ``lesion`` (mL before and after fitting,
        and lesion cropped away by ``fit: crop``), ``warnings``.
    """
    image, mask, brain = (np.asarray(data[key]) for key in ("image", "mask", "brain"))
    spacing = [float(s) for s in np.asarray(data["spacing"])]
    fit = slice_fit(mask.shape, spacing, settings)
    images = fit_images(image, fit, settings)
    fractions = fit_labels(mask, fit, settings)
    targets = select_slices(mask, brain, settings, rng)

    lesion_pixels = fractions[targets].reshape(len(targets), -1).sum(axis=1) if len(targets) else np.zeros(0)
    voxel_ml = spacing[0] * spacing[1] * spacing[2] / 1000.0
    network_ml = fit.spacing_mm[0] * fit.spacing_mm[1] * spacing[2] / 1000.0
    cropped = _outside_view(mask, fit)
    warnings = []
    if cropped:
        warnings.append(f"fit 'crop' cuts {cropped} reference lesion voxel(s) ({cropped * voxel_ml:.3f} mL) "
                        "out of the network input")
    index = {
        "targets": targets.tolist(),
        "has_lesion": (lesion_pixels > 0).tolist(),
        "lesion_pixels": np.round(lesion_pixels.astype(np.float64), 3).tolist(),
        "fit": fit.to_dict(),
        "spacing_mm": [spacing[2], *fit.spacing_mm],
        "lesion": {"preprocessed_ml": round(float(np.count_nonzero(mask)) * voxel_ml, 4),
                   "samples_ml": round(float(fractions.sum()) * network_ml, 4),
                   "cropped_voxels": cropped, "cropped_ml": round(cropped * voxel_ml, 4)},
        "warnings": warnings,
    }
    masks = np.rint(fractions * LABEL_SCALE).astype(np.uint8)
    log.info("%s: %d samples (%d with lesion) of %d slices at %s, %.2f x %.2f mm pixels", case_id, len(targets),
             int((lesion_pixels > 0).sum()), mask.shape[0], list(settings.size), *fit.spacing_mm)
    return {"images": images, "masks": masks}, index


def _outside_view(mask_zyx: np.ndarray, fit: PlaneFit) -> int:
    """Lesion voxels of the cropped slices that the fit leaves outside the network input."""
    (_, _), (ry, rx) = fit.window()
    visible = np.zeros(mask_zyx.shape[1:], dtype=bool)
    scale_y, scale_x = mask_zyx.shape[1] / fit.resized_shape[0], mask_zyx.shape[2] / fit.resized_shape[1]
    y0, y1 = int(np.floor(ry.start * scale_y)), int(np.ceil(ry.stop * scale_y))
    x0, x1 = int(np.floor(rx.start * scale_x)), int(np.ceil(rx.stop * scale_x))
    visible[y0:y1, x0:x1] = True
    return int(np.count_nonzero(np.asarray(mask_zyx)[:, ~visible]))
