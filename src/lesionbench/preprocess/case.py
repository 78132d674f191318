"""Preprocess one case: resample, normalise, skull-strip and crop; write the npz."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import SimpleITK as sitk
from scipy import ndimage

from lesionbench.io import provenance, read_mask, same_grid, write_json
from lesionbench.preprocess.channels import read_channels
from lesionbench.preprocess.crop import box_slices, brain_box
from lesionbench.preprocess.inplane import inplane_grid, voxels_outside
from lesionbench.preprocess.intensity import get_normalizer
from lesionbench.preprocess.npzfile import json_scalar, parse_json_scalar, read_npz, write_npz
from lesionbench.preprocess.lesion_account import account_lesion
from lesionbench.preprocess.settings import PreprocessSettings
from lesionbench.resampling import resample_image, resample_label, resampled_grid
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
    mask_path: PathLike | None,
    brain_path: PathLike | None,
    out_npz: PathLike,
    settings: PreprocessSettings,
    meta_in: PathLike | None = None,
    meta_out: PathLike | None = None,
) -> dict[str, np.ndarray]:
    """Resample, normalise, skull-strip and crop one case, and write ``out_npz``.

    Order: check grids; resample every image channel (linear, antialiased where the target
    spacing is coarser) and the masks (``settings.resampling.labels``) onto one grid at
    ``settings.spacing`` (paper 001, section 3.2 (2)), cropped and resized in-plane by
    ``settings.inplane`` (paper 003, the same single resampling); dilate the brain mask by
    ``brain_dilation_mm``; normalise with the brain voxels (paper 001, section 3.2 (3)) or, for
    ``zscore_head``, the head voxels (MRI); set voxels outside the brain to the background
    value (skull stripping); crop to the brain's bounding box plus margin (paper 000, section
    1.2). Reference lesion removed by stripping or cropping is counted
    (:mod:`lesionbench.preprocess.lesion_account`) and logged as a warning.

    Args:
        image_path: image on its native grid (``{R}/images/{case}.nii.gz``): HU for CT, any
            unit for MRI, ``[0, 1]`` for 8-bit slices; a 4D NIfTI ``(X, Y, Z, C)`` holds
            ``C`` channels on one grid (:mod:`lesionbench.preprocess.channels`).
        mask_path: reference lesion mask on the image grid, or ``None`` for a scan without
            one (a new scan to segment: the npz's ``mask`` is then all zeros).
        brain_path: brain mask on the image grid, or ``None`` (whole image is brain).
        out_npz: output path; arrays as in docs/file-formats.md ("Preprocess").
        settings: what to do.
        meta_in: the ingest metadata (``{R}/meta/ingest/{case}.json``), if any.
        meta_out: where to write that metadata with a ``preprocess`` section (lost lesion,
            crop box, spacing) and the warnings added (``{R}/meta/{case}.json``).

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
    if mask_path is not None:
        mask = _read_on_grid(mask_path, image, image_path, "mask")
    else:
        mask = sitk.Image(image.GetSize(), sitk.sitkUInt8)
        mask.CopyInformation(image)
    use_brain = settings.brain_mask and brain_path is not None
    if use_brain:
        brain = _read_on_grid(brain_path, image, image_path, "brain mask")
    else:
        brain = sitk.Image(image.GetSize(), sitk.sitkUInt8) + 1
        brain.CopyInformation(image)

    resampling = settings.resampling
    reference = resampled_grid(image, settings.spacing)
    if settings.inplane is not None:
        try:
            reference = inplane_grid(reference, settings.inplane)
        except ValueError as error:
            raise PreprocessError(f"{image_path}: {error}") from error
    image_r = np.stack([
        resample_image(channel, reference, float(np.min(sitk.GetArrayViewFromImage(channel))), resampling.antialias)
        for channel in channels
    ])
    mask_r = resample_label(mask, reference, resampling.labels, resampling.antialias)
    brain_r = resample_label(brain, reference, resampling.labels, resampling.antialias)
    if not brain_r.any():
        raise PreprocessError(f"{brain_path}: the brain mask is empty after resampling")
    spacing = tuple(float(s) for s in reference.GetSpacing())
    if use_brain and settings.brain_dilation_mm > 0:
        brain_r = dilate_mm(brain_r, spacing, settings.brain_dilation_mm)

    try:
        normalized, background = get_normalizer(settings.normalize)(image_r, brain_r, settings.window)
    except ValueError as error:
        raise PreprocessError(f"{image_path}: {error}") from error
    stripped = settings.skull_strip and use_brain
    if stripped:
        normalized[:, brain_r == 0] = background

    if settings.crop_to_brain and use_brain:
        start, stop = brain_box(brain_r, spacing, settings.crop_margin_mm)
    else:
        start, stop = np.zeros(3, dtype=np.int64), np.asarray(brain_r.shape, dtype=np.int64)
    box = box_slices(start, stop)
    account = account_lesion(mask_r, brain_r, box, spacing, stripped)
    warnings = account.warnings()
    if settings.inplane is not None and settings.inplane.crop is not None:
        dropped = voxels_outside(mask, reference)
        if dropped:
            warnings.append(f"{dropped} reference lesion voxel(s) of the image grid lie outside the in-plane crop box")
    case_id = Path(out_npz).name.removesuffix(".npz")
    for warning in warnings:
        log.warning("%s: %s", case_id, warning)
    arrays: dict[str, np.ndarray] = {
        "image": np.ascontiguousarray(normalized[(slice(None), *box)], dtype=np.float32),
        "mask": np.ascontiguousarray(mask_r[box]),
        "brain": np.ascontiguousarray(brain_r[box]),
        "spacing": np.asarray(spacing, dtype=np.float64),
        "resampled_origin": np.asarray(reference.GetOrigin(), dtype=np.float64),
        "resampled_direction": np.asarray(reference.GetDirection(), dtype=np.float64),
        "resampled_size": np.asarray(reference.GetSize(), dtype=np.int64),
        "crop_start": start.astype(np.int64),
        "provenance": json_scalar(provenance(settings.to_dict(), stage="preprocess", case=case_id)),
    }
    write_npz(out_npz, arrays)
    if meta_out is not None:
        report = {"lesion": account.to_dict(), "crop_start_zyx": start.tolist(), "crop_stop_zyx": stop.tolist(),
                  "spacing": list(spacing), "brain_dilation_mm": settings.brain_dilation_mm,
                  "skull_stripped": stripped, "warnings": warnings}
        write_json(meta_out, with_preprocess_report(meta_in, case_id, report))
    log.info("%s: %s -> cropped %s at %s mm; lesion kept %.3f of %.3f mL", image_path, image.GetSize(),
             arrays["mask"].shape[::-1], spacing, account.kept_voxels * account.voxel_ml,
             account.reference_voxels * account.voxel_ml)
    return arrays


def dilate_mm(mask_zyx: np.ndarray, spacing_xyz: tuple[float, float, float], radius_mm: float) -> np.ndarray:
    """``mask`` grown by a Euclidean ball of ``radius_mm`` (exact distances at anisotropic spacing)."""
    outside = np.asarray(mask_zyx) == 0
    if not outside.any():
        return np.asarray(mask_zyx, dtype=np.uint8)
    distance = ndimage.distance_transform_edt(outside, sampling=tuple(spacing_xyz[::-1]))
    return (distance <= radius_mm).astype(np.uint8)


def with_preprocess_report(meta_in: PathLike | None, case_id: str, report: dict[str, Any]) -> dict[str, Any]:
    """The ingest metadata (or a stub naming the case) with ``preprocess`` and its warnings added."""
    if meta_in is None:
        meta: dict[str, Any] = {"case_id": case_id, "warnings": []}
    else:
        path = Path(meta_in)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: metadata of the case not found")
        try:
            meta = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise PreprocessError(f"{path}: not a metadata JSON ({error})") from error
        if not isinstance(meta, dict):
            raise PreprocessError(f"{path}: metadata must be a JSON object")
    meta = dict(meta)
    meta["preprocess"] = report
    meta["warnings"] = [*meta.get("warnings", []), *(f"preprocess: {w}" for w in report["warnings"])]
    return meta


def load_preprocessed(path: PathLike) -> dict[str, Any]:
    """Read a preprocessed npz; ``provenance`` comes back as a dict.

    Raises:
        FileNotFoundError: no such file.
        lesionbench.preprocess.npzfile.NpzFileError: unreadable or missing keys.
    """
    data: dict[str, Any] = read_npz(path, PREPROCESSED_KEYS)
    data["provenance"] = parse_json_scalar(data["provenance"])
    return data


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
