"""Fixtures for the training tests: a tiny synthetic fold of samples folders and tiny settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from lesionbench.training import ExperimentSettings
from tests.sample_folders import write_fold

#: 24 training samples (4 cases x 6 slices) and 8 validation samples (2 cases x 4 slices).
TRAIN = {"c0": 6, "c1": 6, "c2": 6, "c3": 6}
VAL = {"v0": 4, "v1": 4}


@pytest.fixture
def fold(tmp_path: Path) -> tuple[Path, Path]:
    """``(samples_dir, folds_json)`` of fold 0."""
    return write_fold(tmp_path / "data", TRAIN, VAL)


def tiny_settings(epochs: int = 3, lr: float = 3e-3, augment: dict | None = None, **train: object) -> ExperimentSettings:
    """A small real U-Net (widths 4, 8, 16) with Dice loss, on the CPU with one thread."""
    return ExperimentSettings.from_dict({
        "network": {"name": "unet", "features": [4, 8, 16]},
        "loss": {"name": "dice"},
        "train": {"epochs": epochs, "batch_size": 4, "optimizer": {"name": "adam", "lr": lr},
                  "seed": 7, "threads": 1, "workers": 0, **train},
        "predict": {"batch_size": 8},
        **({"augment": augment} if augment is not None else {}),
    })
