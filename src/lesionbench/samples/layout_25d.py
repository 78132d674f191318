"""2.5D layout: each kept axial slice stacked with its neighbouring slices as channels.

Paper 003 (D-UNet backbone, sections 3.5.1 and 4.4.1) feeds four adjacent slices, the two
preceding slices, the target slice and the following one, as a four-channel 192 x 192
image, and segments the target slice. Which slices are kept follows the 2D layout (every
slice with lesion, a seeded share of the others); the mask is the target slice's.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from lesionbench.samples.layout_2d import select_slices
from lesionbench.samples.settings import SampleSettings
from lesionbench.samples.slicing import to_network_slices, to_network_stacks


def extract_25d(data: Mapping[str, np.ndarray], settings: SampleSettings, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Samples of one preprocessed case in the 2.5D layout.

    Args:
        data: the preprocessed arrays (``image`` ``(C, Z, Y, X)``, ``mask`` and ``brain``
            ``(Z, Y, X)``).
        settings: slice selection, ``size`` and ``slice_offsets`` (``K`` offsets).
        rng: generator for the lesion-free draw.

    Returns:
        ``images`` float32 ``(N, C * K, H, W)`` (bilinear; channel-major, see
        :func:`lesionbench.samples.slicing.to_network_stacks`), ``masks`` uint8
        ``(N, 1, H, W)`` of the target slices (nearest), ``slice_index`` int64 ``(N,)``
        (target slices), ``has_lesion`` bool ``(N,)``.
    """
    image, mask = np.asarray(data["image"]), np.asarray(data["mask"])
    keep = select_slices(mask, np.asarray(data["brain"]), settings, rng)
    height, width = settings.size
    channels = image.shape[0] * len(settings.slice_offsets)
    if keep.size:
        images = to_network_stacks(image, settings.size, settings.slice_offsets, slices=keep)
        masks = to_network_slices(mask[None, keep].astype(np.float32), settings.size, mode="nearest")
    else:
        images = np.zeros((0, channels, height, width), dtype=np.float32)
        masks = np.zeros((0, 1, height, width), dtype=np.float32)
    return {
        "images": images.astype(np.float32, copy=False),
        "masks": (masks > 0.5).astype(np.uint8),
        "slice_index": keep,
        "has_lesion": mask.reshape(mask.shape[0], -1).any(axis=1)[keep],
    }
