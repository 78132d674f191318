"""Centre-aligned resizing: labels stay on their image's grid, the inverse is exact, downsampling antialiased."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy import ndimage

from lesionbench.resampling import antialias_sigmas, label_fraction, resize, resize_label


def disc(shape: tuple[int, ...], centre: tuple[float, ...], radius: float) -> np.ndarray:
    """A ball of ``radius`` pixels around an off-grid ``centre``, as ``(1, 1, *shape)`` uint8."""
    grids = np.meshgrid(*(np.arange(n, dtype=float) for n in shape), indexing="ij")
    inside = sum((g - c) ** 2 for g, c in zip(grids, centre)) <= radius**2
    return inside.astype(np.uint8)[None, None]


def centre_of_mass(weights: np.ndarray) -> np.ndarray:
    return np.asarray(ndimage.center_of_mass(np.asarray(weights, dtype=float)))


def to_source(com: np.ndarray, source: tuple[int, ...], target: tuple[int, ...]) -> np.ndarray:
    """Pixel coordinates on a ``target`` grid mapped onto the ``source`` grid (centre-aligned)."""
    return (com + 0.5) * np.asarray(source) / np.asarray(target) - 0.5


CASES = [((60, 80), (23.3, 31.7), 9.0, (37, 50)), ((60, 80), (23.3, 31.7), 9.0, (97, 131)),
         ((60, 80), (30.6, 40.2), 5.0, (40, 53)), ((20, 28, 36), (9.3, 13.6, 17.2), 6.0, (13, 19, 24)),
         ((20, 28, 36), (9.3, 13.6, 17.2), 6.0, (31, 40, 50))]


@pytest.mark.parametrize(("shape", "centre", "radius", "target"), CASES)
@pytest.mark.parametrize("method", ["soft", "nearest"])
def test_mask_survives_resize_and_inverse_within_one_voxel(shape, centre, radius, target, method):
    mask = disc(shape, centre, radius)
    expected = centre_of_mass(mask[0, 0])
    voxel = np.maximum(np.asarray(shape) / np.asarray(target), 1.0)  # the coarser grid's voxel, in source voxels
    fraction = label_fraction(mask, target, method)
    # centre of mass of the resized label, in source coordinates: unchanged to 0.1 voxel
    moved = to_source(centre_of_mass(fraction[0, 0]), shape, target)
    assert (np.abs(moved - expected) / voxel).max() < 0.1
    probability = resize(fraction, shape)[0, 0]  # what prediction maps back
    assert (np.abs(centre_of_mass(probability) - expected) / voxel).max() < 0.1
    back = probability >= 0.5
    # every disagreement lies within one voxel of the original border
    original = mask[0, 0].astype(bool)
    border_distance = np.minimum(ndimage.distance_transform_edt(original), ndimage.distance_transform_edt(~original))
    assert border_distance[back != original].max(initial=0.0) <= 1.0


def test_the_legacy_floor_nearest_rule_shifts_labels():
    """What the centre-aligned rule replaces: floor-``nearest`` moves a mask by a third of a pixel."""
    mask = disc((60, 80), (23.3, 31.7), 9.0)
    legacy = F.interpolate(torch.from_numpy(mask.astype(np.float32)), size=(40, 53), mode="nearest")[0, 0].numpy()
    shift = to_source(centre_of_mass(legacy), (60, 80), (40, 53)) - centre_of_mass(mask[0, 0])
    assert np.abs(shift).max() > 0.2


def test_soft_labels_keep_area_and_nearest_labels_are_binary():
    mask = disc((60, 80), (23.3, 31.7), 9.0)
    soft = label_fraction(mask, (37, 50), "soft")
    assert soft.dtype == np.float32 and 0.0 <= soft.min() and soft.max() <= 1.0
    area = float(soft.sum()) * (60 / 37) * (80 / 50)
    assert area == pytest.approx(float(mask.sum()), rel=0.01)
    assert set(np.unique(label_fraction(mask, (37, 50), "nearest")).tolist()) == {0.0, 1.0}


def test_hard_labels_by_largest_fraction():
    labels = np.zeros((1, 1, 20, 20), np.uint8)
    labels[0, 0, 2:10, 2:10], labels[0, 0, 10:18, 10:18] = 1, 2
    out = resize_label(labels, (10, 10), "soft")
    assert out.dtype == np.uint8 and set(np.unique(out).tolist()) == {0, 1, 2}
    assert (out[0, 0, 1:5, 1:5] == 1).all() and (out[0, 0, 5:9, 5:9] == 2).all()
    assert np.array_equal(resize_label(labels, (20, 20), "nearest"), labels)
    with pytest.raises(ValueError, match="unknown method 'cubic'"):
        resize_label(labels, (10, 10), "cubic")


def test_downsampling_is_antialiased():
    """Stripes of period 3 px are above the Nyquist frequency of a 4x smaller grid: without a
    low-pass they alias into a false pattern; with it they average out."""
    x = np.arange(120)
    stripes = np.broadcast_to(((x % 3) == 0).astype(np.float32), (1, 1, 120, 120))
    aliased = resize(stripes, (30, 30), antialias=False)
    filtered = resize(stripes, (30, 30), antialias=True)
    assert aliased[..., 2:-2].std() > 0.1
    assert filtered[..., 2:-2].std() < 0.02 and filtered.mean() == pytest.approx(1 / 3, abs=0.02)
    assert antialias_sigmas([4.0, 1.0, 0.5]) == (1.5, 0.0, 0.0)


def test_resizing_to_the_same_shape_is_the_identity():
    image = np.random.default_rng(0).random((2, 3, 9, 11)).astype(np.float32)
    assert np.array_equal(resize(image, (9, 11)), image)
    with pytest.raises(ValueError, match="cannot be resized to spatial shape"):
        resize(image, (9, 11, 4))
