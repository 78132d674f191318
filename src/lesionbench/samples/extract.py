"""Training samples of one case: every slice fitted to the network input, the sample slices listed."""

from __future__ import annotations

import logging
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from lesionbench.io import provenance
from lesionbench.preprocess import load_preprocessed
from lesionbench.resampling import PlaneFit
from lesionbench.samples.layouts import get_layout
from lesionbench.samples.settings import SampleSettings
from lesionbench.samples.slices import fit_images, fit_labels, select_slices, slice_fit
from lesionbench.samples.store import LABEL_SCALE, write_case_samples
from lesionbench.typing import PathLike

log = logging.getLogger(__name__)


def case_rng(seed: int, case_id: str) -> np.random.Generator:
    """Generator seeded by ``seed`` and a stable hash (CRC-32) of ``case_id``."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(case_id.encode("utf-8"))]))


def extract_samples(npz_path: PathLike, out_dir: PathLike, settings: SampleSettings) -> dict[str, Any]:
    """Fit every slice of one preprocessed case to the network input and write its samples folder.

    The case id (for the seeded draw of lesion-free slices) is the file stem of ``npz_path``.

    Args:
        npz_path: ``{R}/preprocessed/{case}.npz``.
        out_dir: ``{R}/samples/{layout}/{case}/`` (receives ``images.npy``, ``masks.npy``,
            ``index.json``; :mod:`lesionbench.samples.store`).
        settings: layout, size, fit and slice selection.

    Returns:
        The index written: ``targets`` (sample slices), ``has_lesion`` and ``lesion_pixels``
        (summed lesion fraction) per target at network size, ``label_scale``, ``fit`` (:class:`lesionbench.resampling.PlaneFit`),
        ``spacing_mm`` ``[z, y, x]`` of a network pixel, ``lesion`` (mL before and after
        fitting, and lesion cropped away by ``fit: crop``), ``warnings``, ``settings``,
        ``provenance``.

    Raises:
        FileNotFoundError, lesionbench.preprocess.NpzFileError: the input is missing or bad.
    """
    get_layout(settings.layout)
    data = load_preprocessed(npz_path)
    case_id = Path(npz_path).name.removesuffix(".npz")
    image, mask, brain = (np.asarray(data[key]) for key in ("image", "mask", "brain"))
    spacing = [float(s) for s in np.asarray(data["spacing"])]
    fit = slice_fit(mask.shape, spacing, settings)
    images = fit_images(image, fit, settings)
    fractions = fit_labels(mask, fit, settings)
    targets = select_slices(mask, brain, settings, case_rng(settings.seed, case_id))

    lesion_pixels = fractions[targets].reshape(len(targets), -1).sum(axis=1) if len(targets) else np.zeros(0)
    voxel_ml = spacing[0] * spacing[1] * spacing[2] / 1000.0
    network_ml = fit.spacing_mm[0] * fit.spacing_mm[1] * spacing[2] / 1000.0
    cropped = _outside_view(mask, fit)
    warnings = []
    if cropped:
        warnings.append(f"fit 'crop' cuts {cropped} reference lesion voxel(s) ({cropped * voxel_ml:.3f} mL) "
                        "out of the network input")
        log.warning("%s: %s", case_id, warnings[-1])
    index = {
        "case_id": case_id,
        "layout": settings.layout,
        "targets": targets.tolist(),
        "has_lesion": (lesion_pixels > 0).tolist(),
        "lesion_pixels": np.round(lesion_pixels.astype(np.float64), 3).tolist(),
        "label_scale": LABEL_SCALE,
        "fit": fit.to_dict(),
        "spacing_mm": [spacing[2], *fit.spacing_mm],
        "lesion": {"preprocessed_ml": round(float(np.count_nonzero(mask)) * voxel_ml, 4),
                   "samples_ml": round(float(fractions.sum()) * network_ml, 4),
                   "cropped_voxels": cropped, "cropped_ml": round(cropped * voxel_ml, 4)},
        "warnings": warnings,
        "settings": settings.geometry(),
        "provenance": provenance(settings.to_dict(), seed=settings.seed, stage="samples", case=case_id),
    }
    masks = np.rint(fractions * LABEL_SCALE).astype(np.uint8)
    written = write_case_samples(out_dir, {"images": images, "masks": masks}, index)
    log.info("%s: %d samples (%d with lesion) of %d slices at %s, %.2f x %.2f mm pixels", case_id, len(targets),
             int((lesion_pixels > 0).sum()), mask.shape[0], list(settings.size), *fit.spacing_mm)
    return written


def _outside_view(mask_zyx: np.ndarray, fit: PlaneFit) -> int:
    """Lesion voxels of the cropped slices that the fit leaves outside the network input."""
    (_, _), (ry, rx) = fit.window()
    visible = np.zeros(mask_zyx.shape[1:], dtype=bool)
    scale_y, scale_x = mask_zyx.shape[1] / fit.resized_shape[0], mask_zyx.shape[2] / fit.resized_shape[1]
    y0, y1 = int(np.floor(ry.start * scale_y)), int(np.ceil(ry.stop * scale_y))
    x0, x1 = int(np.floor(rx.start * scale_x)), int(np.ceil(rx.stop * scale_x))
    visible[y0:y1, x0:x1] = True
    return int(np.count_nonzero(np.asarray(mask_zyx)[:, ~visible]))
