"""Resampling grid, windowing, crop box and settings of the preprocessing stage."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk

from lesionbench.preprocess import PreprocessSettings, window_to_unit
from lesionbench.resampling import resample_onto, resampled_grid
from lesionbench.preprocess.crop import brain_box
from lesionbench.preprocess.intensity import get_normalizer


def _edges(image):
    """Physical positions of the outer corners of the first and last voxel."""
    size = np.asarray(image.GetSize(), dtype=float)
    first = image.TransformContinuousIndexToPhysicalPoint([-0.5, -0.5, -0.5])
    last = image.TransformContinuousIndexToPhysicalPoint((size - 0.5).tolist())
    return np.asarray(first), np.asarray(last)


@pytest.mark.parametrize("direction", [(1, 0, 0, 0, 1, 0, 0, 0, 1), (0, -1, 0, 1, 0, 0, 0, 0, -1)])
def test_resampled_grid_keeps_the_physical_extent(direction):
    image = sitk.Image([37, 23, 9], sitk.sitkFloat32)
    image.SetSpacing((0.7, 0.9, 5.0))
    image.SetOrigin((-12.0, 40.0, 7.5))
    image.SetDirection(direction)
    new_spacing = (1.0, 1.0, 1.3)
    grid = resampled_grid(image, new_spacing)
    assert grid.GetSize() == (26, 21, 35)  # round(25.9), round(20.7), round(34.6)
    assert grid.GetSpacing() == new_spacing and grid.GetDirection() == image.GetDirection()
    old_first, old_last = _edges(image)
    new_first, new_last = _edges(grid)
    np.testing.assert_allclose(new_first, old_first, atol=1e-9)
    # rotate the difference into index axes to compare with each axis' half spacing
    axes = np.asarray(direction, dtype=float).reshape(3, 3)
    np.testing.assert_array_less(np.abs(axes.T @ (new_last - old_last)), np.asarray(new_spacing) / 2 + 1e-9)


def test_resampling_keeps_a_linear_ramp_and_nearest_keeps_labels():
    ramp = np.broadcast_to(np.arange(20, dtype=np.float32) * 10.0, (4, 6, 20)).copy()  # 10 HU per mm in x
    image = sitk.GetImageFromArray(ramp)
    image.SetSpacing((1.0, 1.0, 1.0))
    out = sitk.GetArrayFromImage(resample_onto(image, resampled_grid(image, (2.0, 1.0, 1.0)), sitk.sitkLinear))
    # new x centres at 0.5, 2.5, ... mm -> 5, 25, ... HU
    np.testing.assert_allclose(out[0, 0, :4], [5.0, 25.0, 45.0, 65.0], atol=1e-4)
    labels = sitk.GetImageFromArray((ramp > 95).astype(np.uint8))
    labels.SetSpacing((1.0, 1.0, 1.0))
    resampled = sitk.GetArrayFromImage(resample_onto(labels, resampled_grid(labels, (0.5, 1.0, 1.0)), sitk.sitkNearestNeighbor))
    assert set(np.unique(resampled)) == {0, 1}


def test_window_maps_bounds_to_zero_and_one():
    level, width = 50.0, 100.0
    hu = np.array([level - width / 2, level, level + width / 2, -1000.0, 1000.0, 25.0])
    np.testing.assert_allclose(window_to_unit(hu, level, width), [0.0, 0.5, 1.0, 0.0, 1.0, 0.25])


def test_none_normaliser_clips_and_reports_background():
    image = np.array([[[[-1000.0, 30.0, 500.0]]]], dtype=np.float32)
    values, background = get_normalizer("none")(image, np.ones((1, 1, 3), bool), (40.0, 80.0))
    np.testing.assert_allclose(values.ravel(), [0.0, 30.0, 80.0])
    assert background == 0.0
    with pytest.raises(KeyError, match="valid names are"):
        get_normalizer("histogram")


def test_minmax_normaliser_scales_each_channel_over_the_brain():
    image = np.array([[[[0.0, 2.0, 4.0, 10.0]]], [[[-1.0, 1.0, 3.0, 5.0]]]], dtype=np.float32)
    brain = np.array([[[False, True, True, False]]])
    values, background = get_normalizer("minmax")(image, brain, None)
    np.testing.assert_allclose(values[0].ravel(), [0.0, 0.0, 1.0, 1.0])  # outside the brain: clipped
    np.testing.assert_allclose(values[1].ravel(), [0.0, 0.0, 1.0, 1.0])
    assert background == 0.0 and values.dtype == np.float32
    whole, _ = get_normalizer("minmax")(image, np.ones((1, 1, 4), bool), None)
    np.testing.assert_allclose(whole[0].ravel(), [0.0, 0.2, 0.4, 1.0])
    with pytest.raises(ValueError, match="channel 0 is constant"):
        get_normalizer("minmax")(np.ones((1, 1, 1, 4), np.float32), np.ones((1, 1, 4), bool), None)
    with pytest.raises(ValueError, match="at least one brain voxel"):
        get_normalizer("minmax")(image, np.zeros((1, 1, 4), bool), None)
    assert PreprocessSettings.from_dict({"normalize": "minmax"}).normalize == "minmax"


def test_brain_box_with_margin_and_clipping():
    brain = np.zeros((10, 20, 30), dtype=bool)
    brain[3:6, 4:9, 10:20] = True
    start, stop = brain_box(brain, (0.5, 1.0, 5.0), margin_mm=2.0)
    # margin: ceil(2/5)=1 slice, ceil(2/1)=2 rows, ceil(2/0.5)=4 columns
    assert start.tolist() == [2, 2, 6] and stop.tolist() == [7, 11, 24]
    start, stop = brain_box(brain, (1.0, 1.0, 1.0), margin_mm=50.0)
    assert start.tolist() == [0, 0, 0] and stop.tolist() == [10, 20, 30]
    with pytest.raises(ValueError, match="brain mask is empty"):
        brain_box(np.zeros((2, 2, 2), bool), (1.0, 1.0, 1.0))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"spacing": [1, 1]}, r"preprocess.spacing\[2\]: required setting is missing"),
        ({"spacing": [1, 0, 1]}, r"preprocess.spacing\[1\]: must be > 0 \(got 0\)"),
        ({"window": [40, -80]}, r"preprocess.window\[1\]: must be > 0 \(got -80\)"),
        ({"normalize": "window"}, "preprocess: normalize 'window' needs window"),
        ({"normalize": "histogram", "window": [40, 80]},
         "preprocess.normalize: unknown normalisation 'histogram' \\(valid: minmax, none, window"),
        ({"crop_to_brain": "yes", "window": [40, 80]}, "preprocess.crop_to_brain: input should be a valid boolean"),
        ({"spacng": [1, 1, 1]}, r"preprocess.spacng: unknown setting \(valid: brain_dilation_mm, brain_mask"),
    ],
)
def test_settings_validation(data, message):
    with pytest.raises(ValueError, match=message):
        PreprocessSettings.from_dict(data)


def test_settings_from_the_design_config():
    settings = PreprocessSettings.from_dict({"brain_mask": True, "spacing": [0.9, 0.9, 5.0], "window": [40, 80]})
    assert settings.spacing == (0.9, 0.9, 5.0) and settings.window == (40.0, 80.0)
    assert settings.normalize == "window" and settings.crop_to_brain and settings.crop_margin_mm == 0.0
