"""Resampling between physical grids with SimpleITK: to a target spacing, and back.

SimpleITK samples voxel centres in physical space, so an image and its label resampled onto
the same reference grid stay aligned. Downsampling along an axis is antialiased with the
Gaussian of :func:`lesionbench.resampling.antialias_sigmas` (applied in voxel units of the
input); labels follow the label methods of :mod:`lesionbench.resampling.arrays`.
"""

from __future__ import annotations

import numpy as np
import SimpleITK as sitk
from scipy import ndimage

from lesionbench.resampling.arrays import LABEL_METHODS, antialias_sigmas
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


def resample_onto(image: sitk.Image, reference: sitk.Image, interpolator: int, default: float = 0.0,
                  pixel_type: int | None = None) -> sitk.Image:
    """Resample ``image`` onto ``reference``'s grid (identity transform), no filtering.

    Args:
        interpolator: e.g. ``sitk.sitkLinear`` or ``sitk.sitkNearestNeighbor``.
        default: value outside the image's extent.
        pixel_type: output pixel type (default: the input's).
    """
    pixel = image.GetPixelID() if pixel_type is None else pixel_type
    return sitk.Resample(image, reference, sitk.Transform(), interpolator, float(default), pixel)


def _downsampling_sigmas(image: sitk.Image, reference: sitk.Image) -> tuple[float, ...]:
    """Antialiasing sigma per array axis (z, y, x) in input voxels, from the spacing ratios."""
    old = np.asarray(image.GetSpacing(), dtype=float)[::-1]
    new = np.asarray(reference.GetSpacing(), dtype=float)[::-1]
    return antialias_sigmas(new / old)


def _smoothed(image: sitk.Image, reference: sitk.Image) -> sitk.Image:
    """``image`` as float32, Gaussian-filtered along the axes that ``reference`` downsamples."""
    sigmas = _downsampling_sigmas(image, reference)
    array = sitk.GetArrayFromImage(image).astype(np.float32, copy=False)
    if any(s > 0 for s in sigmas):
        array = ndimage.gaussian_filter(array, sigma=sigmas, mode="nearest", truncate=4.0)
    out = sitk.GetImageFromArray(array)
    out.CopyInformation(image)
    return out


def resample_image(image: sitk.Image, reference: sitk.Image, default: float = 0.0, antialias: bool = True) -> np.ndarray:
    """Linear resampling of a scalar image onto ``reference``, antialiased where it downsamples.

    Returns:
        float32 ``(Z, Y, X)`` on ``reference``'s grid; ``default`` outside the image.
    """
    source = _smoothed(image, reference) if antialias else sitk.Cast(image, sitk.sitkFloat32)
    return sitk.GetArrayFromImage(resample_onto(source, reference, sitk.sitkLinear, default, sitk.sitkFloat32))


def resample_probability(prob: sitk.Image, reference: sitk.Image, antialias: bool = True) -> np.ndarray:
    """A probability map onto ``reference`` (linear; averaged where it downsamples); 0 outside."""
    return np.clip(resample_image(prob, reference, 0.0, antialias), 0.0, 1.0)


def resample_label(mask: sitk.Image, reference: sitk.Image, method: str = "soft", antialias: bool = True) -> np.ndarray:
    """A 0/1 (or small integer) label map onto ``reference`` with a label method.

    ``"nearest"``: nearest voxel centre. ``"soft"``: each label's 0/1 fraction resampled as
    :func:`resample_image` does, the largest fraction winning (for a binary mask: foreground
    where the fraction is >= 0.5).

    Returns:
        uint8 ``(Z, Y, X)`` on ``reference``'s grid; 0 outside the mask's extent.
    """
    if method not in LABEL_METHODS:
        raise ValueError(f"resample_label: unknown method {method!r} (valid: {', '.join(LABEL_METHODS)})")
    if method == "nearest":
        return sitk.GetArrayFromImage(resample_onto(mask, reference, sitk.sitkNearestNeighbor, 0, sitk.sitkUInt8))
    labels = sitk.GetArrayViewFromImage(mask)
    values = [int(v) for v in np.unique(labels) if v != 0]
    shape = tuple(reversed(reference.GetSize()))
    if not values:
        return np.zeros(shape, dtype=np.uint8)
    fractions = []
    for value in [0, *values] if len(values) > 1 else values:
        one = sitk.GetImageFromArray((labels == value).astype(np.float32))
        one.CopyInformation(mask)
        fractions.append(resample_image(one, reference, 1.0 if value == 0 else 0.0, antialias))
    if len(values) == 1:
        return np.where(fractions[0] >= 0.5, values[0], 0).astype(np.uint8)
    winners = np.asarray([0, *values], dtype=np.uint8)
    return winners[np.argmax(np.stack(fractions), axis=0)]
