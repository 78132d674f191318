"""Preprocessed-case files (``{R}/preprocessed/{case}.npz``) written directly, for the samples tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from lesionbench.preprocess import PREPROCESSED_KEYS, write_npz


def write_preprocessed(path: Path, image: np.ndarray, mask: np.ndarray, brain: np.ndarray | None = None,
                       spacing: tuple[float, float, float] = (1.0, 1.0, 5.0)) -> Path:
    """``image (C, Z, Y, X)``, ``mask``/``brain (Z, Y, X)`` at ``spacing`` (x, y, z mm), uncropped."""
    z, y, x = mask.shape
    arrays = {
        "image": image.astype(np.float32), "mask": mask.astype(np.uint8),
        "brain": (np.ones_like(mask) if brain is None else brain).astype(np.uint8),
        "spacing": np.asarray(spacing, dtype=np.float64), "resampled_origin": np.zeros(3),
        "resampled_direction": np.eye(3).ravel(), "resampled_size": np.array([x, y, z], dtype=np.int64),
        "crop_start": np.zeros(3, dtype=np.int64), "provenance": np.array(json.dumps({"lesionbench_version": "test"})),
    }
    assert set(arrays) == set(PREPROCESSED_KEYS)
    write_npz(path, arrays)
    return path
