"""Online augmentation: image and label move together, every draw reproducible from its seed."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from lesionbench.augment import AugmentSettings, OnlineAugmentation

SPATIAL_ONLY = {"flip": {"prob": 0.5, "axes": ["x", "y"]}, "rot90": {"prob": 0.5},
                "affine": {"prob": 1.0, "rotate_deg": 25, "scale": [0.8, 1.2], "translate_fraction": 0.1},
                "elastic": {"prob": 1.0, "spacing_px": 12, "magnitude_px": [1, 3]},
                "gamma": {"prob": 0.0}, "noise": {"prob": 0.0}, "contrast": {"prob": 0.0}}


def checkerboard(shape: tuple[int, ...], square: int = 8) -> np.ndarray:
    """0/1 checkerboard of ``square``-pixel squares, ``(1, *shape)`` float32."""
    grids = np.meshgrid(*(np.arange(n) // square for n in shape), indexing="ij")
    return (sum(grids) % 2).astype(np.float32)[None]


def pipeline(spatial_dims: int, labels: str = "soft", shape=(48, 48)) -> OnlineAugmentation:
    online = dict(SPATIAL_ONLY)
    if spatial_dims == 3:
        online.update(rot90={"prob": 0.0}, elastic={**online["elastic"], "sigma_px": [4.0, 5.0], "magnitude": [20.0, 40.0]})
    return OnlineAugmentation(AugmentSettings.from_dict({"online": online}).online, spatial_dims, labels, shape)


@pytest.mark.parametrize("seed", range(6))
def test_every_label_boundary_moves_with_the_image(seed):
    label = checkerboard((48, 48))
    coverage = np.ones_like(label)
    image = np.concatenate([0.2 + 0.6 * label, coverage])  # channel 1 tracks what stays inside the view
    out_image, out_label = pipeline(2)(image, label, seed)
    assert out_image.shape == (2, 48, 48) and out_label.shape == (1, 48, 48)
    inside = out_image[1] > 1 - 1e-5
    assert inside.mean() > 0.5
    # soft labels go through the image's interpolation: image = 0.2 + 0.6 label holds exactly
    assert np.abs(out_image[0][inside] - (0.2 + 0.6 * out_label[0][inside])).max() < 1e-4
    assert not np.array_equal(out_label, label)


@pytest.mark.parametrize("seed", range(4))
def test_nearest_labels_stay_within_one_pixel_of_the_image_boundaries(seed):
    label = checkerboard((48, 48))
    image = np.concatenate([0.2 + 0.6 * label, np.ones_like(label)])
    out_image, out_label = pipeline(2, "nearest")(image, label, seed)
    assert set(np.unique(out_label).tolist()) <= {0.0, 1.0}
    inside = ndimage.binary_erosion(out_image[1] > 1 - 1e-5)  # away from the edge of the field of view
    image_side, label_side = out_image[0] >= 0.5, out_label[0] >= 0.5
    edge = label_side ^ ndimage.binary_erosion(label_side)
    near_boundary = ndimage.binary_dilation(edge, structure=np.ones((3, 3)))  # within one pixel, diagonals too
    assert not ((image_side != label_side) & inside & ~near_boundary).any()


def test_three_dimensional_samples_keep_image_and_label_together():
    label = checkerboard((16, 32, 32), square=6)
    image = np.concatenate([0.2 + 0.6 * label, np.ones_like(label)])
    out_image, out_label = pipeline(3, shape=(16, 32, 32))(image, label, 3)
    assert out_image.shape == (2, 16, 32, 32) and out_label.shape == (1, 16, 32, 32)
    inside = out_image[1] > 1 - 1e-5
    assert np.abs(out_image[0][inside] - (0.2 + 0.6 * out_label[0][inside])).max() < 1e-4


def test_same_seed_same_draw_and_intensity_transforms_touch_only_the_image():
    online = AugmentSettings.from_dict({"online": {"flip": {"prob": 0}, "affine": {"prob": 0},
                                                   "gamma": {"prob": 1.0}, "noise": {"prob": 1.0},
                                                   "contrast": {"prob": 1.0}}}).online
    augment = OnlineAugmentation(online, 2, "soft", (16, 16))
    rng = np.random.default_rng(0)
    image, label = rng.random((1, 16, 16), dtype=np.float32), checkerboard((16, 16), 4)
    first, first_label = augment(image, label, 11)
    again, _ = augment(image, label, 11)
    other, _ = augment(image, label, 12)
    assert np.array_equal(first, again) and not np.array_equal(first, other)
    assert np.array_equal(first_label, label) and not np.allclose(first, image)


def test_all_probabilities_zero_is_the_identity_and_bad_axes_are_named():
    off = {name: {"prob": 0.0} for name in SPATIAL_ONLY}
    augment = OnlineAugmentation(AugmentSettings.from_dict({"online": off}).online, 2, "soft", (8, 8))
    image = np.ones((1, 8, 8), np.float32)
    assert augment(image, image, 1)[0] is image
    with pytest.raises(ValueError, match="axis 'z' does not exist in 2D samples"):
        OnlineAugmentation(AugmentSettings.from_dict({"online": {"flip": {"axes": ["z"]}}}).online, 2, "soft", (8, 8))
    with pytest.raises(ValueError, match="quarter turns need square samples"):
        OnlineAugmentation(AugmentSettings.from_dict({"online": {"rot90": {"prob": 0.5}}}).online, 2, "soft", (8, 6))
