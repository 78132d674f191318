"""The ISLES'22 recipe: the real case of shared/data through ingest, preprocessing and samples,
and a small generated BIDS copy for the layout's error paths."""

from __future__ import annotations

import json

import nibabel as nib
import numpy as np
import pytest
import SimpleITK as sitk
from dataset_files import head_phantom, write_volume
from scipy import ndimage

from lesionbench.datasets import RECIPES, DatasetError
from lesionbench.io import ImageFileError
from lesionbench.preprocess import PreprocessSettings, preprocess_case, read_channels
from lesionbench.samples import CaseSamples, SampleSettings, extract_samples, get_layout

CASE = "sub-strokecase0009"


@pytest.fixture(scope="module")
def isles_root(shared_data):
    return shared_data("isles22_case0009")


@pytest.fixture(scope="module")
def ingested(isles_root, tmp_path_factory):
    out = tmp_path_factory.mktemp("isles22")
    meta = RECIPES["isles22"].ingest({"kind": "isles22", "root": str(isles_root)}, CASE, out / "images" / f"{CASE}.nii.gz",
                                     out / "masks" / f"{CASE}.nii.gz", out / "meta" / f"{CASE}.json")
    return out, meta


def _raw(root, suffix):
    return root / "rawdata" / CASE / "ses-0001" / f"{CASE}_ses-0001_{suffix}.nii.gz"


def test_case_ids_and_inputs(isles_root):
    source = {"kind": "isles22", "root": str(isles_root)}
    assert RECIPES["isles22"].case_ids(source) == [CASE]
    inputs = RECIPES["isles22"].inputs(source, CASE)
    assert inputs["images"] == [str(_raw(isles_root, s)) for s in ("dwi", "adc", "flair")]
    assert inputs["mask"] == str(isles_root / "derivatives" / CASE / "ses-0001" / f"{CASE}_ses-0001_msk.nii.gz")


def test_ingest_writes_dwi_adc_flair_as_a_4d_nifti_on_the_dwi_grid(isles_root, ingested):
    out, meta = ingested
    image = nib.load(out / "images" / f"{CASE}.nii.gz")
    dwi = nib.load(_raw(isles_root, "dwi"))
    assert image.shape == (112, 112, 73, 3)
    assert np.allclose(image.affine, dwi.affine, atol=1e-4)
    data = np.asarray(image.dataobj, dtype=np.float32)
    assert np.array_equal(data[..., 0], np.asarray(dwi.dataobj, dtype=np.float32))
    assert np.array_equal(data[..., 1], np.asarray(nib.load(_raw(isles_root, "adc")).dataobj, dtype=np.float32))
    mask = np.asarray(nib.load(out / "masks" / f"{CASE}.nii.gz").dataobj)
    assert mask.shape == (112, 112, 73) and int(mask.sum()) == 523
    assert meta["labels"] == {"has_lesion": True, "lesion_volume_ml": 523 * 8 / 1000}
    assert meta["channels"] == ["dwi", "adc", "flair"] and meta["modality"] == "MR"
    assert meta["warnings"][0].startswith("channel flair resampled (linear) from size [512, 512, 29]")
    text = (out / "meta" / f"{CASE}.json").read_text()
    assert "PatientAge" not in text and "060Y" not in text and json.loads(text) == meta


def test_flair_channel_matches_an_independent_linear_resampling(isles_root, ingested):
    """Peer: nibabel affines + scipy map_coordinates (order 1) of FLAIR at each DWI voxel centre."""
    out, _ = ingested
    ours = np.asarray(nib.load(out / "images" / f"{CASE}.nii.gz").dataobj, dtype=np.float64)[..., 2]
    flair = nib.load(_raw(isles_root, "flair"))
    dwi = nib.load(_raw(isles_root, "dwi"))
    ijk = np.stack(np.meshgrid(*(np.arange(n) for n in dwi.shape), indexing="ij"), axis=-1).reshape(-1, 3)
    to_flair = np.linalg.inv(flair.affine) @ dwi.affine
    coords = (ijk @ to_flair[:3, :3].T + to_flair[:3, 3]).T
    peer = ndimage.map_coordinates(np.asarray(flair.dataobj, dtype=np.float64), coords, order=1, mode="nearest")
    inside = np.all((coords >= 1) & (coords <= np.asarray(flair.shape)[:, None] - 2), axis=0)
    assert inside.sum() > 100_000
    assert np.allclose(ours.reshape(-1)[inside], peer[inside], atol=0.05, rtol=1e-4)


def test_preprocess_zscores_each_channel_within_the_head_and_samples_stack_slices(ingested, tmp_path):
    out, _ = ingested
    settings = PreprocessSettings.from_dict({"spacing": None, "normalize": "zscore_head", "window": None,
                                             "crop_to_brain": False})
    data = preprocess_case(out / "images" / f"{CASE}.nii.gz", out / "masks" / f"{CASE}.nii.gz", None,
                           tmp_path / f"{CASE}.npz", settings)
    image, mask = data["image"], data["mask"].astype(bool)
    assert image.shape == (3, 73, 112, 112) and mask.sum() == 523
    head = image[0] != 0
    assert 170_000 < head.sum() < 200_000  # ~1.5 L of brain at 8 mm^3 (the images are skull-stripped)
    for channel in image:
        assert abs(float(channel[head].mean())) < 1e-4 and abs(float(channel[head].std()) - 1.0) < 1e-4
        assert not channel[~head].any()
    # acute infarct: bright on DWI, dark on ADC (restricted diffusion)
    assert image[0][mask].mean() > 1.5 and image[1][mask].mean() < -0.5

    samples = SampleSettings.from_dict({"layout": "2.5d", "size": [64, 64], "lesion_free_fraction": 0.0})
    index = extract_samples(tmp_path / f"{CASE}.npz", tmp_path / "samples" / CASE, samples)
    lesion_slices = np.flatnonzero(mask.any(axis=(1, 2)))
    assert index["targets"] == lesion_slices.tolist() and all(index["has_lesion"])
    stored = CaseSamples(tmp_path / "samples" / CASE)
    assert stored.images.shape == (73, 3, 64, 64) and stored.masks.shape == (73, 1, 64, 64)
    image_25d, label = get_layout("2.5d").read_sample(stored, index["targets"][0], samples)
    assert image_25d.shape == (12, 64, 64) and label.shape == (1, 64, 64) and label.max() > 0.5


