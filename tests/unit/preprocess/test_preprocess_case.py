"""preprocess_case, load_preprocessed and uncrop_to_original on small synthetic cases."""

from __future__ import annotations

import json

import numpy as np
import pytest
import SimpleITK as sitk

from lesionbench.io import write_image
from lesionbench.preprocess import (
    PREPROCESSED_KEYS,
    NpzFileError,
    PreprocessError,
    PreprocessSettings,
    load_preprocessed,
    preprocess_case,
    uncrop_to_original,
    write_npz,
)

SPACING = (1.2, 1.1, 1.5)
SHAPE_ZYX = (16, 30, 34)


def _image(array, spacing=SPACING, origin=(-20.0, 10.0, 5.0)):
    image = sitk.GetImageFromArray(array)
    image.SetSpacing(spacing)
    image.SetOrigin(origin)
    return image


def _write_case(tmp_path, spacing=SPACING):
    """HU image with a 70 HU ball (lesion) in a 35 HU box (brain) in air, and the masks."""
    z, y, x = np.meshgrid(*(np.arange(n) for n in SHAPE_ZYX), indexing="ij")
    brain = (z >= 2) & (z < 14) & (y >= 5) & (y < 25) & (x >= 6) & (x < 28)
    pz, py, px = (z - 8) * spacing[2], (y - 15) * spacing[1], (x - 17) * spacing[0]
    lesion = (pz**2 + py**2 + px**2) <= 6.0**2
    hu = np.full(SHAPE_ZYX, -1000.0, dtype=np.float32)
    hu[brain] = 35.0
    hu[lesion] = 70.0
    paths = {name: tmp_path / f"{name}.nii.gz" for name in ("image", "mask", "brain")}
    write_image(_image(hu, spacing), paths["image"])
    write_image(_image(lesion.astype(np.uint8), spacing), paths["mask"])
    write_image(_image(brain.astype(np.uint8), spacing), paths["brain"])
    return paths, hu, lesion, brain


def test_npz_has_every_key_with_the_documented_dtypes_and_shapes(tmp_path):
    paths, *_ = _write_case(tmp_path)
    settings = PreprocessSettings.from_dict({"spacing": [1.0, 1.0, 1.0], "window": [50, 100]})
    preprocess_case(paths["image"], paths["mask"], paths["brain"], tmp_path / "case.npz", settings)
    data = load_preprocessed(tmp_path / "case.npz")
    assert set(data) == set(PREPROCESSED_KEYS)
    assert data["image"].dtype == np.float32 and data["image"].ndim == 4 and data["image"].shape[0] == 1
    assert data["mask"].dtype == np.uint8 and data["brain"].dtype == np.uint8
    assert data["image"].shape[1:] == data["mask"].shape == data["brain"].shape
    # resampled full grid: round(34*1.2)=41, round(30*1.1)=33, round(16*1.5)=24 (x y z)
    assert data["resampled_size"].dtype == np.int64 and data["resampled_size"].tolist() == [41, 33, 24]
    assert data["spacing"].dtype == np.float64 and data["spacing"].tolist() == [1.0, 1.0, 1.0]
    assert data["resampled_direction"].shape == (9,) and data["resampled_origin"].shape == (3,)
    assert data["crop_start"].dtype == np.int64
    assert data["provenance"]["settings_hash"] and data["provenance"]["case"] == "case"


def test_crop_is_the_brain_bounding_box_plus_margin(tmp_path):
    paths, _, _, brain = _write_case(tmp_path)
    settings = PreprocessSettings.from_dict({"window": [50, 100]})  # keep the spacing
    data = preprocess_case(paths["image"], paths["mask"], paths["brain"], tmp_path / "a.npz", settings)
    assert data["crop_start"].tolist() == [2, 5, 6]
    assert data["mask"].shape == (12, 20, 22)
    assert data["brain"].all()
    margin = PreprocessSettings.from_dict({"window": [50, 100], "crop_margin_mm": 2.0})
    data = preprocess_case(paths["image"], paths["mask"], paths["brain"], tmp_path / "b.npz", margin)
    # ceil(2/1.5)=2 slices in z, ceil(2/1.1)=2 rows, ceil(2/1.2)=2 columns; clipped at the edges
    assert data["crop_start"].tolist() == [0, 3, 4]
    assert data["mask"].shape == (16, 24, 26)


def test_window_and_skull_strip_values(tmp_path):
    paths, _, lesion, brain = _write_case(tmp_path)
    settings = PreprocessSettings.from_dict({"window": [50, 100], "crop_to_brain": False})
    data = preprocess_case(paths["image"], paths["mask"], paths["brain"], tmp_path / "c.npz", settings)
    image = data["image"][0]
    np.testing.assert_allclose(image[brain & ~lesion], 0.35, atol=1e-6)  # (35 - 0) / 100
    np.testing.assert_allclose(image[lesion], 0.70, atol=1e-6)
    assert (image[~brain] == 0).all()
    np.testing.assert_array_equal(data["mask"], lesion.astype(np.uint8))


