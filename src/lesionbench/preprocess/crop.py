"""Bounding-box crop of a volume to the brain (paper 000, section 1.2)."""

from __future__ import annotations

import math

import numpy as np

from lesionbench.typing import SpacingXYZ


def brain_box(brain_zyx: np.ndarray, spacing: SpacingXYZ, margin_mm: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Bounding box of a non-empty mask, widened by ``margin_mm`` and clipped to the volume.

    Args:
        brain_zyx: ``(Z, Y, X)`` mask.
        spacing: ``(x, y, z)`` mm, to turn the margin into voxels (rounded up per axis).
        margin_mm: margin on every side, mm.

    Returns:
        ``(start, stop)`` int64 ``(3,)`` arrays in **z y x** order (``stop`` exclusive).

    Raises:
        ValueError: the mask is empty.
    """
    present = np.argwhere(brain_zyx)
    if present.size == 0:
        raise ValueError("the brain mask is empty")
    margin = np.array([math.ceil(margin_mm / s - 1e-9) if margin_mm > 0 else 0 for s in spacing[::-1]], dtype=np.int64)
    start = np.maximum(present.min(axis=0) - margin, 0)
    stop = np.minimum(present.max(axis=0) + 1 + margin, np.asarray(brain_zyx.shape))
    return start.astype(np.int64), stop.astype(np.int64)


def box_slices(start: np.ndarray, stop: np.ndarray) -> tuple[slice, slice, slice]:
    """``(z, y, x)`` slices of a box from :func:`brain_box`."""
    return tuple(slice(int(a), int(b)) for a, b in zip(start, stop))  # type: ignore[return-value]
