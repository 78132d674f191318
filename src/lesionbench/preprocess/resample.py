"""Resampling to a target spacing with SimpleITK, keeping the physical extent."""

from __future__ import annotations

import numpy as np
import SimpleITK as sitk

from lesionbench.typing import SpacingXYZ


def resampled_grid(image: sitk.Image, spacing: SpacingXYZ | None) -> sitk.Image:
    """An empty reference image covering ``image``'s extent at ``spacing`` (x, y, z mm).

    New size per axis = ``round(size * old_spacing / new_spacing)`` (at least 1); direction
    unchanged; the origin moves by ``(new - old) / 2`` spacing along each axis, so the outer
    edge of the first voxel stays where it was and the last edge moves by at most half a new
    voxel (keeping the origin itself would shift the whole extent by up to half a voxel).
    ``spacing=None`` returns the image's own grid.
    """
    old_spacing = np.asarray(image.GetSpacing(), dtype=float)
    old_size = np.asarray(image.GetSize(), dtype=float)
    new_spacing = old_spacing if spacing is None else np.asarray(spacing, dtype=float)
    new_size = np.maximum(np.round(old_size * old_spacing / new_spacing), 1).astype(int)
    direction = np.asarray(image.GetDirection(), dtype=float).reshape(3, 3)
    origin = np.asarray(image.GetOrigin(), dtype=float) + direction @ ((new_spacing - old_spacing) / 2.0)
    reference = sitk.Image([int(n) for n in new_size], sitk.sitkUInt8)
    reference.SetSpacing([float(s) for s in new_spacing])
    reference.SetOrigin([float(o) for o in origin])
    reference.SetDirection(image.GetDirection())
    return reference


def resample_onto(image: sitk.Image, reference: sitk.Image, interpolator: int, default: float = 0.0) -> sitk.Image:
    """Resample ``image`` onto ``reference``'s grid (identity transform, same pixel type).

    Args:
        interpolator: ``sitk.sitkLinear`` for images, ``sitk.sitkNearestNeighbor`` for masks.
        default: value outside the image's extent.
    """
    return sitk.Resample(image, reference, sitk.Transform(), interpolator, float(default), image.GetPixelID())
