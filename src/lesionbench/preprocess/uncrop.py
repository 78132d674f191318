"""Map a probability volume on the cropped, resampled grid back onto the original image grid."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import SimpleITK as sitk

from lesionbench.resampling import resample_probability


def uncrop_to_original(prob_zyx: np.ndarray, npz_data: Mapping[str, Any], reference: sitk.Image,
                       antialias: bool = True) -> np.ndarray:
    """Pad a cropped probability volume into the resampled grid and resample it onto ``reference``.

    The inverse of the crop and resampling of :func:`lesionbench.preprocess.preprocess_case`:
    zeros outside the crop, then linear interpolation onto the original image grid
    (:func:`lesionbench.resampling.resample_probability`, averaged along axes where the original
    grid is coarser); metrics are computed there, never on resized slices.

    Args:
        prob_zyx: ``(Z, Y, X)`` probabilities on the cropped grid (the shape of ``npz["mask"]``).
        npz_data: the preprocessed npz (``spacing``, ``resampled_origin``,
            ``resampled_direction``, ``resampled_size``, ``crop_start``).
        reference: the original image (``{R}/images/{case}.nii.gz``): the output grid.
        antialias: Gaussian low-pass along axes where ``reference`` is coarser.

    Returns:
        ``(Z, Y, X)`` float32 on ``reference``'s grid; 0 outside the resampled extent.

    Raises:
        ValueError: ``prob_zyx`` is not 3D or does not fit inside the resampled grid at
            ``crop_start``.
    """
    prob = np.asarray(prob_zyx, dtype=np.float32)
    size_zyx = tuple(int(n) for n in np.asarray(npz_data["resampled_size"])[::-1])
    start = np.asarray(npz_data["crop_start"], dtype=np.int64)
    if prob.ndim != 3:
        raise ValueError(f"uncrop_to_original: expected a (Z, Y, X) volume, got shape {prob.shape}")
    if "mask" in npz_data and prob.shape != np.asarray(npz_data["mask"]).shape:
        raise ValueError(
            f"uncrop_to_original: probability shape {prob.shape} differs from the cropped "
            f"volume {np.asarray(npz_data['mask']).shape}"
        )
    stop = start + np.asarray(prob.shape)
    if (start < 0).any() or (stop > np.asarray(size_zyx)).any():
        raise ValueError(
            f"uncrop_to_original: crop {start.tolist()}..{stop.tolist()} (z y x) lies outside the "
            f"resampled grid {list(size_zyx)}"
        )
    full = np.zeros(size_zyx, dtype=np.float32)
    full[tuple(slice(int(a), int(b)) for a, b in zip(start, stop))] = prob
    moving = sitk.GetImageFromArray(full)
    moving.SetSpacing([float(s) for s in npz_data["spacing"]])
    moving.SetOrigin([float(o) for o in npz_data["resampled_origin"]])
    moving.SetDirection([float(d) for d in npz_data["resampled_direction"]])
    return resample_probability(moving, reference, antialias)
