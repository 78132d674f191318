"""Intracranial (brain) mask of a head CT from HU thresholds and slice-wise morphology.

Paper 000 (section 1.2) extracts the brain parenchyma with region growing before cropping
each slice; paper 001 (section 3.2 (1)) strips the skull slice by slice. This module follows
that region-growing idea in spirit with a deterministic seed: the region grows from the
largest connected body of soft tissue enclosed by the skull, within an HU range, instead of
from a hand-placed seed point.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import nibabel as nib
import numpy as np
import SimpleITK as sitk

from lesionbench.brainmask.morphology import (
    bounding_slices,
    fill_holes_per_slice,
    geodesic_dilate,
    largest_component,
    planar_close,
    planar_erode,
    radius_in_pixels,
    ramp_dilate,
)
from lesionbench.brainmask.qc import write_qc_png
from lesionbench.brainmask.settings import BrainMaskSettings
from lesionbench.io import read_image, write_image
from lesionbench.typing import PathLike

log = logging.getLogger(__name__)


class BrainMaskError(ValueError):
    """The image has no usable intracranial region (not a head CT in HU, no skull, ...)."""


def ct_brain_mask(image: sitk.Image, settings: BrainMaskSettings | None = None) -> sitk.Image:
    """Mask of the cranial cavity's soft tissue (brain, CSF, hematoma) of a head CT.

    Steps (all in-plane per axial slice except the connected component and the regrowth):

    1. bone = HU >= ``bone_hu``; close the skull shell with a ``closing_mm`` disc so sutures
       and thin bone do not open it;
    2. fill the holes of the closed shell per slice: the cranial cavity;
    3. candidate = cavity and ``tissue_hu[0] <= HU <= tissue_hu[1]``;
    4. erode by ``erosion_mm`` to cut thin bridges through foramina, keep the largest 3D
       6-connected component (the seed region), and regrow it inside the candidate by a
       bounded geodesic dilation (the region growing of paper 000, section 1.2);
    5. fill holes per slice, so ventricles and calcifications are inside;
    6. add the partial-volume rim along the inner table: up to ``rim_mm`` (rounded up to
       whole pixels) of cavity voxels between ``tissue_hu[0]`` and ``rim_hu`` (default: the
       half-maximum between the region's median HU and bone), grown uphill only
       (:func:`ramp_dilate`), so the brain and hematomas touching the skull keep their edge
       voxels, which blur and thick oblique slices mix with bone, without leaking through
       a thin inner table into the diploe.

    Args:
        image: head CT in HU, ``(X, Y, Z)`` SimpleITK image (array ``(Z, Y, X)``), any
            scalar pixel type.
        settings: thresholds and radii; defaults to :class:`BrainMaskSettings()`.

    Returns:
        ``uint8`` 0/1 image on the same grid as ``image``.

    NaN voxels (if some are) compare false with every threshold, so they count as neither
    tissue nor bone.

    Raises:
        BrainMaskError: every voxel NaN, no voxel in the tissue range, no bone, or no soft
            tissue enclosed by the skull.
    """
    settings = settings or BrainMaskSettings()
    if image.GetNumberOfComponentsPerPixel() != 1:
        raise BrainMaskError("the CT must be a scalar image (one value per voxel)")
    hu = sitk.GetArrayViewFromImage(image)
    if hu.dtype.kind == "f" and not np.isfinite(hu).any():
        raise BrainMaskError("every voxel is NaN or infinite: no CT to mask")
    low, high = settings.tissue_hu
    tissue = (hu >= low) & (hu <= high)
    if not tissue.any():
        raise BrainMaskError(
            f"no voxel in the brain HU range [{low:g}, {high:g}] "
            f"(image range {np.nanmin(hu):g} to {np.nanmax(hu):g}): not a head CT in HU?"
        )
    bone = hu >= settings.bone_hu
    if not bone.any():
        raise BrainMaskError(f"no bone (no voxel >= {settings.bone_hu:g} HU): cannot find the skull")

    spacing = image.GetSpacing()
    closing = radius_in_pixels(settings.closing_mm, spacing)
    # The cavity lies inside the bone's bounding box: work there, not on the air around it.
    box = bounding_slices(bone, pad_yx=closing + 1)
    shell = planar_close(bone[box], closing)
    cavity = fill_holes_per_slice(shell)
    candidate = cavity & tissue[box]
    if not candidate.any():
        raise BrainMaskError("no soft tissue enclosed by the skull in any slice")

    erosion = radius_in_pixels(settings.erosion_mm, spacing)
    seed = largest_component(planar_erode(candidate, erosion))
    if not seed.any():  # a very small cavity vanishes under the erosion: grow from itself
        seed = largest_component(candidate)
    grown = geodesic_dilate(seed, candidate, erosion + 1)
    inner = bounding_slices(grown)
    grown[inner] = fill_holes_per_slice(grown[inner])
    hu_box = hu[box]
    rim_hu = settings.rim_hu
    if rim_hu is None:
        rim_hu = 0.5 * (float(np.median(hu_box[grown])) + float(np.percentile(hu_box[bone[box]], 99)))
    rim = math.ceil(settings.rim_mm / (0.5 * (spacing[0] + spacing[1])) - 1e-9) if settings.rim_mm > 0 else 0
    grown = ramp_dilate(grown, cavity & (hu_box >= low) & (hu_box < rim_hu), hu_box, rim)
    brain = np.zeros(hu.shape, dtype=np.uint8)
    brain[box] = grown

    mask = sitk.GetImageFromArray(brain)
    mask.CopyInformation(image)
    return mask


def brain_mask_file(image_path: PathLike, out_path: PathLike, settings: BrainMaskSettings | None = None,
                    qc_path: PathLike | None = None, title: str = "") -> sitk.Image:
    """Read a CT (NIfTI in HU), compute :func:`ct_brain_mask` and write it atomically.

    Args:
        image_path: the CT.
        out_path: the mask to write (uint8 on the image grid).
        settings: thresholds and radii.
        qc_path: if given, a PNG with the mask outline over a few slices
            (:func:`lesionbench.brainmask.qc.write_qc_png`); written before the mask, so a
            mask on disk always has its picture.
        title: title of the QC picture (e.g. the case id).

    Raises:
        BrainMaskError: naming ``image_path`` and the problem (NaN voxels, no tissue, no
            skull); nothing is written.
        lesionbench.io.ImageFileError: the file cannot be read.
    """
    _refuse_nan_nifti(image_path)
    image = read_image(image_path)
    try:
        mask = ct_brain_mask(image, settings)
    except BrainMaskError as error:
        raise BrainMaskError(f"{image_path}: {error}") from error
    spacing = image.GetSpacing()
    volume_ml = float(sitk.GetArrayViewFromImage(mask).sum()) * spacing[0] * spacing[1] * spacing[2] / 1000.0
    log.info("%s: brain mask %.1f mL", image_path, volume_ml)
    if qc_path is not None:
        write_qc_png(image, mask, qc_path, title=title)
    write_image(mask, out_path)
    return mask


def _refuse_nan_nifti(path: PathLike) -> None:
    """Refuse a float NIfTI holding NaN voxels.

    SimpleITK's NIfTI reader turns NaN into 0 (ITK 5.4), which reads as CSF, so the check
    reads the voxels with nibabel (for float data types only: integer data cannot be NaN).

    Raises:
        BrainMaskError: naming the file and how many voxels are NaN.
    """
    name = str(path)
    if not name.endswith((".nii", ".nii.gz")) or not Path(name).is_file():
        return
    try:
        nifti = nib.load(name)
    except (nib.filebasedimages.ImageFileError, OSError, ValueError, EOFError):
        return  # not readable by nibabel: read_image reports it
    if nifti.get_data_dtype().kind != "f":
        return
    data = np.asanyarray(nifti.dataobj)
    nan = int(np.count_nonzero(np.isnan(data)))
    if nan == data.size:
        raise BrainMaskError(f"{path}: every voxel is NaN: no CT to mask")
    if nan:
        raise BrainMaskError(f"{path}: {nan} of {data.size} voxels are NaN")
