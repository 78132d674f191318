"""The ATLAS R2.0 recipe on a small generated copy of the release layout, through 2.5D samples."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk
from dataset_files import head_phantom, write_volume

from lesionbench.datasets import RECIPES, DatasetError
from lesionbench.preprocess import PreprocessSettings, preprocess_case
from lesionbench.samples import CaseSamples, SampleSettings, extract_samples, get_layout

SPACE = "space-MNI152NLin2009aSym"


def _subject(root, site, subject, masks=("L",), seed=0):
    anat = root / site / subject / "ses-1" / "anat"
    image, lesion = head_phantom((10, 14, 16), seed=seed)
    write_volume(anat / f"{subject}_ses-1_{SPACE}_T1w.nii.gz", image)
    for index, hemi in enumerate(masks):
        part = np.zeros_like(lesion)
        part[:, :, index * 8:(index + 1) * 8] = lesion[:, :, index * 8:(index + 1) * 8]
        write_volume(anat / f"{subject}_ses-1_{SPACE}_label-{hemi}_desc-T1lesion_mask.nii.gz", part)
    return image, lesion


@pytest.fixture
def atlas(tmp_path):
    root = tmp_path / "ATLAS_2" / "Training"
    _subject(root, "R001", "sub-r001s001")
    _subject(root, "R002", "sub-r002s002", masks=("L", "R"), seed=1)
    _subject(root, "R002", "sub-r002s001", masks=(), seed=2)  # no lesion mask: not a case
    return root


def test_case_ids_inputs_and_site_label(atlas, tmp_path):
    recipe = RECIPES["atlas"]
    assert recipe.case_ids({"kind": "atlas", "root": str(atlas)}) == ["sub-r001s001", "sub-r002s002"]
    inputs = recipe.inputs({"root": str(atlas)}, "sub-r001s001")
    anat = atlas / "R001" / "sub-r001s001" / "ses-1" / "anat"
    assert inputs == {"images": [str(anat / f"sub-r001s001_ses-1_{SPACE}_T1w.nii.gz")],
                      "mask": str(anat / f"sub-r001s001_ses-1_{SPACE}_label-L_desc-T1lesion_mask.nii.gz")}
    meta = recipe.ingest({"root": str(atlas)}, "sub-r001s001", tmp_path / "i.nii.gz", tmp_path / "m.nii.gz",
                         tmp_path / "meta.json")
    assert meta["labels"]["site"] == "R001" and meta["labels"]["has_lesion"] is True
    assert meta["modality"] == "MR" and meta["channels"] == ["t1w"] and meta["size"] == [16, 14, 10]


def test_two_lesion_masks_are_united(atlas, tmp_path):
    _, lesion = head_phantom((10, 14, 16), seed=1)
    meta = RECIPES["atlas"].ingest({"root": str(atlas)}, "sub-r002s002", tmp_path / "i.nii.gz", tmp_path / "m.nii.gz",
                                   tmp_path / "meta.json")
    mask = sitk.GetArrayFromImage(sitk.ReadImage(str(tmp_path / "m.nii.gz")))
    assert np.array_equal(mask, lesion) and meta["source"]["mask_voxels"] == int(lesion.sum())
    assert meta["warnings"] == [f"2 mask files united: ['sub-r002s002_ses-1_{SPACE}_label-L_desc-T1lesion_mask.nii.gz', "
                                f"'sub-r002s002_ses-1_{SPACE}_label-R_desc-T1lesion_mask.nii.gz']"]


def test_t1_case_becomes_four_slice_stacks(atlas, tmp_path):
    """Ingest -> preprocess (z-score within the head) -> 2.5D samples of paper 003."""
    RECIPES["atlas"].ingest({"root": str(atlas)}, "sub-r001s001", tmp_path / "i.nii.gz", tmp_path / "m.nii.gz",
                            tmp_path / "meta.json")
    preprocess = PreprocessSettings.from_dict({"normalize": "zscore_head", "crop_to_brain": False})
    data = preprocess_case(tmp_path / "i.nii.gz", tmp_path / "m.nii.gz", None, tmp_path / "sub-r001s001.npz", preprocess)
    settings = SampleSettings.from_dict({"layout": "2.5d", "size": [14, 16], "lesion_free_fraction": 1.0})
    index = extract_samples(tmp_path / "sub-r001s001.npz", tmp_path / "s", settings)
    assert index["targets"] == list(range(10))
    stored, layout = CaseSamples(tmp_path / "s"), get_layout("2.5d")
    volume = data["image"][0]
    # slice z is stacked as z-2, z-1, z, z+1, zeros beyond the volume (D-UNet); same size: no resizing
    for z, neighbours in ((0, (None, None, 0, 1)), (5, (3, 4, 5, 6)), (9, (7, 8, 9, None))):
        image, label = layout.read_sample(stored, z, settings)
        assert image.shape == (4, 14, 16)
        for channel, source in enumerate(neighbours):
            expected = np.zeros_like(volume[0]) if source is None else volume[source]
            assert np.allclose(image[channel], expected, atol=1e-6)
        assert np.array_equal(label[0], data["mask"][z].astype(np.float32))


def test_empty_or_inconsistent_layouts_are_refused(atlas, tmp_path):
    with pytest.raises(DatasetError, match=r"empty: no sub-\* folder with a \*_desc-T1lesion_mask\.nii\.gz found"):
        (tmp_path / "empty").mkdir()
        RECIPES["atlas"].case_ids({"root": str(tmp_path / "empty")})
    _subject(atlas, "R003", "sub-r001s001")
    with pytest.raises(DatasetError, match=r"sub-r001s001 appears in .*R001/sub-r001s001 and .*R003/sub-r001s001"):
        RECIPES["atlas"].case_ids({"root": str(atlas)})
    with pytest.raises(FileNotFoundError, match=r"no folder sub-r009s001"):
        RECIPES["atlas"].inputs({"root": str(atlas / "R002")}, "sub-r009s001")


def test_subset_of_r2_is_seeded_and_sorted(atlas):
    for subject in ("sub-r003s001", "sub-r003s002", "sub-r003s003"):
        _subject(atlas, "R003", subject)
    recipe, every = RECIPES["atlas"], ["sub-r001s001", "sub-r002s002", "sub-r003s001", "sub-r003s002", "sub-r003s003"]
    assert recipe.case_ids({"root": str(atlas)}) == every
    first = recipe.case_ids({"root": str(atlas), "subset": 3, "subset_seed": 7})
    assert len(first) == 3 and first == sorted(first) and set(first) < set(every)
    assert recipe.case_ids({"root": str(atlas), "subset": 3, "subset_seed": 7}) == first
    draws = {tuple(recipe.case_ids({"root": str(atlas), "subset": 3, "subset_seed": seed})) for seed in range(8)}
    assert len(draws) > 1  # the seed matters
    with pytest.raises(DatasetError, match=r"subset 6 asks for more than the 5 cases"):
        recipe.case_ids({"root": str(atlas), "subset": 6})
    with pytest.raises(DatasetError, match=r"subset must be a whole number >= 0, got -1"):
        recipe.case_ids({"root": str(atlas), "subset": -1})


def _r1_subject(root, site, subject, lesions=1, seed=0):
    """``root/Site*/<subject>/t01/`` of ATLAS R1.1: the T1 and ``lesions`` LesionSmooth masks
    (slabs of one lesion, so their union is that lesion)."""
    folder = root / site / subject / "t01"
    image, lesion = head_phantom((10, 14, 16), seed=seed)
    write_volume(folder / f"{subject}_t1w_deface_stx.nii.gz", image)
    cuts = (0, 5, 16) if lesions == 2 else (0, 16)  # the lesion spans columns 3..6
    for index in range(lesions):
        part = np.zeros_like(lesion)
        part[:, :, cuts[index]:cuts[index + 1]] = lesion[:, :, cuts[index]:cuts[index + 1]]
        name = f"{subject}_LesionSmooth_stx.nii.gz" if index == 0 else f"{subject}_LesionSmooth_{index}_stx.nii.gz"
        write_volume(folder / name, part)
    return image, lesion


@pytest.fixture
def atlas_r1(tmp_path):
    root = tmp_path / "ATLAS_R1.1"
    _r1_subject(root, "Site1", "031768")
    _r1_subject(root, "Site2", "031806", lesions=2, seed=1)
    _r1_subject(root, "Site10", "031790", seed=2)
    (root / "Site2" / "031900" / "t02").mkdir(parents=True)  # no t01 T1: not a case
    return root


def test_r1_case_ids_inputs_and_site(atlas_r1, tmp_path):
    recipe = RECIPES["atlas_r1"]
    assert recipe.case_ids({"kind": "atlas_r1", "root": str(atlas_r1)}) == ["031768", "031790", "031806"]
    t01 = atlas_r1 / "Site2" / "031806" / "t01"
    assert recipe.inputs({"root": str(atlas_r1)}, "031806") == {
        "images": [str(t01 / "031806_t1w_deface_stx.nii.gz")],
        "mask": [str(t01 / "031806_LesionSmooth_1_stx.nii.gz"), str(t01 / "031806_LesionSmooth_stx.nii.gz")]}
    meta = recipe.ingest({"root": str(atlas_r1)}, "031790", tmp_path / "i.nii.gz", tmp_path / "m.nii.gz",
                         tmp_path / "meta.json")
    assert meta["labels"]["site"] == "Site10" and meta["channels"] == ["t1w"] and meta["size"] == [16, 14, 10]


def test_r1_lesion_masks_are_united(atlas_r1, tmp_path):
    _, lesion = head_phantom((10, 14, 16), seed=1)
    meta = RECIPES["atlas_r1"].ingest({"root": str(atlas_r1)}, "031806", tmp_path / "i.nii.gz",
                                      tmp_path / "m.nii.gz", tmp_path / "meta.json")
    mask = sitk.GetArrayFromImage(sitk.ReadImage(str(tmp_path / "m.nii.gz")))
    assert lesion[:, :, :5].any() and lesion[:, :, 5:].any()  # each file holds a part
    assert np.array_equal(mask, lesion) and meta["source"]["mask_voxels"] == int(lesion.sum())
    assert meta["warnings"] == ["2 mask files united: ['031806_LesionSmooth_1_stx.nii.gz', "
                                "'031806_LesionSmooth_stx.nii.gz']"]


def test_r1_errors_name_the_folder(atlas_r1, tmp_path):
    (atlas_r1 / "Site1" / "031768" / "t01" / "031768_LesionSmooth_stx.nii.gz").unlink()
    with pytest.raises(FileNotFoundError, match=r"Site1/031768/t01: no lesion mask \(031768_LesionSmooth\*_stx"):
        RECIPES["atlas_r1"].inputs({"root": str(atlas_r1)}, "031768")
    with pytest.raises(FileNotFoundError, match=r"no Site\*/031999/t01/031999_t1w_deface_stx\.nii\.gz"):
        RECIPES["atlas_r1"].inputs({"root": str(atlas_r1)}, "031999")
    _r1_subject(atlas_r1, "Site3", "031790")
    with pytest.raises(DatasetError, match=r"031790 appears in .*Site3/031790 and .*Site10/031790"):
        RECIPES["atlas_r1"].case_ids({"root": str(atlas_r1)})
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match=r"empty: no Site\*/<subject>/t01/"):
        RECIPES["atlas_r1"].case_ids({"root": str(tmp_path / "empty")})
