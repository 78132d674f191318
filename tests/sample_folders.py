"""Synthetic samples folders and folds files for the training, augment and loader tests."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from lesionbench.resampling import plan_fit
from lesionbench.samples import SampleSettings, write_case_samples
from lesionbench.samples.store import LABEL_SCALE


def squares(rng: np.random.Generator, n: int, size: int = 32, channels: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """``n`` noisy slices with one bright square each (side 6..12 px); masks = the square.

    Every fourth slice has no lesion (empty mask), as a real slice set has.
    """
    images = rng.normal(0.2, 0.05, size=(n, channels, size, size)).astype(np.float32)
    masks = np.zeros((n, 1, size, size), np.float32)
    for i in range(n):
        if i % 4 == 3:
            continue
        side = int(rng.integers(6, 13))
        y, x = (int(v) for v in rng.integers(0, size - side, size=2))
        masks[i, 0, y:y + side, x:x + side] = 1
        images[i, :, y:y + side, x:x + side] += 0.6
    return images, masks


def write_case(folder: Path, images: np.ndarray, labels: np.ndarray, targets: Sequence[int] | None = None,
               settings: Mapping | None = None) -> Path:
    """A samples folder of one case: ``images (Z, C, H, W)``, ``labels (Z, 1, H, W)`` fractions."""
    size = images.shape[2:]
    geometry = SampleSettings.from_dict({"layout": "2d", "size": list(size), **(settings or {})}).geometry()
    targets = list(range(images.shape[0])) if targets is None else list(targets)
    area = labels[targets].reshape(len(targets), -1).sum(axis=1)
    index = {
        "case_id": folder.name, "layout": geometry["layout"], "targets": targets,
        "has_lesion": (area > 0).tolist(), "lesion_pixels": area.astype(float).tolist(),
        "label_scale": LABEL_SCALE, "fit": plan_fit(size, (1.0, 1.0), size, "pad").to_dict(),
        "spacing_mm": [5.0, 1.0, 1.0], "settings": geometry, "warnings": [],
    }
    write_case_samples(folder, {"images": images.astype(np.float32),
                                "masks": np.rint(labels * LABEL_SCALE).astype(np.uint8)}, index)
    return folder


def write_fold(root: Path, train: Mapping[str, int], val: Mapping[str, int], seed: int = 0, size: int = 32,
               channels: int = 1, settings: Mapping | None = None) -> tuple[Path, Path]:
    """Cases ``{name: slices}`` of squares under ``root/samples`` and ``root/folds.json`` (fold 0).

    Returns:
        ``(samples_dir, folds_json)``.
    """
    rng = np.random.default_rng(seed)
    samples = root / "samples"
    for name, slices in {**train, **val}.items():
        images, labels = squares(rng, slices, size, channels)
        write_case(samples / name, images, labels, settings=settings)
    folds = root / "folds.json"
    folds.write_text(json.dumps({"folds": [{"fold": 0, "train": sorted(train), "val": sorted(val), "test": []}]}))
    return samples, folds
