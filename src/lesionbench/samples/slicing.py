"""Axial slices (2D) and neighbouring-slice stacks (2.5D) resized to the network's input size, and back.

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


def stack_indices(depth: int, offsets: tuple[int, ...], slices: np.ndarray | None = None) -> np.ndarray:
    """Slice indices of the 2.5D stacks: ``(N, K)``, row ``n`` = ``slices[n] + offsets`` clipped.

    Neighbours beyond the first or last slice repeat the edge slice (paper 003 keeps every
    slice, 189 per ATLAS case, without saying how the edges are filled).

    Args:
        depth: number of slices ``Z``.
        offsets: ``K`` offsets relative to the target slice (paper 003: ``(-2, -1, 0, 1)``).
        slices: target slice indices ``(N,)``; all ``Z`` slices if ``None``.
    """
    targets = np.arange(depth) if slices is None else np.asarray(slices, dtype=np.int64)
    return np.clip(targets[:, None] + np.asarray(offsets, dtype=np.int64)[None, :], 0, depth - 1)


def to_network_stacks(volume_czyx: np.ndarray, size: tuple[int, int], offsets: tuple[int, ...],
                      slices: np.ndarray | None = None, mode: str = "bilinear") -> np.ndarray:
    """2.5D inputs: each target slice with its neighbours as channels, resized to ``size``.

    Channel order is channel-major: ``[c0 @ offsets[0], ..., c0 @ offsets[-1], c1 @ ...]``,
    so a one-channel T1 volume with offsets ``(-2, -1, 0, 1)`` gives the four-slice input of
    paper 003 (sections 3.5.1 and 4.4.1: "each slice with its two preceding and one following
    slice"; section 4.1 says one preceding and two following once, so ``offsets`` is a setting),
    the target slice third.

    Args:
        volume_czyx: ``(C, Z, Y, X)`` array.
        size: ``(H, W)`` in pixels.
        offsets: ``K`` slice offsets (see :func:`stack_indices`).
        slices: target slices ``(N,)``; all ``Z`` if ``None``.
        mode: ``"bilinear"`` for images, ``"nearest"`` for masks.

    Returns:
        ``(N, C * K, H, W)`` float32.
    """
    volume = np.asarray(volume_czyx)
    channels, depth = volume.shape[:2]
    index = stack_indices(depth, offsets, slices)  # (N, K)
    stacked = volume[:, index]  # (C, N, K, Y, X)
    stacked = stacked.transpose(0, 2, 1, 3, 4).reshape(channels * len(offsets), index.shape[0], *volume.shape[2:])
    return to_network_slices(stacked, size, mode=mode)


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
