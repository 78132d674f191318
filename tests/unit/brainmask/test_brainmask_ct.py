"""Brain mask of head CT: accuracy on a synthetic head, error cases, file wrapper."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk
from synthetic_head import dice, make_head

from lesionbench.brainmask import (
    BrainMaskError,
    BrainMaskSettings,
    brain_mask_file,
    ct_brain_mask,
)
from lesionbench.io import read_mask, write_image


@pytest.fixture(scope="module")
def head():
    return make_head()


def _mask_array(image, settings=None):
    return sitk.GetArrayFromImage(ct_brain_mask(image, settings)).astype(bool)


def test_synthetic_head_matches_intracranial_truth_and_keeps_the_hematoma(head):
    image, intracranial, lesion = head
    mask = _mask_array(image)
    assert dice(mask, intracranial) >= 0.97
    assert (mask & lesion).sum() / lesion.sum() >= 0.995
    # the scalp (40 HU, in the tissue range) is never part of the mask
    outside = ~intracranial & (sitk.GetArrayFromImage(image) > -500)
    assert (mask & outside).sum() <= 0.002 * intracranial.sum()


def test_mask_is_uint8_on_the_image_grid(head):
    image = head[0]
    mask = ct_brain_mask(image)
    assert mask.GetPixelID() == sitk.sitkUInt8
    assert mask.GetSize() == image.GetSize()
    assert mask.GetSpacing() == image.GetSpacing() and mask.GetOrigin() == image.GetOrigin()
    assert set(np.unique(sitk.GetArrayFromImage(mask))) == {0, 1}


def test_closing_seals_a_gap_in_the_skull(head):
    image, intracranial, _ = head
    # without closing, the slices with the suture gap leak to the scalp and are lost
    leaky = _mask_array(image, BrainMaskSettings.from_dict({"closing_mm": 0}))
    assert dice(leaky, intracranial) < 0.9
    assert dice(_mask_array(image), intracranial) >= 0.97


def test_ventricles_inside_when_below_the_tissue_range():
    # ventricles at 6 HU fall outside a tissue range starting at 15 HU: hole filling keeps them
    image, intracranial, _ = make_head(suture_gap=False)
    mask = _mask_array(image, BrainMaskSettings.from_dict({"tissue_hu": [15, 100]}))
    assert dice(mask, intracranial) >= 0.97


def test_air_only_image_raises():
    image = sitk.GetImageFromArray(np.full((4, 32, 32), -1000.0, dtype=np.float32))
    with pytest.raises(BrainMaskError, match=r"no voxel in the brain HU range \[-15, 100\]"):
        ct_brain_mask(image)


def test_no_skull_raises():
    image = sitk.GetImageFromArray(np.full((4, 32, 32), 30.0, dtype=np.float32))
    with pytest.raises(BrainMaskError, match="no bone"):
        ct_brain_mask(image)


def test_skull_enclosing_nothing_raises():
    array = np.full((4, 32, 32), -1000.0, dtype=np.float32)
    array[:, 8:24, 8:24] = 1000.0  # solid bone block, soft tissue outside only
    array[:, 0:4, :] = 40.0
    with pytest.raises(BrainMaskError, match="no soft tissue enclosed by the skull"):
        ct_brain_mask(sitk.GetImageFromArray(array))


def test_brain_mask_file_round_trip_and_error_names_the_file(tmp_path, head):
    image = head[0]
    write_image(image, tmp_path / "ct.nii.gz")
    brain_mask_file(tmp_path / "ct.nii.gz", tmp_path / "brain.nii.gz")
    written = read_mask(tmp_path / "brain.nii.gz")
    assert np.array_equal(sitk.GetArrayFromImage(written), sitk.GetArrayFromImage(ct_brain_mask(image)))

    air = sitk.GetImageFromArray(np.full((3, 16, 16), -1000.0, dtype=np.float32))
    write_image(air, tmp_path / "air.nii.gz")
    with pytest.raises(BrainMaskError, match=r"air\.nii\.gz: no voxel in the brain HU range"):
        brain_mask_file(tmp_path / "air.nii.gz", tmp_path / "air_brain.nii.gz")
    assert not (tmp_path / "air_brain.nii.gz").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"tissue": [0, 1]}, r"brain_mask.tissue: unknown setting \(valid: bone_hu"),
        ({"tissue_hu": [100, -15]}, "must be below high"),
        ({"tissue_hu": [0]}, r"brain_mask.tissue_hu\[1\]: required setting is missing"),
        ({"bone_hu": 50}, "bone_hu .* must be above the tissue range"),
        ({"erosion_mm": -1}, "must be >= 0"),
        ({"rim_mm": -0.5}, "must be >= 0"),
        ({"rim_hu": 80}, r"rim_hu \(80.0\) must be above the tissue range"),
    ],
)
def test_settings_validation(data, message):
    with pytest.raises(ValueError, match=message):
        BrainMaskSettings.from_dict(data)


def test_settings_from_dict_reads_values():
    settings = BrainMaskSettings.from_dict({"tissue_hu": [-10, 95], "bone_hu": 250, "closing_mm": 4})
    assert settings.tissue_hu == (-10.0, 95.0) and settings.bone_hu == 250.0
    assert settings.closing_mm == 4.0 and settings.erosion_mm == 2.0
    assert settings.rim_mm == 2.0 and settings.rim_hu is None


def test_partial_volume_rim_keeps_a_blurred_edge_but_not_the_bone():
    """A blurred inner table: edge voxels read 100-500 HU; the rim keeps them, not the skull."""
    import scipy.ndimage as ndi

    image, intracranial, lesion = make_head(suture_gap=False)
    hu = sitk.GetArrayFromImage(image)
    blurred = ndi.gaussian_filter(hu, sigma=(0, 0.8, 0.8))
    blurred_image = sitk.GetImageFromArray(blurred.astype(np.float32))
    blurred_image.CopyInformation(image)
    without_rim = _mask_array(blurred_image, BrainMaskSettings.from_dict({"rim_mm": 0}))
    with_rim = _mask_array(blurred_image)
    assert dice(with_rim, intracranial) > dice(without_rim, intracranial) + 0.01
    assert dice(with_rim, intracranial) >= 0.97
    assert (with_rim & lesion).sum() / lesion.sum() >= 0.995
    assert not (with_rim & (blurred >= 600)).any()  # never inside the skull proper
