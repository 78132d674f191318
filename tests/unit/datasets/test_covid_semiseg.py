"""The COVID 2D slice recipe: the real slices of shared/data through ingest, preprocessing and
2D samples, and generated folders for colour images, lossy masks and missing files."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk
from PIL import Image

from lesionbench.datasets.covid_semiseg import NO_PATIENT_ID
from lesionbench.datasets import RECIPES, DatasetError
from lesionbench.preprocess import PreprocessSettings, preprocess_case
from lesionbench.samples import CaseSamples, SampleSettings, extract_samples


@pytest.fixture(scope="module")
def covid_root(shared_data):
    return shared_data("covid_semiseg_train")


def test_case_ids_are_the_50_labelled_slices_in_numeric_order(covid_root):
    ids = RECIPES["covid_semiseg_2d"].case_ids({"kind": "covid_semiseg_2d", "root": str(covid_root)})
    assert len(ids) == 50 and ids[:8] == ["0", "1", "2", "3", "4", "5", "10", "11"] and ids[-1] == "67"
    assert RECIPES["covid_semiseg_2d"].inputs({"root": str(covid_root)}, "10") == {
        "images": [str(covid_root / "Imgs" / "10.jpg")], "mask": str(covid_root / "GT" / "10.png")}


def test_slice_runs_through_ingest_preprocess_and_2d_samples(covid_root, tmp_path):
    meta = RECIPES["covid_semiseg_2d"].ingest({"root": str(covid_root)}, "0", tmp_path / "i.nii.gz",
                                              tmp_path / "m.nii.gz", tmp_path / "meta.json")
    grey = np.asarray(Image.open(covid_root / "Imgs" / "0.jpg").convert("L"), dtype=np.float32)  # peer reader
    truth = np.asarray(Image.open(covid_root / "GT" / "0.png")) == 255
    image = sitk.ReadImage(str(tmp_path / "i.nii.gz"))
    assert image.GetSize() == (273, 369, 1) and image.GetSpacing() == (1.0, 1.0, 1.0)
    assert np.allclose(sitk.GetArrayFromImage(image)[0], grey / 255.0, atol=1e-6)
    mask = sitk.GetArrayFromImage(sitk.ReadImage(str(tmp_path / "m.nii.gz")))[0]
    assert np.array_equal(mask.astype(bool), truth)
    assert meta["spatial_units"] == "pixel" and meta["labels"] == {"has_lesion": bool(truth.any())}
    assert meta["source"]["mask_voxels"] == int(truth.sum())

    settings = PreprocessSettings.from_dict({"spacing": None, "normalize": "none", "window": None,
                                             "crop_to_brain": False})
    data = preprocess_case(tmp_path / "i.nii.gz", tmp_path / "m.nii.gz", None, tmp_path / "0.npz", settings)
    assert data["image"].shape == (1, 1, 369, 273) and np.allclose(data["image"][0, 0], grey / 255.0, atol=1e-6)
    assert 0.0 <= data["image"].min() and data["image"].max() <= 1.0
    index = extract_samples(tmp_path / "0.npz", tmp_path / "s", SampleSettings.from_dict({"size": [256, 256]}))
    stored = CaseSamples(tmp_path / "s")
    assert stored.images.shape == (1, 1, 256, 256) and index["has_lesion"] == [True]
    # the 369 x 273 slice keeps its aspect: scaled to 256 x 189, padded to 256 x 256
    assert index["fit"]["resized_shape"] == [256, 189] and index["fit"]["offset"] == [0, 33]
    # soft labels keep the lesion's area: summed fraction x pixel area = the reference area
    scale = 369 / 256
    assert abs(float(stored.label_rows(0, 1).sum()) * scale * scale - truth.sum()) < 0.005 * truth.sum()


def _folder(root, names_img, names_gt):
    (root / "Imgs").mkdir(parents=True)
    (root / "GT").mkdir(parents=True)
    for name in names_img:
        Image.fromarray(np.full((6, 8), 51, dtype=np.uint8)).save(root / "Imgs" / name)
    for name in names_gt:
        Image.fromarray(np.zeros((6, 8), dtype=np.uint8)).save(root / "GT" / name)
    return root


def test_colour_slices_become_grey_and_lossy_masks_are_thresholded(tmp_path):
    root = _folder(tmp_path / "c", ["1.png"], [])
    rgb = np.zeros((6, 8, 3), dtype=np.uint8)
    rgb[..., 0], rgb[..., 1], rgb[..., 2] = 100, 200, 50
    Image.fromarray(rgb).save(root / "Imgs" / "1.png")
    gt = np.zeros((6, 8), dtype=np.uint8)
    gt[2:4, 3:6] = 255
    gt[0, 0], gt[5, 7] = 3, 140  # compression noise: below and above half of 255
    Image.fromarray(gt).save(root / "GT" / "1.png")
    meta = RECIPES["covid_semiseg_2d"].ingest({"root": str(root)}, "1", tmp_path / "i.nii.gz", tmp_path / "m.nii.gz",
                                              tmp_path / "meta.json")
    grey = sitk.GetArrayFromImage(sitk.ReadImage(str(tmp_path / "i.nii.gz")))[0]
    assert np.allclose(grey, round(0.299 * 100 + 0.587 * 200 + 0.114 * 50) / 255.0)
    mask = sitk.GetArrayFromImage(sitk.ReadImage(str(tmp_path / "m.nii.gz")))[0]
    assert int(mask.sum()) == 6 + 1 and mask[5, 7] == 1 and mask[0, 0] == 0
    assert meta["warnings"] == ["channel slice: colour image (3 components) converted to grey (BT.601)",
                                "mask: 4 distinct values; thresholded at 127.5", NO_PATIENT_ID]
    assert "slices of one patient may fall into different folds" in NO_PATIENT_ID


def test_unpaired_slices_and_size_mismatch_are_refused(tmp_path):
    root = _folder(tmp_path / "a", ["1.jpg", "2.jpg", "10.jpg"], ["1.png", "10.png"])
    with pytest.raises(DatasetError, match=r"a/GT: no mask for 1 slice\(s\): \['2'\]"):
        RECIPES["covid_semiseg_2d"].case_ids({"root": str(root)})
    Image.fromarray(np.zeros((8, 6), dtype=np.uint8)).save(root / "GT" / "2.png")  # transposed size
    assert RECIPES["covid_semiseg_2d"].case_ids({"root": str(root)}) == ["1", "2", "10"]
    with pytest.raises(ValueError, match=r"GT/2\.png: mask is not on the grid of its image .*Imgs/2\.jpg "
                                         r"\(size \[6, 8, 1\] vs \[8, 6, 1\]\)"):
        RECIPES["covid_semiseg_2d"].ingest({"root": str(root)}, "2", tmp_path / "i.nii.gz", tmp_path / "m.nii.gz",
                                           tmp_path / "meta.json")
    assert not (tmp_path / "meta.json").exists()
