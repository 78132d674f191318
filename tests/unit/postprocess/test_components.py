"""Connected-component operations of lesionbench.postprocess on small synthetic masks."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk

from lesionbench.postprocess import (
    OPERATIONS,
    apply,
    apply_to_image,
    component_count,
    component_volumes_ml,
    parse_step,
    step_label,
)

SPACING_XYZ = (0.5, 0.8, 3.0)  # anisotropic: one voxel is 1.2 mm^3 = 0.0012 mL
VOXEL_ML = 0.0012
LARGEST = {"name": "largest_component"}


def _three_blobs() -> np.ndarray:
    """uint8 (6, 10, 12): blobs of 24, 1 and 27 voxels, in raster order of their first voxel."""
    mask = np.zeros((6, 10, 12), dtype=np.uint8)
    mask[0:2, 0:3, 0:4] = 1  # 24 voxels
    mask[0, 8, 10] = 1  # 1 voxel
    mask[3:6, 5:8, 2:5] = 1  # 27 voxels
    return mask


def test_the_registry_names_the_three_steps():
    assert list(OPERATIONS) == ["none", "largest_component", "min_volume"]


def test_component_volumes_are_voxel_counts_times_the_anisotropic_voxel_volume():
    volumes = component_volumes_ml(_three_blobs(), SPACING_XYZ)
    assert volumes == pytest.approx([24 * VOXEL_ML, 1 * VOXEL_ML, 27 * VOXEL_ML])
    assert component_count(_three_blobs(), SPACING_XYZ) == 3


def test_largest_by_physical_volume_is_largest_by_voxel_count():
    mask = _three_blobs()
    volumes = component_volumes_ml(mask, SPACING_XYZ)
    voxel_counts = [24, 1, 27]
    assert int(np.argmax(volumes)) == int(np.argmax(voxel_counts)) == 2
    kept = apply(mask, SPACING_XYZ, LARGEST)
    expected = np.zeros_like(mask)
    expected[3:6, 5:8, 2:5] = 1
    np.testing.assert_array_equal(kept, expected)


def test_largest_component_of_equal_components_keeps_the_first_in_raster_order():
    mask = np.zeros((2, 6, 6), dtype=np.uint8)
    mask[0, 0, 0:2] = 1
    mask[1, 4, 4:6] = 1
    kept = apply(mask, SPACING_XYZ, LARGEST)
    assert kept[0, 0, 0:2].all() and not kept[1].any()


def test_connectivity_is_full_in_3d():
    mask = np.zeros((3, 3, 3), dtype=np.uint8)
    mask[0, 0, 0] = mask[1, 1, 1] = mask[2, 2, 2] = 1  # corners touch only
    assert component_count(mask) == 1
    mask[1, 1, 1] = 0  # now two voxels with a gap between them
    assert component_count(mask) == 2


def test_a_one_slice_volume_uses_8_neighbours_in_the_plane():
    mask = np.zeros((1, 6, 6), dtype=np.uint8)
    mask[0, 0, 0] = mask[0, 1, 1] = 1  # diagonal neighbours: one component
    mask[0, 4:6, 3:6] = 1  # a separate 6-voxel blob
    spacing = (0.5, 0.5, 5.0)  # 1.25 mm^3
    assert component_volumes_ml(mask, spacing) == pytest.approx([2 * 0.00125, 6 * 0.00125])
    kept = apply(mask, spacing, LARGEST)
    assert kept.shape == (1, 6, 6) and kept.sum() == 6 and kept[0, 4:6, 3:6].all()
    assert apply(mask, spacing, {"name": "min_volume", "min_ml": 0.003}).sum() == 6


def test_min_volume_keeps_a_component_of_exactly_the_threshold():
    mask = np.zeros((2, 12, 12), dtype=np.uint8)
    mask[0, 0:8, 0:10] = 1  # 80 voxels x 1.25 mm^3 = 0.1 mL
    mask[1, 11, 0:10] = 1  # 10 voxels = 0.0125 mL, three rows away from the first
    spacing = (0.5, 0.5, 5.0)
    assert component_volumes_ml(mask, spacing) == pytest.approx([0.1, 0.0125])
    kept = apply(mask, spacing, {"name": "min_volume", "min_ml": 0.1})
    assert kept.sum() == 80
    mask[0, 0, 0] = 0  # 79 voxels: just under 0.1 mL
    assert apply(mask, spacing, {"name": "min_volume", "min_ml": 0.1}).sum() == 0
    assert apply(mask, spacing, {"name": "min_volume", "min_ml": 0.0125}).sum() == 89


def test_min_volume_threshold_is_not_lost_to_floating_point_rounding():
    # 0.3 x 0.7 x 3.3 mm: 6 voxels are 4.158 mm^3, but 6 * (0.693 / 1000) < 0.004158 in floats.
    spacing = (0.3, 0.7, 3.3)
    mask = np.zeros((1, 2, 3), dtype=np.uint8)
    mask[:] = 1
    assert component_volumes_ml(mask, spacing)[0] < 0.004158
    assert apply(mask, spacing, {"name": "min_volume", "min_ml": 0.004158}).sum() == 6


@pytest.mark.parametrize("step", [{"name": "none"}, LARGEST, {"name": "min_volume", "min_ml": 0.5}])
def test_an_empty_mask_stays_empty(step):
    empty = np.zeros((3, 4, 5), dtype=np.uint8)
    out = apply(empty, SPACING_XYZ, step)
    assert out.shape == empty.shape and out.dtype == np.uint8 and not out.any()
    assert component_volumes_ml(empty, SPACING_XYZ) == [] and component_count(empty) == 0


def test_none_returns_an_unchanged_copy_and_the_input_is_not_modified():
    mask = _three_blobs()
    before = mask.copy()
    out = apply(mask.astype(bool), SPACING_XYZ, {"name": "none"})
    assert out.dtype == np.uint8 and set(np.unique(out)) == {0, 1}
    np.testing.assert_array_equal(out, before)
    apply(mask, SPACING_XYZ, LARGEST)
    np.testing.assert_array_equal(mask, before)


def test_apply_to_image_keeps_the_grid():
    image = sitk.GetImageFromArray(_three_blobs())
    image.SetSpacing(SPACING_XYZ)
    image.SetOrigin((-4.0, 2.0, 7.5))
    image.SetDirection((0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0))
    out = apply_to_image(image, {"name": "min_volume", "min_ml": 2 * VOXEL_ML})
    assert out.GetSize() == image.GetSize() and out.GetSpacing() == image.GetSpacing()
    assert out.GetOrigin() == image.GetOrigin() and out.GetDirection() == image.GetDirection()
    assert out.GetPixelID() == sitk.sitkUInt8
    assert int(sitk.GetArrayViewFromImage(out).sum()) == 24 + 27


def test_apply_to_image_refuses_a_2d_image():
    with pytest.raises(ValueError, match="3D image"):
        apply_to_image(sitk.Image(4, 4, sitk.sitkUInt8), LARGEST)


def test_parse_step_canonical_forms_and_the_model_json_form():
    assert parse_step({"name": "none", "min_ml": None}) == {"name": "none"}
    assert parse_step({"name": "min_volume", "min_ml": 1}) == {"name": "min_volume", "min_ml": 1.0}
    assert step_label({"name": "min_volume", "min_ml": 0.5}) == "min_volume(0.5 mL)"


@pytest.mark.parametrize(("step", "message"), [
    ({"name": "biggest"}, "unknown post-processing 'biggest'"),
    ({"name": "min_volume"}, "missing \\['min_ml'\\]"),
    ({"name": "largest_component", "min_ml": 0.5}, "unknown \\['min_ml'\\]"),
    ({"name": "min_volume", "min_ml": -1.0}, "positive number"),
    ({"name": "min_volume", "min_ml": "0.5"}, "positive number"),
    ("largest_component", "expected a dict"),
])
def test_invalid_steps_are_clear_errors(step, message):
    with pytest.raises(ValueError, match=message):
        apply(np.zeros((1, 2, 2), dtype=np.uint8), SPACING_XYZ, step)


def test_a_mask_that_is_not_3d_or_a_bad_spacing_is_an_error():
    with pytest.raises(ValueError, match="\\(Z, Y, X\\)"):
        apply(np.zeros((4, 4), dtype=np.uint8), SPACING_XYZ, LARGEST)
    with pytest.raises(ValueError, match="three values"):
        apply(np.zeros((1, 4, 4), dtype=np.uint8), (1.0, 1.0), LARGEST)
    with pytest.raises(ValueError, match="positive"):
        component_volumes_ml(np.zeros((1, 4, 4), dtype=np.uint8), (1.0, 0.0, 1.0))
