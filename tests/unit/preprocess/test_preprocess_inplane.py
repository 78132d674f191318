"""The in-plane crop and resize of paper 003 (ATLAS 180 -> 192, ISLES 2015 230 -> 192) and its inverse."""

from __future__ import annotations

import json

import numpy as np
import pytest
import SimpleITK as sitk

from lesionbench.config import SettingsError
from lesionbench.preprocess import (
    InplaneSettings, PreprocessError, PreprocessSettings, inplane_grid, preprocess_case, uncrop_to_original,
)

ATLAS_CROP = {"crop": {"start": [10, 40], "size": [180, 180]}, "resize": [192, 192]}
#: the ATLAS grid in LPS (identity in RAS, the MNI template's origin)
LPS = (-1.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 1.0)


def _write(path, array_zyx, like=None, spacing=(1.0, 1.0, 1.0), origin=(0.0, 0.0, 0.0), direction=None):
    image = sitk.GetImageFromArray(array_zyx)
    if like is not None:
        image.CopyInformation(like)
    else:
        image.SetSpacing(spacing)
        image.SetOrigin(origin)
        if direction is not None:
            image.SetDirection(direction)
    sitk.WriteImage(image, str(path))
    return image


def _atlas_case(tmp_path):
    """A 197 x 233 x 4 volume (slices of 233 rows x 197 columns) with a 6 x 6 marker at
    columns 100..105, rows 60..65 of slices 1-2; a gradient keeps rows and columns apart."""
    z, y, x = np.meshgrid(np.arange(4), np.arange(233), np.arange(197), indexing="ij")
    image = (x + 2.0 * y).astype(np.float32)
    mask = np.zeros((4, 233, 197), dtype=np.uint8)
    mask[1:3, 60:66, 100:106] = 1
    image[mask > 0] = 2000.0
    reference = _write(tmp_path / "image.nii.gz", image, origin=(98.0, 134.0, -72.0), direction=LPS)
    _write(tmp_path / "mask.nii.gz", mask, like=reference)
    return reference, mask


def _preprocess(tmp_path, inplane):
    settings = PreprocessSettings.from_dict({"normalize": "minmax", "crop_to_brain": False, "inplane": inplane})
    return preprocess_case(tmp_path / "image.nii.gz", tmp_path / "mask.nii.gz", None, tmp_path / "case.npz", settings)


def test_inplane_grid_keeps_the_crop_box_edges():
    grid = sitk.Image([197, 233, 189], sitk.sitkUInt8)
    grid.SetOrigin((98.0, 134.0, -72.0))
    grid.SetDirection(LPS)
    out = inplane_grid(grid, InplaneSettings.from_dict(ATLAS_CROP))
    assert out.GetSize() == (192, 192, 189)
    np.testing.assert_allclose(out.GetSpacing(), (0.9375, 0.9375, 1.0))
    # first outer edge: column 9.5, row 39.5 of the original slice; last: column 189.5, row 219.5
    first = out.TransformContinuousIndexToPhysicalPoint((-0.5, -0.5, 0.0))
    last = out.TransformContinuousIndexToPhysicalPoint((191.5, 191.5, 0.0))
    np.testing.assert_allclose(first, grid.TransformContinuousIndexToPhysicalPoint((9.5, 39.5, 0.0)), atol=1e-9)
    np.testing.assert_allclose(last, grid.TransformContinuousIndexToPhysicalPoint((189.5, 219.5, 0.0)), atol=1e-9)


def test_atlas_marker_lands_where_the_crop_and_resize_put_it(tmp_path):
    reference, mask = _atlas_case(tmp_path)
    data = _preprocess(tmp_path, ATLAS_CROP)
    assert data["image"].shape == (1, 4, 192, 192) and data["mask"].shape == (4, 192, 192)
    np.testing.assert_allclose(data["spacing"], (0.9375, 0.9375, 1.0))
    assert data["resampled_size"].tolist() == [192, 192, 4] and data["crop_start"].tolist() == [0, 0, 0]
    assert set(np.unique(data["mask"])) == {0, 1}
    # marker columns 100..105 -> crop 90..95, edges 89.5..95.5 -> (edge + 0.5) * 192 / 180 - 0.5 =
    # 95.5..101.9: columns 96..101; rows 60..65 -> 20..25 -> 20.83..27.23: rows 21..27
    z, rows, columns = np.nonzero(data["mask"])
    assert sorted(set(z)) == [1, 2]
    assert (rows.min(), rows.max(), columns.min(), columns.max()) == (21, 27, 96, 101)
    # the image's marker is there too (min-max: the marker is the maximum)
    assert np.unravel_index(np.argmax(data["image"][0, 1]), (192, 192)) in {(r, c) for r in range(21, 28)
                                                                             for c in range(96, 102)}
    # the same physical place: centroids within a quarter of a millimetre
    grid = sitk.GetImageFromArray(data["mask"])
    grid.SetSpacing(data["spacing"].tolist())
    grid.SetOrigin(data["resampled_origin"].tolist())
    grid.SetDirection(data["resampled_direction"].tolist())
    row, column = np.argwhere(data["mask"][1]).mean(axis=0)
    after = grid.TransformContinuousIndexToPhysicalPoint((float(column), float(row), 1.0))
    before = reference.TransformContinuousIndexToPhysicalPoint((102.5, 62.5, 1.0))
    np.testing.assert_allclose(after, before, atol=0.25)


