"""Preprocess one case: resample, normalise, skull-strip and crop; write the npz."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import SimpleITK as sitk

from lesionbench.io import provenance, read_mask, same_grid
from lesionbench.preprocess.channels import read_channels
from lesionbench.preprocess.crop import box_slices, brain_box
from lesionbench.preprocess.intensity import get_normalizer
from lesionbench.preprocess.npzfile import json_scalar, parse_json_scalar, read_npz, write_npz
from lesionbench.preprocess.resample import resample_onto, resampled_grid
from lesionbench.preprocess.settings import PreprocessSettings
from lesionbench.typing import PathLike

log = logging.getLogger(__name__)

#: Keys of ``{R}/preprocessed/{case}.npz`` (docs/file-formats.md).
PREPROCESSED_KEYS = (
    "image", "mask", "brain", "spacing", "resampled_origin", "resampled_direction",
    "resampled_size", "crop_start", "provenance",
)


class PreprocessError(ValueError):
    """A case cannot be preprocessed (grids disagree, NaN voxels, empty brain, ...)."""


def preprocess_case(
    image_path: PathLike,
    mask_path: PathLike,
    brain_path: PathLike | None,
    out_npz: PathLike,
    settings: PreprocessSettings,
) -> dict[str, np.ndarray]:
    """Resample, normalise, skull-strip and crop one case, and write ``out_npz``.

    Order: check grids; resample every image channel (linear) and the masks (nearest
    neighbour) onto one grid at ``settings.spacing`` (paper 001, section 3.2 (2)); normalise
    with the brain voxels (paper 001, section 3.2 (3)) or, for ``zscore_head``, the head
    voxels (MRI); set voxels outside the brain to the background value (skull stripping);
    crop to the brain's bounding box plus margin (paper 000, section 1.2).

    Args:
        image_path: image on its native grid (``{R}/images/{case}.nii.gz``): HU for CT, any
            unit for MRI, ``[0, 1]`` for 8-bit slices; a 4D NIfTI ``(X, Y, Z, C)`` holds
            ``C`` channels on one grid (:mod:`lesionbench.preprocess.channels`).
        mask_path: reference lesion mask on the image grid.
        brain_path: brain mask on the image grid, or ``None`` (whole image is brain).
        out_npz: output path; arrays as in docs/file-formats.md ("Preprocess").
        settings: what to do.

    Returns:
        The arrays written (``image`` ``(C, Z, Y, X)`` float32, ``mask`` / ``brain``
        ``(Z, Y, X)`` uint8, geometry and ``provenance``).

    Raises:
        PreprocessError: naming the file(s) and the problem.
    """
    channels = read_channels(image_path)
    image = channels[0]
    for index, channel in enumerate(channels):
        nan = int(np.isnan(sitk.GetArrayViewFromImage(channel)).sum())
        if nan:
            where = f" in channel {index}" if len(channels) > 1 else ""
            raise PreprocessError(f"{image_path}: {nan} NaN voxel(s){where}")
    mask = _read_on_grid(mask_path, image, image_path, "mask")
    use_brain = settings.brain_mask and brain_path is not None
    if use_brain:
        brain = _read_on_grid(brain_path, image, image_path, "brain mask")
    else:
        brain = sitk.Image(image.GetSize(), sitk.sitkUInt8) + 1
        brain.CopyInformation(image)

    reference = resampled_grid(image, settings.spacing)
    image_r = np.stack([_resample_channel(channel, reference) for channel in channels])
    mask_r = sitk.GetArrayFromImage(resample_onto(mask, reference, sitk.sitkNearestNeighbor)).astype(np.uint8)
    brain_r = sitk.GetArrayFromImage(resample_onto(brain, reference, sitk.sitkNearestNeighbor)).astype(np.uint8)
    if not brain_r.any():
        raise PreprocessError(f"{brain_path}: the brain mask is empty after resampling")

    try:
        normalized, background = get_normalizer(settings.normalize)(image_r, brain_r, settings.window)
    except ValueError as error:
        raise PreprocessError(f"{image_path}: {error}") from error
    if settings.skull_strip and use_brain:
        normalized[:, brain_r == 0] = background

    spacing = tuple(float(s) for s in reference.GetSpacing())
    if settings.crop_to_brain and use_brain:
        start, stop = brain_box(brain_r, spacing, settings.crop_margin_mm)
    else:
        start, stop = np.zeros(3, dtype=np.int64), np.asarray(brain_r.shape, dtype=np.int64)
    box = box_slices(start, stop)
    arrays: dict[str, np.ndarray] = {
        "image": np.ascontiguousarray(normalized[(slice(None), *box)], dtype=np.float32),
        "mask": np.ascontiguousarray(mask_r[box]),
        "brain": np.ascontiguousarray(brain_r[box]),
        "spacing": np.asarray(spacing, dtype=np.float64),
        "resampled_origin": np.asarray(reference.GetOrigin(), dtype=np.float64),
        "resampled_direction": np.asarray(reference.GetDirection(), dtype=np.float64),
        "resampled_size": np.asarray(reference.GetSize(), dtype=np.int64),
        "crop_start": start.astype(np.int64),
        "provenance": json_scalar(provenance(settings.to_dict(), stage="preprocess", case=Path(out_npz).stem)),
    }
    write_npz(out_npz, arrays)
    log.info("%s: %s -> cropped %s at %s mm", image_path, image.GetSize(), arrays["mask"].shape[::-1], spacing)
    return arrays


def load_preprocessed(path: PathLike) -> dict[str, Any]:
    """Read a preprocessed npz; ``provenance`` comes back as a dict.

    Raises:
        FileNotFoundError: no such file.
        lesionbench.preprocess.npzfile.NpzFileError: unreadable or missing keys.
    """
    data: dict[str, Any] = read_npz(path, PREPROCESSED_KEYS)
    data["provenance"] = parse_json_scalar(data["provenance"])
    return data


def _resample_channel(channel: sitk.Image, reference: sitk.Image) -> np.ndarray:
    """One channel resampled linearly onto ``reference``; its minimum fills the outside."""
    background = float(np.min(sitk.GetArrayViewFromImage(channel)))
    return sitk.GetArrayFromImage(resample_onto(channel, reference, sitk.sitkLinear, background))


def _read_on_grid(path: PathLike, image: sitk.Image, image_path: PathLike, what: str) -> sitk.Image:
    """Read a mask and check that it lies on the image's grid."""
    mask = read_mask(path)
    if not same_grid(mask, image):
        raise PreprocessError(
            f"{path}: {what} is not on the grid of {image_path} "
            f"(size {mask.GetSize()} vs {image.GetSize()}, spacing {_round(mask.GetSpacing())} vs "
            f"{_round(image.GetSpacing())}, origin {_round(mask.GetOrigin())} vs {_round(image.GetOrigin())})"
        )
    return mask


def _round(values: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(round(float(v), 4) for v in values)
