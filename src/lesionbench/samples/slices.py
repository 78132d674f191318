"""Axial slices at network size: the fitted volume, the slice selection and 2.5D stacks.

Every axial slice of a cropped preprocessed volume is fitted to the network input with one
in-plane scale that keeps its physical aspect (:mod:`lesionbench.resampling.planar`; paper 000
section 1.2 crops to the brain and scales to 416 x 416), images linearly and labels with the
dataset's label method on the same grid. The same fit, applied at prediction time, has an exact
inverse (:func:`lesionbench.resampling.from_network`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from lesionbench.resampling import PlaneFit, plan_fit, to_network

if TYPE_CHECKING:
    from lesionbench.samples.settings import SampleSettings


def slice_fit(volume_shape_zyx: Sequence[int], spacing_xyz: Sequence[float], settings: SampleSettings) -> PlaneFit:
    """The in-plane fit of the slices of a ``(Z, Y, X)`` volume at ``spacing_xyz`` mm."""
    return plan_fit(volume_shape_zyx[1:], (spacing_xyz[1], spacing_xyz[0]), settings.size, settings.fit)


def fit_images(image_czyx: np.ndarray, fit: PlaneFit, settings: SampleSettings) -> np.ndarray:
    """``(C, Z, Y, X)`` -> float32 ``(Z, C, H, W)``: every slice fitted to the network input."""
    slices = np.ascontiguousarray(np.moveaxis(np.asarray(image_czyx, dtype=np.float32), 0, 1))
    return to_network(slices, fit, None, settings.resampling.antialias)


def fit_labels(mask_zyx: np.ndarray, fit: PlaneFit, settings: SampleSettings) -> np.ndarray:
    """``(Z, Y, X)`` mask -> float32 ``(Z, 1, H, W)`` lesion fraction on the images' grid
    (0/1 for ``nearest``, partial-volume fractions for ``soft`` labels)."""
    return to_network(np.asarray(mask_zyx)[:, None], fit, settings.resampling.labels, settings.resampling.antialias)


def select_slices(mask_zyx: np.ndarray, brain_zyx: np.ndarray, settings: SampleSettings, rng: np.random.Generator) -> np.ndarray:
    """Indices (ascending) of the axial slices that are samples.

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


def stack_indices(depth: int, targets: Sequence[int], offsets: Sequence[int]) -> np.ndarray:
    """``(N, K)`` slice index of each stacked slice: ``targets[n] + offsets[k]`` (may be outside)."""
    return np.asarray(targets, dtype=np.int64)[:, None] + np.asarray(offsets, dtype=np.int64)[None, :]


def gather_stacks(slices: np.ndarray, first: int, depth: int, targets: Sequence[int], offsets: Sequence[int],
                  padding: str = "zeros") -> np.ndarray:
    """2.5D inputs: each target slice with its neighbours as channels.

    Channel order is channel-major: ``[c0 @ offsets[0], ..., c0 @ offsets[-1], c1 @ ...]``, so
    a one-channel T1 volume with offsets ``(-2, -1, 0, 1)`` gives the four-slice input of paper
    003 (sections 3.5.1 and 4.4.1), the target slice third.

    Args:
        slices: ``(M, C, H, W)``: the slices ``first .. first + M - 1`` of a ``depth``-slice volume.
        first: volume index of ``slices[0]``.
        depth: slices in the whole volume (``Z``).
        targets: target slice indices (volume indices).
        offsets: ``K`` slice offsets.
        padding: a neighbour outside ``0 .. Z-1`` is ``"zeros"`` or the nearest ``"edge"`` slice.

    Returns:
        float32 ``(N, C * K, H, W)``.
    """
    index = stack_indices(depth, targets, offsets)
    outside = (index < 0) | (index >= depth)
    local = np.clip(index, 0, depth - 1) - first
    if local.size and (local.min() < 0 or local.max() >= slices.shape[0]):
        raise ValueError(f"gather_stacks: slices {first}..{first + slices.shape[0] - 1} do not cover the stacks")
    stacked = np.asarray(slices, dtype=np.float32)[local]  # (N, K, C, H, W)
    if padding == "zeros":
        stacked[outside] = 0.0
    n, k, c = stacked.shape[:3]
    return np.ascontiguousarray(stacked.transpose(0, 2, 1, 3, 4).reshape(n, c * k, *stacked.shape[3:]))