# ---- generated BIDS copies: layout variants and errors


def _bids(root, with_mask=True, mask_spacing=(2.0, 2.0, 2.0), flair_name="FLAIR"):
    image, lesion = head_phantom((6, 10, 12))
    for subject, folder_dwi, folder_anat in (("sub-strokecase0001", "dwi", "anat"), ("sub-strokecase0002", "dwi", "anat")):
        raw = root / "rawdata" / subject / "ses-0001"
        write_volume(raw / folder_dwi / f"{subject}_ses-0001_dwi.nii.gz", image, (2.0, 2.0, 2.0))
        write_volume(raw / folder_dwi / f"{subject}_ses-0001_adc.nii.gz", 2000.0 - image, (2.0, 2.0, 2.0))
        write_volume(raw / folder_anat / f"{subject}_ses-0001_{flair_name}.nii.gz", image[::2], (2.0, 2.0, 4.0))
        if with_mask or subject.endswith("1"):
            write_volume(root / "derivatives" / subject / "ses-0001" / f"{subject}_ses-0001_msk.nii.gz", lesion,
                         mask_spacing)
    return root


def test_release_layout_with_modality_folders_and_subjects_without_mask(tmp_path):
    root = _bids(tmp_path / "isles", with_mask=False)
    source = {"root": str(root), "channels": ["flair", "dwi"]}
    assert RECIPES["isles22"].case_ids(source) == ["sub-strokecase0001"]
    meta = RECIPES["isles22"].ingest(source, "sub-strokecase0001", tmp_path / "i.nii.gz", tmp_path / "m.nii.gz",
                                     tmp_path / "meta.json")
    channels = read_channels(tmp_path / "i.nii.gz")
    assert [c.GetSize() for c in channels] == [(12, 10, 6), (12, 10, 6)]  # the DWI grid, whatever the order
    assert meta["channels"] == ["flair", "dwi"] and meta["spacing"] == [2.0, 2.0, 2.0]
    assert meta["warnings"] == [
        "channel flair resampled (linear) from size [12, 10, 3], spacing [2.0, 2.0, 4.0] mm onto the grid of "
        "dwi (size [12, 10, 6], spacing [2.0, 2.0, 2.0] mm)"
    ]
    # FLAIR (slices 0, 2, 4 of the DWI-like volume at 4 mm) lands on the DWI slices it was taken from
    image, _ = head_phantom((6, 10, 12))
    flair = sitk.GetArrayFromImage(channels[0])
    assert np.allclose(flair[2], image[2], atol=1e-4) and np.allclose(flair[3], (image[2] + image[4]) / 2, atol=1e-3)
    # a FLAIR-only case still lies on the DWI grid, which becomes an input of its own
    inputs = RECIPES["isles22"].inputs({"root": str(root), "channels": ["flair"]}, "sub-strokecase0001")
    assert inputs["grid"].endswith("dwi/sub-strokecase0001_ses-0001_dwi.nii.gz") and len(inputs["images"]) == 1


def test_mask_off_the_dwi_grid_and_bad_sources_are_refused(tmp_path):
    root = _bids(tmp_path / "isles", mask_spacing=(2.0, 2.0, 3.0))
    with pytest.raises(ImageFileError, match=r"sub-strokecase0002_ses-0001_msk\.nii\.gz: mask is not on the grid of "
                                             r"its image .*_dwi\.nii\.gz \(spacing \[2\.0, 2\.0, 3\.0\] vs \[2\.0, 2\.0, 2\.0\]\)"):
        RECIPES["isles22"].ingest({"root": str(root)}, "sub-strokecase0002", tmp_path / "i.nii.gz",
                                  tmp_path / "m.nii.gz", tmp_path / "meta.json")
    assert not (tmp_path / "meta.json").exists() and not (tmp_path / "i.nii.gz").exists()
    with pytest.raises(DatasetError, match=r"channels must be distinct names from \['adc', 'dwi', 'flair'\]"):
        RECIPES["isles22"].case_ids({"root": str(root), "channels": ["dwi", "t2"]})
    with pytest.raises(DatasetError, match=r"isles22 source: unknown key\(s\) \['rot'\]"):
        RECIPES["isles22"].case_ids({"rot": str(root)})
    (root / "rawdata" / "sub-strokecase0002" / "ses-0001" / "anat" / "sub-strokecase0002_ses-0001_FLAIR.nii.gz").unlink()
    with pytest.raises(FileNotFoundError, match=r"sub-strokecase0002: no FLAIR file \(sub-strokecase0002_\*_FLAIR"):
        RECIPES["isles22"].inputs({"root": str(root)}, "sub-strokecase0002")
