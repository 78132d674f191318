"""build_fold: expansion factor, validation untouched, determinism, alignment, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lesionbench.augment import AugmentError, AugmentSettings, build_fold
from lesionbench.preprocess import read_npz, write_npz

SIZE = 24


def _write_samples(path, n, seed):
    """``n`` samples, each a bright square (image 1.0) with the same square as mask."""
    rng = np.random.default_rng(seed)
    images = np.zeros((n, 1, SIZE, SIZE), dtype=np.float32)
    masks = np.zeros((n, 1, SIZE, SIZE), dtype=np.uint8)
    for i in range(n):
        y, x = rng.integers(4, SIZE - 10, size=2)
        images[i, 0, y:y + 5, x:x + 5] = 1.0
        masks[i, 0, y:y + 5, x:x + 5] = 1
        images[i, 0] += 0.1 * (images[i, 0] == 0)  # dim background of a "brain"
    write_npz(path, {"images": images, "masks": masks, "slice_index": np.arange(n, dtype=np.int64),
                     "has_lesion": np.ones(n, dtype=bool)})


@pytest.fixture
def fold_inputs(tmp_path):
    counts = {"a": 3, "b": 2, "c": 4, "d": 1}
    samples = {}
    for i, (case, n) in enumerate(counts.items()):
        samples[case] = tmp_path / f"{case}.npz"
        _write_samples(samples[case], n, i)
    folds = {"k": 2, "seed": 0, "stratify_by": [], "folds": [
        {"fold": 0, "train": ["a", "b"], "val": ["c"], "test": ["d"]},
        {"fold": 1, "train": ["c", "d"], "val": ["a"], "test": ["b"]},
    ]}
    (tmp_path / "folds.json").write_text(json.dumps(folds))
    return samples, tmp_path / "folds.json"


def test_expanded_training_set_and_untouched_validation(tmp_path, fold_inputs):
    samples, folds = fold_inputs
    settings = AugmentSettings.from_dict({"copies": 4, "rotations": [1, 2, 3], "max_shift_fraction": 0.1, "seed": 2})
    build_fold(samples, folds, 0, tmp_path / "fold-0.npz", settings)
    out = read_npz(tmp_path / "fold-0.npz")
    assert out["train_images"].shape == (4 * 5, 1, SIZE, SIZE) and out["train_images"].dtype == np.float32
    assert out["train_masks"].shape == (20, 1, SIZE, SIZE) and out["train_masks"].dtype == np.uint8
    assert out["train_case_ids"].tolist() == ["a"] * 12 + ["b"] * 8
    source_a = read_npz(samples["a"])
    np.testing.assert_array_equal(out["train_images"][0], source_a["images"][0])  # originals kept
    np.testing.assert_array_equal(out["train_images"][4], source_a["images"][1])
    assert not np.array_equal(out["train_images"][1], source_a["images"][0])  # k >= 1: a new image
    source_c = read_npz(samples["c"])
    np.testing.assert_array_equal(out["val_images"], source_c["images"])
    np.testing.assert_array_equal(out["val_masks"], source_c["masks"])
    assert json.loads(str(out["provenance"][()]))["fold"] == 0


def test_masks_stay_binary_and_move_with_the_bright_square(tmp_path, fold_inputs):
    samples, folds = fold_inputs
    settings = AugmentSettings.from_dict({"copies": 6, "max_shift_fraction": 0.2, "seed": 1})
    arrays = build_fold(samples, folds, 1, tmp_path / "fold-1.npz", settings)
    masks, images = arrays["train_masks"], arrays["train_images"]
    assert set(np.unique(masks)) == {0, 1}
    for image, mask in zip(images[:, 0], masks[:, 0]):
        # the mask is exactly where the bright square is (shifts may push part of it out)
        np.testing.assert_array_equal(mask == 1, image == 1.0)


def test_same_seed_identical_output_other_seed_differs(tmp_path, fold_inputs):
    samples, folds = fold_inputs
    settings = AugmentSettings.from_dict({"seed": 5})
    first = build_fold(samples, folds, 0, tmp_path / "x.npz", settings)
    second = build_fold(samples, folds, 0, tmp_path / "y.npz", settings)
    other = build_fold(samples, folds, 0, tmp_path / "z.npz", AugmentSettings.from_dict({"seed": 6}))
    np.testing.assert_array_equal(first["train_images"], second["train_images"])
    np.testing.assert_array_equal(first["train_masks"], second["train_masks"])
    assert not np.array_equal(first["train_images"], other["train_images"])


def test_copies_one_is_no_augmentation(tmp_path, fold_inputs):
    samples, folds = fold_inputs
    arrays = build_fold(samples, folds, 1, tmp_path / "o.npz", AugmentSettings.from_dict({"copies": 1}))
    expected = np.concatenate([read_npz(samples["c"])["images"], read_npz(samples["d"])["images"]])
    np.testing.assert_array_equal(arrays["train_images"], expected)


def test_errors(tmp_path, fold_inputs):
    samples, folds = fold_inputs
    settings = AugmentSettings()
    partial = {case: path for case, path in samples.items() if case != "b"}
    with pytest.raises(AugmentError, match=r"no samples file for case\(s\) \['b'\]"):
        build_fold(partial, folds, 0, tmp_path / "e.npz", settings)
    with pytest.raises(AugmentError, match=r"no fold 7 \(folds: \[0, 1\]\)"):
        build_fold(samples, folds, 7, tmp_path / "e.npz", settings)
    _write_samples(tmp_path / "b.npz", 2, 0)
    data = read_npz(tmp_path / "b.npz")
    write_npz(tmp_path / "b.npz", {**data, "images": data["images"][:, :, :20], "masks": data["masks"][:, :, :20]})
    with pytest.raises(AugmentError, match=r"b\.npz: samples of shape \(1, 20, 24\), other cases have \(1, 24, 24\)"):
        build_fold({**samples, "b": tmp_path / "b.npz"}, folds, 0, tmp_path / "e.npz", settings)
    assert not (tmp_path / "e.npz").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"copies": 0}, "copies must be >= 1"),
        ({"copies": 2.5}, "copies must be an integer"),
        ({"rotations": [4]}, "rotations must be a non-empty list of 0, 1, 2, 3"),
        ({"rotations": []}, "rotations must be a non-empty list"),
        ({"max_shift_fraction": 0.5}, r"max_shift_fraction must be in \[0, 0.5\)"),
        ({"flips": True}, r"unknown key\(s\) \['flips'\]"),
    ],
)
def test_settings_validation(data, message):
    with pytest.raises(ValueError, match=message):
        AugmentSettings.from_dict(data)
