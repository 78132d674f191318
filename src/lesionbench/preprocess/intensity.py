"""Intensity normalisation, one function per scheme, registered by name.

Each normaliser maps a ``(C, Z, Y, X)`` float32 volume to normalised float32 values and
returns the value that means "background", used for voxels removed by skull stripping.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

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
    out = np.empty_like(clipped, dtype=np.float32)
    for channel in range(clipped.shape[0]):
        values = clipped[channel][inside].astype(np.float64)
        std = float(values.std())
        if std == 0.0:
            raise ValueError(f"z-score normalisation: channel {channel} is constant inside the brain")
        out[channel] = (clipped[channel] - float(values.mean())) / std
    return out, 0.0


def normalize_none(image: np.ndarray, brain: np.ndarray, window: tuple[float, float] | None) -> tuple[np.ndarray, float]:
    """Keep the intensities (clipped to the window if given); background = the minimum."""
    clipped = clip_to_window(image, window)
    return clipped, float(clipped.min()) if clipped.size else 0.0


#: name -> normaliser (``PreprocessSettings.normalize``).
NORMALIZERS: dict[str, Normalizer] = {
    "window": normalize_window,
    "zscore": normalize_zscore,
    "none": normalize_none,
}


def get_normalizer(name: str) -> Normalizer:
    """The normaliser registered as ``name``; ``KeyError`` lists the valid names."""
    try:
        return NORMALIZERS[name]
    except KeyError:
        raise KeyError(f"unknown normalisation {name!r}; valid names are {sorted(NORMALIZERS)}") from None
