"""The ISLES 2015 SISS recipe on a small generated copy of the training release layout."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk
from dataset_files import head_phantom, write_volume

from lesionbench.datasets import RECIPES, DatasetError

SHAPE = (6, 10, 12)
IDS = {"T1": 70615, "T2": 70616, "Flair": 70614, "DWI": 70613}


def _case(root, number, sequences=("T1", "T2", "Flair", "DWI"), mask=True, extension=".nii", seed=0):
    """Case folder ``root/<number>/`` as the release has it; returns the T1 and the mask arrays."""
    folder = root / str(number)
    image, lesion = head_phantom(SHAPE, seed=seed)
    for index, name in enumerate(sequences):
        stem = f"VSD.Brain.XX.O.MR_{name}.{IDS[name] + 10 * number}"
        write_volume(folder / stem / f"{stem}{extension}", image + 1000.0 * index)
    if mask:
        stem = f"VSD.Brain_XXO.OT.{70618 + 10 * number}"
        write_volume(folder / stem / f"{stem}{extension}", lesion * np.uint8(2))  # non-zero is lesion
    return image, lesion


@pytest.fixture
def isles15(tmp_path):
    root = tmp_path / "SISS2015_Training"
    for number in (1, 2, 10):
        _case(root, number, seed=number)
    (root / "notes").mkdir()  # not a case: holds no VSD.* entry
    return root


def test_case_ids_are_sorted_and_padded(isles15):
    assert RECIPES["isles15"].case_ids({"kind": "isles15", "root": str(isles15)}) == ["case01", "case02", "case10"]


def test_t1_by_default_with_a_binarised_mask(isles15, tmp_path):
    recipe = RECIPES["isles15"]
    inputs = recipe.inputs({"root": str(isles15)}, "case02")
    stem, ot = "VSD.Brain.XX.O.MR_T1.70635", "VSD.Brain_XXO.OT.70638"
    assert inputs == {"images": [str(isles15 / "2" / stem / f"{stem}.nii")],
                      "mask": str(isles15 / "2" / ot / f"{ot}.nii")}
    meta = recipe.ingest({"root": str(isles15)}, "case02", tmp_path / "i.nii.gz", tmp_path / "m.nii.gz",
                         tmp_path / "meta.json")
    image, lesion = head_phantom(SHAPE, seed=2)
    mask = sitk.GetArrayFromImage(sitk.ReadImage(str(tmp_path / "m.nii.gz")))
    assert np.array_equal(mask, lesion) and set(np.unique(mask)) == {0, 1}
    assert np.allclose(sitk.GetArrayFromImage(sitk.ReadImage(str(tmp_path / "i.nii.gz"))), image)
    assert meta["channels"] == ["t1"] and meta["modality"] == "MR" and meta["size"] == [12, 10, 6]
    assert meta["labels"]["has_lesion"] is True and meta["source"]["mask_voxels"] == int(lesion.sum())


def test_sequences_are_chosen_and_ordered(isles15, tmp_path):
    meta = RECIPES["isles15"].ingest({"root": str(isles15), "sequences": ["DWI", "T1"]}, "case01",
                                     tmp_path / "i.nii.gz", tmp_path / "m.nii.gz", tmp_path / "meta.json")
    assert meta["channels"] == ["dwi", "t1"]
    stored = sitk.GetArrayFromImage(sitk.ReadImage(str(tmp_path / "i.nii.gz")))  # (C, Z, Y, X) of a 4D NIfTI
    image, _ = head_phantom(SHAPE, seed=1)
    assert np.allclose(stored[0], image + 3000.0) and np.allclose(stored[1], image)
    with pytest.raises(DatasetError, match=r"sequences must be distinct names from \['T1', 'T2', 'Flair', 'DWI'\]"):
        RECIPES["isles15"].case_ids({"root": str(isles15), "sequences": ["T1", "ADC"]})


def test_mha_files_are_read(tmp_path):
    root = tmp_path / "mha"
    _, lesion = _case(root, 3, sequences=("T1",), extension=".mha", seed=3)
    meta = RECIPES["isles15"].ingest({"root": str(root)}, "case03", tmp_path / "i.nii.gz", tmp_path / "m.nii.gz",
                                     tmp_path / "meta.json")
    assert meta["source"]["files"]["images"] == {"t1": "VSD.Brain.XX.O.MR_T1.70645.mha"}
    assert meta["source"]["mask_voxels"] == int(lesion.sum())


def test_missing_t1_or_mask_names_the_folder(tmp_path):
    root = tmp_path / "broken"
    _case(root, 1)
    _case(root, 4, sequences=("T2", "Flair"))
    with pytest.raises(FileNotFoundError, match=r"broken/4: no T1 image \(\*\.MR_T1\.\*\) found"):
        RECIPES["isles15"].case_ids({"root": str(root)})
    root = tmp_path / "no_mask"
    _case(root, 5, mask=False)
    with pytest.raises(FileNotFoundError, match=r"no_mask/5: no lesion mask \(\*\.OT\.\*\) found"):
        RECIPES["isles15"].case_ids({"root": str(root)})
    with pytest.raises(FileNotFoundError, match=r"no case folder for case07"):
        RECIPES["isles15"].inputs({"root": str(tmp_path / "broken")}, "case07")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match=r"empty: no case folder holding VSD\.Brain\.\* images found"):
        RECIPES["isles15"].case_ids({"root": str(tmp_path / "empty")})