def test_atlas_prediction_maps_back_within_a_voxel(tmp_path):
    reference, mask = _atlas_case(tmp_path)
    data = _preprocess(tmp_path, ATLAS_CROP)
    back = uncrop_to_original(data["mask"].astype(np.float32), data, reference) >= 0.5
    assert back.shape == mask.shape
    z, rows, columns = np.nonzero(back)
    assert sorted(set(z)) == [1, 2]
    assert abs(rows.min() - 60) <= 1 and abs(rows.max() - 65) <= 1
    assert abs(columns.min() - 100) <= 1 and abs(columns.max() - 105) <= 1
    np.testing.assert_allclose(np.argwhere(back).mean(axis=0), np.argwhere(mask).mean(axis=0), atol=0.5)
    # outside the crop box nothing comes back (rows 0..39 and columns 190..196 were dropped)
    full = uncrop_to_original(np.ones_like(data["mask"], dtype=np.float32), data, reference)
    assert full[:, :39, :].max() == 0.0 and full[:, :, 191:].max() == 0.0
    assert full[:, 41:219, 11:189].min() == 1.0


def test_isles15_resize_without_crop(tmp_path):
    image = np.zeros((3, 230, 230), dtype=np.float32)
    image[:, 100:130, 20:50] = 1.0
    reference = _write(tmp_path / "image.nii.gz", image)
    _write(tmp_path / "mask.nii.gz", (image > 0).astype(np.uint8), like=reference)
    data = _preprocess(tmp_path, {"resize": [192, 192]})
    assert data["mask"].shape == (3, 192, 192)
    np.testing.assert_allclose(data["spacing"], (230 / 192, 230 / 192, 1.0))
    # centre-aligned: the slice's outer edge stays at -0.5 mm
    np.testing.assert_allclose(data["resampled_origin"], (-0.5 + 115 / 192, -0.5 + 115 / 192, 0.0))
    # columns 20..49 (edges 19.5..49.5 mm) -> (edge + 0.5) * 192 / 230 - 0.5: 16.2..41.2 -> 17..41
    _, rows, columns = np.nonzero(data["mask"])
    assert (columns.min(), columns.max()) == (17, 41) and (rows.min(), rows.max()) == (83, 108)
    assert set(np.unique(data["mask"])) == {0, 1}


def test_bad_inplane_settings_and_boxes_are_refused(tmp_path):
    with pytest.raises(SettingsError, match=r"preprocess\.inplane.*give crop, resize or both"):
        PreprocessSettings.from_dict({"normalize": "minmax", "inplane": {}})
    with pytest.raises(SettingsError, match=r"preprocess\.inplane\.crop\.start"):
        PreprocessSettings.from_dict({"normalize": "minmax", "inplane": {"crop": {"start": [-1, 0], "size": [4, 4]}}})
    _atlas_case(tmp_path)
    with pytest.raises(PreprocessError, match=r"image\.nii\.gz: in-plane crop of columns 10\.\.209 and rows 40\.\.219 "
                                              r"\(x, y\) lies outside the slice of 233 rows x 197 columns"):
        _preprocess(tmp_path, {"crop": {"start": [10, 40], "size": [200, 180]}})


def test_lesion_outside_the_crop_box_is_reported(tmp_path):
    reference, mask = _atlas_case(tmp_path)
    mask[1:3, 30:46, 100:106] = 1  # rows 30..39 lie before the box's first row (40)
    _write(tmp_path / "mask.nii.gz", mask, like=reference)
    settings = PreprocessSettings.from_dict({"normalize": "minmax", "crop_to_brain": False, "inplane": ATLAS_CROP})
    preprocess_case(tmp_path / "image.nii.gz", tmp_path / "mask.nii.gz", None, tmp_path / "case.npz", settings,
                    meta_out=tmp_path / "meta.json")
    meta = json.loads((tmp_path / "meta.json").read_text())
    expected = "120 reference lesion voxel(s) of the image grid lie outside the in-plane crop box"  # 2 x 10 x 6
    assert meta["preprocess"]["warnings"] == [expected] and meta["warnings"] == [f"preprocess: {expected}"]
