"""2D layout: axial slices of the cropped volume resized to the network input."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from lesionbench.samples.settings import SampleSettings
from lesionbench.samples.slicing import to_network_slices


def select_slices(mask_zyx: np.ndarray, brain_zyx: np.ndarray, settings: SampleSettings, rng: np.random.Generator) -> np.ndarray:
    """Indices (ascending) of the axial slices to keep.

    Every slice with lesion is kept; of the lesion-free slices with at least
    ``min_brain_pixels`` brain pixels, ``round(lesion_free_fraction * count)`` are drawn
    without replacement.

    Args:
        mask_zyx: ``(Z, Y, X)`` lesion mask.
        brain_zyx: ``(Z, Y, X)`` brain mask.
    """
    lesion = mask_zyx.reshape(mask_zyx.shape[0], -1).any(axis=1)
    brain_pixels = brain_zyx.reshape(brain_zyx.shape[0], -1).sum(axis=1)
    free = np.flatnonzero(~lesion & (brain_pixels >= settings.min_brain_pixels))
    n_free = math.floor(settings.lesion_free_fraction * free.size + 0.5)
    chosen = rng.choice(free, size=n_free, replace=False) if n_free else np.empty(0, dtype=np.int64)
    return np.sort(np.concatenate([np.flatnonzero(lesion), chosen])).astype(np.int64)


def extract_2d(data: Mapping[str, np.ndarray], settings: SampleSettings, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Samples of one preprocessed case in the 2D layout.

    Args:
        data: the preprocessed arrays (``image`` ``(C, Z, Y, X)``, ``mask`` and ``brain``
            ``(Z, Y, X)``).
        settings: slice selection and ``size``.
        rng: generator for the lesion-free draw.

    Returns:
        ``images`` float32 ``(N, C, H, W)`` (bilinear), ``masks`` uint8 ``(N, 1, H, W)``
        (nearest), ``slice_index`` int64 ``(N,)`` (into the cropped volume's z axis),
        ``has_lesion`` bool ``(N,)`` (the preprocessed slice has lesion voxels).
    """
    image, mask = np.asarray(data["image"]), np.asarray(data["mask"])
    keep = select_slices(mask, np.asarray(data["brain"]), settings, rng)
    height, width = settings.size
    if keep.size:
        images = to_network_slices(image[:, keep], settings.size, mode="bilinear")
        masks = to_network_slices(mask[None, keep].astype(np.float32), settings.size, mode="nearest")
    else:
        images = np.zeros((0, image.shape[0], height, width), dtype=np.float32)
        masks = np.zeros((0, 1, height, width), dtype=np.float32)
    return {
        "images": images.astype(np.float32, copy=False),
        "masks": (masks > 0.5).astype(np.uint8),
        "slice_index": keep,
        "has_lesion": mask.reshape(mask.shape[0], -1).any(axis=1)[keep],
    }
