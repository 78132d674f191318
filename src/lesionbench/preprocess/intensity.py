"""Intensity normalisation, one function per scheme, registered by name.

Each normaliser maps a ``(C, Z, Y, X)`` float32 volume to normalised float32 values and
returns the value that means "background", used for voxels removed by skull stripping.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lesionbench.preprocess.head import head_mask

#: ``(image_czyx, brain_zyx, window) -> (normalised, background_value)``
Normalizer = Callable[[np.ndarray, np.ndarray, "tuple[float, float] | None"], "tuple[np.ndarray, float]"]


def window_to_unit(hu: np.ndarray, level: float, width: float) -> np.ndarray:
    """Map ``level - width/2 .. level + width/2`` HU linearly onto ``[0, 1]``, clipped.

    Paper 001 (section 3.2 (3)): window level 50 HU, width 100 HU, normalised to [0, 1].
    """
    low = level - width / 2.0
    return np.clip((hu - low) / width, 0.0, 1.0).astype(np.float32)


def clip_to_window(hu: np.ndarray, window: tuple[float, float] | None) -> np.ndarray:
    """Clip to ``[level - width/2, level + width/2]`` (a no-op for ``window=None``)."""
    if window is None:
        return hu.astype(np.float32, copy=False)
    level, width = window
    return np.clip(hu, level - width / 2.0, level + width / 2.0).astype(np.float32)


def normalize_window(image: np.ndarray, brain: np.ndarray, window: tuple[float, float] | None) -> tuple[np.ndarray, float]:
    """CT windowing to ``[0, 1]``; background 0 (below the window)."""
    if window is None:
        raise ValueError("normalize 'window' needs window [level, width] HU")
    return window_to_unit(image, *window), 0.0


def normalize_zscore(image: np.ndarray, brain: np.ndarray, window: tuple[float, float] | None) -> tuple[np.ndarray, float]:
    """Zero mean, unit standard deviation per channel over the brain voxels; background 0.

    Raises:
        ValueError: the brain is empty or has constant intensity.
    """
    clipped = clip_to_window(image, window)
    inside = brain.astype(bool)
    if not inside.any():
        raise ValueError("z-score normalisation needs at least one brain voxel")
    return _zscore_over(clipped, inside, "the brain"), 0.0


def normalize_zscore_head(image: np.ndarray, brain: np.ndarray, window: tuple[float, float] | None) -> tuple[np.ndarray, float]:
    """MRI: zero mean, unit standard deviation per channel over the head; 0 outside it.

    The head is :func:`lesionbench.preprocess.head.head_mask` of the (window-clipped)
    image, intersected with ``brain`` (all ones when no brain mask is used). Voxels outside
    the head are set to 0, the mean, so that air carries no signal (ISLES'22 recipe).

    Raises:
        ValueError: no head voxel found, or a channel constant inside the head.
    """
    clipped = clip_to_window(image, window)
    inside = head_mask(clipped) & brain.astype(bool)
    if not inside.any():
        raise ValueError("z-score within the head: no head voxel found (is every channel constant?)")
    out = _zscore_over(clipped, inside, "the head")
    out[:, ~inside] = 0.0
    return out, 0.0


def _zscore_over(image: np.ndarray, inside: np.ndarray, where: str) -> np.ndarray:
    """Per channel ``(v - mean) / std`` with the statistics of the voxels ``inside``."""
    out = np.empty_like(image, dtype=np.float32)
    for channel in range(image.shape[0]):
        values = image[channel][inside].astype(np.float64)
        std = float(values.std())
        if std == 0.0:
            raise ValueError(f"z-score normalisation: channel {channel} is constant inside {where}")
        out[channel] = (image[channel] - float(values.mean())) / std
    return out


def normalize_minmax(image: np.ndarray, brain: np.ndarray, window: tuple[float, float] | None) -> tuple[np.ndarray, float]:
    """Per-volume min-max to ``[0, 1]``, per channel over the brain voxels (the whole image when
    no brain mask is used); voxels outside that range are clipped; background 0.

    The MRI input of paper 003's thesis experiments (a skull-stripped T1 scaled by its own minimum
    and maximum).

    Raises:
        ValueError: the brain is empty or a channel is constant inside it.
    """
    clipped = clip_to_window(image, window)
    inside = brain.astype(bool)
    if not inside.any():
        raise ValueError("min-max normalisation needs at least one brain voxel")
    out = np.empty_like(clipped, dtype=np.float32)
    for channel in range(clipped.shape[0]):
        values = clipped[channel][inside]
        low, high = float(values.min()), float(values.max())
        if high <= low:
            raise ValueError(f"min-max normalisation: channel {channel} is constant inside the brain")
        out[channel] = np.clip((clipped[channel] - low) / (high - low), 0.0, 1.0)
    return out, 0.0


def normalize_none(image: np.ndarray, brain: np.ndarray, window: tuple[float, float] | None) -> tuple[np.ndarray, float]:
    """Keep the intensities (clipped to the window if given); background = the minimum."""
    clipped = clip_to_window(image, window)
    return clipped, float(clipped.min()) if clipped.size else 0.0


#: name -> normaliser (``PreprocessSettings.normalize``).
NORMALIZERS: dict[str, Normalizer] = {
    "window": normalize_window,
    "zscore": normalize_zscore,
    "zscore_head": normalize_zscore_head,
    "minmax": normalize_minmax,
    "none": normalize_none,
}


def get_normalizer(name: str) -> Normalizer:
    """The normaliser registered as ``name``; ``KeyError`` lists the valid names."""
    try:
        return NORMALIZERS[name]
    except KeyError:
        raise KeyError(f"unknown normalisation {name!r}; valid names are {sorted(NORMALIZERS)}") from None