def test_zscore_over_the_brain(tmp_path):
    paths, _, _, brain = _write_case(tmp_path)
    settings = PreprocessSettings.from_dict({"normalize": "zscore", "crop_to_brain": False})
    image = preprocess_case(paths["image"], paths["mask"], paths["brain"], tmp_path / "z.npz", settings)["image"][0]
    assert abs(float(image[brain].mean())) < 1e-5
    assert abs(float(image[brain].std()) - 1.0) < 1e-5
    assert (image[~brain] == 0).all()


def test_mask_round_trip_through_uncrop(tmp_path):
    paths, _, lesion, _ = _write_case(tmp_path)
    settings = PreprocessSettings.from_dict({"spacing": [1.0, 1.0, 1.0], "window": [50, 100]})
    data = preprocess_case(paths["image"], paths["mask"], paths["brain"], tmp_path / "r.npz", settings)
    reference = sitk.ReadImage(str(paths["image"]))
    back = uncrop_to_original(data["mask"].astype(np.float32), data, reference)
    assert back.dtype == np.float32 and back.shape == SHAPE_ZYX
    restored = back >= 0.5
    dice = 2 * (restored & lesion).sum() / (restored.sum() + lesion.sum())
    assert dice > 0.95
    # probabilities outside the crop are zero after padding
    assert float(back[0].max()) == 0.0


def test_uncrop_rejects_a_wrong_shape(tmp_path):
    paths, *_ = _write_case(tmp_path)
    settings = PreprocessSettings.from_dict({"window": [50, 100]})
    data = preprocess_case(paths["image"], paths["mask"], paths["brain"], tmp_path / "w.npz", settings)
    with pytest.raises(ValueError, match=r"probability shape \(3, 3, 3\) differs"):
        uncrop_to_original(np.zeros((3, 3, 3)), data, sitk.ReadImage(str(paths["image"])))


def test_mask_on_another_grid_names_both_files(tmp_path):
    paths, *_ = _write_case(tmp_path)
    shifted = _image(np.zeros(SHAPE_ZYX, dtype=np.uint8), origin=(0.0, 0.0, 0.0))
    write_image(shifted, tmp_path / "other_mask.nii.gz")
    settings = PreprocessSettings.from_dict({"window": [50, 100]})
    with pytest.raises(PreprocessError, match=r"other_mask\.nii\.gz: mask is not on the grid of .*image\.nii\.gz"):
        preprocess_case(paths["image"], tmp_path / "other_mask.nii.gz", paths["brain"], tmp_path / "x.npz", settings)
    assert not (tmp_path / "x.npz").exists()


def test_nan_voxels_are_rejected(tmp_path):
    paths, hu, *_ = _write_case(tmp_path)
    hu = hu.copy()
    hu[3, 4, 5] = np.nan
    write_image(_image(hu), tmp_path / "nan.mha")  # SimpleITK reads NaN in NIfTI as 0
    with pytest.raises(PreprocessError, match=r"nan\.mha: 1 NaN voxel"):
        preprocess_case(tmp_path / "nan.mha", paths["mask"], paths["brain"], tmp_path / "n.npz",
                        PreprocessSettings.from_dict({"window": [50, 100]}))


def test_without_brain_mask_nothing_is_cropped(tmp_path):
    paths, *_ = _write_case(tmp_path)
    settings = PreprocessSettings.from_dict({"window": [50, 100], "brain_mask": False})
    data = preprocess_case(paths["image"], paths["mask"], paths["brain"], tmp_path / "nb.npz", settings)
    assert data["mask"].shape == SHAPE_ZYX and data["crop_start"].tolist() == [0, 0, 0]
    assert data["brain"].all()


def test_load_preprocessed_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.npz"):
        load_preprocessed(tmp_path / "missing.npz")
    write_npz(tmp_path / "partial.npz", {"image": np.zeros((1, 2, 2, 2), np.float32)})
    with pytest.raises(NpzFileError, match=r"partial\.npz: missing array\(s\) \['mask'"):
        load_preprocessed(tmp_path / "partial.npz")
    (tmp_path / "junk.npz").write_text("not a zip")
    with pytest.raises(NpzFileError, match=r"junk\.npz: cannot be read"):
        load_preprocessed(tmp_path / "junk.npz")
    settings = PreprocessSettings.from_dict({"window": [40, 80]})
    assert PreprocessSettings.from_dict(json.loads(json.dumps(settings.to_dict()))) == settings
