"""Offline augmentation (paper 000's rot90 + shift x4) enumerated lazily: the same samples as materialised."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lesionbench.augment import AugmentSettings, RandomRotTranslate, offline_table
from lesionbench.training import FoldSamples, SampleDataset
from tests.sample_folders import write_fold


def materialised(images: np.ndarray, labels: np.ndarray, settings: AugmentSettings, fold: int):
    """The former ``augment_fold`` stage: each sample followed by ``copies - 1`` random copies,
    drawn sample by sample from one generator seeded by ``(seed, fold)``, into one array."""
    offline = settings.offline
    transform = RandomRotTranslate(offline.rotations, offline.max_shift_fraction)
    rng = np.random.default_rng(np.random.SeedSequence([settings.seed, fold]))
    out_images, out_labels = [], []
    for image, label in zip(images, labels):
        out_images.append(image)
        out_labels.append(label)
        for _ in range(1, offline.copies):
            moved_image, moved_label = transform(image, label, rng)
            out_images.append(moved_image)
            out_labels.append(moved_label)
    return np.stack(out_images), np.stack(out_labels)


def test_lazy_expansion_equals_the_materialised_one(tmp_path: Path) -> None:
    samples, folds = write_fold(tmp_path, {"a": 5, "b": 3}, {"c": 2})
    data = FoldSamples.open(samples, folds, 0)
    settings = AugmentSettings.from_dict({"mode": "offline", "seed": 3, "offline": {"copies": 4}})
    lazy = SampleDataset(data.train, data.settings, settings, 0)
    plain = SampleDataset(data.train, data.settings)
    images = np.stack([plain[i][0].numpy() for i in range(len(plain))])
    labels = np.stack([plain[i][1].numpy() for i in range(len(plain))])
    expected_images, expected_labels = materialised(images, labels, settings, fold=0)
    assert len(lazy) == 4 * 8 == len(expected_images)
    for index in range(len(lazy)):
        image, label, _ = lazy[index]
        assert np.array_equal(image.numpy(), expected_images[index]), index
        assert np.array_equal(label.numpy(), expected_labels[index]), index
    assert lazy.has_lesion().tolist() == np.repeat(data.train.has_lesion, 4).tolist()
    # copy 0 is the sample itself; the table is a few integers per copy, not an array of images
    assert lazy.table.shape == (8, 4, 3) and (lazy.table[:, 0] == 0).all()


def test_table_depends_on_seed_and_fold_only() -> None:
    settings = AugmentSettings.from_dict({"mode": "offline"}).offline
    first = offline_table(10, (32, 32), settings, seed=0, fold=1)
    assert np.array_equal(first, offline_table(10, (32, 32), settings, seed=0, fold=1))
    assert not np.array_equal(first, offline_table(10, (32, 32), settings, seed=0, fold=2))
    assert np.abs(first[..., 1:]).max() <= 3  # shifts up to floor(0.1 * 32)
    with pytest.raises(ValueError, match="odd quarter turns need square samples"):
        offline_table(2, (32, 16), settings, seed=0, fold=0)
