"""Online augmentation of 3D VOIs ``(C, D, H, W)``: every transform on, shapes, dtypes and label values kept."""

from __future__ import annotations

import numpy as np
import pytest

from lesionbench.augment import AugmentSettings, OnlineAugmentation

EVERYTHING = {"flip": {"prob": 0.5, "axes": ["z", "y", "x"]}, "rot90": {"prob": 0.5},
              "affine": {"prob": 1.0, "rotate_deg": 20, "scale": [0.85, 1.15], "translate_fraction": 0.1},
              "elastic": {"prob": 1.0, "sigma_px": [4.0, 5.0], "magnitude": [20.0, 40.0]},
              "gamma": {"prob": 1.0}, "noise": {"prob": 1.0}, "contrast": {"prob": 1.0}}
ONLY = {name: {"prob": 0.0} for name in EVERYTHING}


def augmentation(online: dict, labels: str = "nearest", shape=(16, 16, 16)) -> OnlineAugmentation:
    return OnlineAugmentation(AugmentSettings.from_dict({"online": online}).online, len(shape), labels, shape)


def sample(shape=(16, 16, 16), seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    image = np.random.default_rng(seed).random((1, *shape), dtype=np.float32)
    label = np.zeros((1, *shape), dtype=np.float32)
    label[0, 4:11, 5:12, 3:10] = 1.0
    return image, label


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("labels", ["nearest", "soft"])
def test_a_full_round_keeps_shapes_dtypes_and_label_values(seed, labels):
    image, label = sample()
    out_image, out_label = augmentation(EVERYTHING, labels)(image, label, seed)
    assert out_image.shape == (1, 16, 16, 16) and out_label.shape == (1, 16, 16, 16)
    assert out_image.dtype == np.float32 and out_label.dtype == np.float32
    assert out_image.flags.c_contiguous and out_label.flags.c_contiguous
    assert np.isfinite(out_image).all() and not np.array_equal(out_image, image)
    if labels == "nearest":
        assert set(np.unique(out_label).tolist()) <= {0.0, 1.0}
    else:
        assert out_label.min() >= 0.0 and out_label.max() <= 1.0
    again = augmentation(EVERYTHING, labels)(image, label, seed)
    assert np.array_equal(again[0], out_image) and np.array_equal(again[1], out_label)


def test_a_channel_less_label_comes_back_channel_less_and_equal():
    image, label = sample()
    augment = augmentation(EVERYTHING)
    with_channel = augment(image, label, 7)
    bare = augment(image, label[0], 7)
    assert bare[1].shape == (16, 16, 16)
    assert np.array_equal(bare[0], with_channel[0]) and np.array_equal(bare[1], with_channel[1][0])
    with pytest.raises(ValueError, match="differ in spatial shape"):
        augment(image, label[:, :8], 7)


@pytest.mark.parametrize(("axis", "array_axis"), [("z", 1), ("y", 2), ("x", 3)])
def test_flips_mirror_the_named_axis_of_image_and_label(axis, array_axis):
    image, label = sample(shape=(8, 10, 12))
    augment = augmentation({**ONLY, "flip": {"prob": 1.0, "axes": [axis]}}, shape=(8, 10, 12))
    out_image, out_label = augment(image, label, 0)
    assert np.array_equal(out_image, np.flip(image, array_axis))
    assert np.array_equal(out_label, np.flip(label, array_axis))


def test_quarter_turns_stay_in_the_axial_plane():
    image, label = sample(shape=(8, 12, 12))
    augment = augmentation({**ONLY, "rot90": {"prob": 1.0}}, shape=(8, 12, 12))
    seen = set()
    for seed in range(12):
        out_image, out_label = augment(image, label, seed)
        turns = [k for k in (1, 2, 3) if np.array_equal(out_image, np.rot90(image, k, axes=(2, 3)))]
        assert len(turns) == 1 and np.array_equal(out_label, np.rot90(label, turns[0], axes=(2, 3)))
        seen.add(turns[0])
    assert seen == {1, 2, 3}


def test_intensity_transforms_touch_only_the_image_in_3d():
    image, label = sample()
    augment = augmentation({**ONLY, "gamma": {"prob": 1.0}, "noise": {"prob": 1.0}, "contrast": {"prob": 1.0}})
    out_image, out_label = augment(image, label, 3)
    assert np.array_equal(out_label, label) and not np.allclose(out_image, image)


def test_two_dimensional_samples_are_unchanged_by_the_3d_support():
    """A 2D label with or without its channel axis gives the same draw as before (the (1, H, W) path)."""
    rng = np.random.default_rng(0)
    image, label = rng.random((1, 24, 24), dtype=np.float32), np.zeros((1, 24, 24), np.float32)
    label[0, 5:15, 6:18] = 1.0
    online = {**EVERYTHING, "flip": {"prob": 0.5, "axes": ["y", "x"]},
              "elastic": {"prob": 1.0, "spacing_px": 8, "magnitude_px": [1, 2]}}
    augment = augmentation(online, shape=(24, 24))
    out_image, out_label = augment(image, label, 5)
    bare_image, bare_label = augment(image, label[0], 5)
    assert out_image.shape == (1, 24, 24) and bare_label.shape == (24, 24)
    assert np.array_equal(out_image, bare_image) and np.array_equal(out_label[0], bare_label)
    with pytest.raises(ValueError, match="axis 'z' does not exist in 2D samples"):
        augmentation({**ONLY, "flip": {"prob": 0.5, "axes": ["z"]}}, shape=(24, 24))
