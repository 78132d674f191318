"""Fixtures for the training tests: a tiny synthetic augment file and tiny settings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lesionbench.training import ExperimentSettings


def synthetic_split(rng: np.random.Generator, n: int, size: int = 32, channels: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """``n`` noisy images with one bright square each (side 6..12 px); masks = the square.

    Every fourth image has no lesion (empty mask), as a real slice set has.
    """
    images = rng.normal(0.2, 0.05, size=(n, channels, size, size)).astype(np.float32)
    masks = np.zeros((n, 1, size, size), np.uint8)
    for i in range(n):
        if i % 4 == 3:
            continue
        side = int(rng.integers(6, 13))
        y, x = (int(v) for v in rng.integers(0, size - side, size=2))
        masks[i, 0, y:y + side, x:x + side] = 1
        images[i, :, y:y + side, x:x + side] += 0.6
    return images, masks


def write_augment_npz(path: Path, n_train: int = 24, n_val: int = 8, seed: int = 0, channels: int = 1) -> Path:
    rng = np.random.default_rng(seed)
    train_images, train_masks = synthetic_split(rng, n_train, channels=channels)
    val_images, val_masks = synthetic_split(rng, n_val, channels=channels)
    np.savez_compressed(path, train_images=train_images, train_masks=train_masks,
                        val_images=val_images, val_masks=val_masks, provenance=np.array("{}"))
    return path


@pytest.fixture
def augment_npz(tmp_path: Path) -> Path:
    return write_augment_npz(tmp_path / "fold-0.npz")


def tiny_settings(epochs: int = 3, lr: float = 3e-3, **train: object) -> ExperimentSettings:
    """A small real U-Net (widths 4, 8, 16) with Dice loss, on the CPU with one thread."""
    return ExperimentSettings.from_dict({
        "network": {"name": "unet", "features": [4, 8, 16]},
        "loss": {"name": "dice"},
        "train": {"epochs": epochs, "batch_size": 4, "optimizer": {"name": "adam", "lr": lr},
                  "seed": 7, "threads": 1, **train},
        "predict": {"batch_size": 8},
    })
