"""Small image files for the dataset recipe tests (imported by the test modules)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import SimpleITK as sitk


def write_volume(path: Path, array_zyx: np.ndarray, spacing=(1.0, 1.0, 1.0), origin=(0.0, 0.0, 0.0)) -> Path:
    """Write a ``(Z, Y, X)`` array as an image file with the given geometry (x y z)."""
    image = sitk.GetImageFromArray(np.asarray(array_zyx))
    image.SetSpacing(tuple(float(s) for s in spacing))
    image.SetOrigin(tuple(float(o) for o in origin))
    path.parent.mkdir(parents=True, exist_ok=True)
    sitk.WriteImage(image, str(path))
    return path


def head_phantom(shape_zyx=(12, 20, 24), seed=0) -> tuple[np.ndarray, np.ndarray]:
    """An MRI-like volume: a noisy ellipsoid head (about 100) in zero air, and a lesion mask."""
    rng = np.random.default_rng(seed)
    z, y, x = np.meshgrid(*(np.arange(n, dtype=float) for n in shape_zyx), indexing="ij")
    cz, cy, cx = (np.asarray(shape_zyx) - 1) / 2.0
    head = ((z - cz) / (0.45 * shape_zyx[0])) ** 2 + ((y - cy) / (0.42 * shape_zyx[1])) ** 2 \
        + ((x - cx) / (0.42 * shape_zyx[2])) ** 2 <= 1.0
    lesion = head & ((z - cz) ** 2 + (y - cy - 2) ** 2 + (x - cx + 3) ** 2 <= 4.0)
    image = np.where(head, 100.0 + rng.normal(0.0, 5.0, shape_zyx), 0.0).astype(np.float32)
    image[lesion] += 60.0
    return image, lesion.astype(np.uint8)
