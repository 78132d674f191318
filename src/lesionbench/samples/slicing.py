"""Axial slices resized to the network's input size, and back.

Paper 000 (section 1.2) crops each slice to the brain and scales it to 416 x 416; the same
forward resize is used to build training samples, and its inverse maps a predicted
probability back onto the cropped slice before it is resampled to the original grid.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def to_network_slices(volume_czyx: np.ndarray, size: tuple[int, int], mode: str = "bilinear") -> np.ndarray:
    """Resize every axial slice of a volume to ``size``.

    Args:
        volume_czyx: ``(C, Z, Y, X)`` array.
        size: ``(H, W)`` of the network input, in pixels.
        mode: ``"bilinear"`` for images, ``"nearest"`` for masks.

    Returns:
        ``(Z, C, H, W)`` float32 array (one 2D sample per slice).
    """
    tensor = torch.from_numpy(np.ascontiguousarray(volume_czyx, dtype=np.float32)).permute(1, 0, 2, 3)
    kwargs = {"align_corners": False} if mode == "bilinear" else {}
    resized = F.interpolate(tensor, size=tuple(size), mode=mode, **kwargs)
    return resized.numpy()


def from_network_slices(prob_zhw: np.ndarray, shape_yx: tuple[int, int]) -> np.ndarray:
    """Inverse of :func:`to_network_slices` for one-channel probabilities.

    Args:
        prob_zhw: ``(Z, H, W)`` probabilities at network size.
        shape_yx: ``(Y, X)`` of the cropped preprocessed slice.

    Returns:
        ``(Z, Y, X)`` float32 probabilities, bilinearly resized.
    """
    tensor = torch.from_numpy(np.ascontiguousarray(prob_zhw, dtype=np.float32))[:, None]
    resized = F.interpolate(tensor, size=tuple(shape_yx), mode="bilinear", align_corners=False)
    return resized[:, 0].numpy()
