"""Resampling between physical grids: labels on the image's sampling grid, antialiased downsampling."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk
from scipy import ndimage

from lesionbench.resampling import resample_image, resample_label, resample_probability, resampled_grid

DIRECTION = (0.0, 1.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 1.0)


def _image(array_zyx: np.ndarray, spacing=(0.5, 0.5, 2.0), direction=DIRECTION) -> sitk.Image:
    image = sitk.GetImageFromArray(array_zyx)
    image.SetSpacing(spacing)
    image.SetOrigin((10.0, -20.0, 5.0))
    image.SetDirection(direction)
    return image


def _physical_com(array_zyx: np.ndarray, image: sitk.Image) -> np.ndarray:
    index = np.asarray(ndimage.center_of_mass(np.asarray(array_zyx, float)))[::-1]
    return np.asarray(image.TransformContinuousIndexToPhysicalPoint(index.tolist()))


@pytest.mark.parametrize("method", ["soft", "nearest"])
@pytest.mark.parametrize("spacing", [(2.0, 2.0, 2.0), (0.3, 0.3, 1.0)])
def test_label_centre_stays_in_place_on_a_rotated_grid(method, spacing):
    z, y, x = np.meshgrid(np.arange(16), np.arange(70), np.arange(80), indexing="ij")
    ball = ((((x - 39.3) * 0.5) ** 2 + ((y - 33.6) * 0.5) ** 2 + ((z - 7.4) * 2.0) ** 2) <= 12.0**2).astype(np.uint8)
    image = _image(ball)
    reference = resampled_grid(image, spacing)
    out = resample_label(image, reference, method)
    assert out.dtype == np.uint8 and out.shape == tuple(reversed(reference.GetSize()))
    shift = np.abs(_physical_com(out, reference) - _physical_com(ball, image))
    tolerance = 0.1 * np.maximum(spacing, (0.5, 0.5, 2.0))  # a tenth of a voxel of the coarser grid
    if method == "nearest":
        # a 4x coarser voxel centre falls on a fine voxel boundary: nearest neighbour breaks the
        # tie one way and moves the mask by half a fine voxel (0.25 mm), which soft labels avoid
        tolerance = tolerance + 0.25
    assert (shift < tolerance).all(), shift
    volume = out.sum() * np.prod(spacing)
    assert volume == pytest.approx(ball.sum() * 0.5 * 0.5 * 2.0, rel=0.1)


def test_downsampling_an_image_is_antialiased():
    x = np.arange(120)
    stripes = np.broadcast_to(((x % 3) == 0).astype(np.float32), (4, 120, 120)).copy()
    image = _image(stripes, direction=(1, 0, 0, 0, 1, 0, 0, 0, 1))
    reference = resampled_grid(image, (2.0, 2.0, 2.0))
    assert resample_image(image, reference, antialias=False)[1:-1, 2:-2, 2:-2].std() > 0.1
    filtered = resample_image(image, reference)[1:-1, 2:-2, 2:-2]
    assert filtered.std() < 0.02 and filtered.mean() == pytest.approx(1 / 3, abs=0.02)


def test_probabilities_stay_in_unit_range_and_outside_is_zero():
    prob = np.zeros((4, 20, 20), np.float32)
    prob[:, 5:15, 5:15] = 1.0
    image = _image(prob, spacing=(1.0, 1.0, 1.0), direction=(1, 0, 0, 0, 1, 0, 0, 0, 1))
    wider = sitk.Image([30, 30, 4], sitk.sitkUInt8)
    wider.SetOrigin((0.0, -25.0, 5.0))
    out = resample_probability(image, wider)
    assert out.min() >= 0.0 and out.max() <= 1.0 and out[:, :, 25:].max() == 0.0
