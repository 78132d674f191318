"""Bad input to the brain mask: one clear error naming the file and the problem, nothing written."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk

from lesionbench.brainmask import BrainMaskError, brain_mask_file, ct_brain_mask
from lesionbench.cli import main
from lesionbench.io import ImageFileError, write_image


def _volume(value: float) -> sitk.Image:
    image = sitk.GetImageFromArray(np.full((3, 16, 16), value, dtype=np.float32))
    image.SetSpacing((0.5, 0.5, 5.0))
    return image


@pytest.mark.parametrize(("value", "error", "problem"), [
    (np.nan, BrainMaskError, "every voxel is NaN: no CT to mask"),
    (-1000.0, BrainMaskError, r"no voxel in the brain HU range [-15, 100] (image range -1000 to -1000)"),
    (1500.0, BrainMaskError, r"no voxel in the brain HU range [-15, 100] (image range 1500 to 1500)"),
])
def test_unusable_ct_one_error_and_no_output(tmp_path, capsys, value, error, problem):
    write_image(_volume(value), tmp_path / "ct.nii.gz")
    out = tmp_path / "brain" / "case.nii.gz"
    with pytest.raises(error) as info:
        brain_mask_file(tmp_path / "ct.nii.gz", out, qc_path=tmp_path / "brain" / "case_qc.png")
    assert str(info.value).startswith(f"{tmp_path / 'ct.nii.gz'}: ") and problem in str(info.value)
    assert main(["brain-mask", str(tmp_path / "ct.nii.gz"), str(out)]) == 2
    err = capsys.readouterr().err
    assert err == f"lesionbench brain-mask: error: {info.value}\n"
    assert not (tmp_path / "brain").exists() or not any((tmp_path / "brain").iterdir())


def test_some_nan_voxels_are_refused_too(tmp_path):
    array = np.full((3, 16, 16), 30.0, dtype=np.float32)
    array[1, 2:4, 5] = np.nan
    write_image(sitk.GetImageFromArray(array), tmp_path / "ct.nii.gz")
    with pytest.raises(BrainMaskError, match=r"ct.nii.gz: 2 of 768 voxels are NaN"):
        brain_mask_file(tmp_path / "ct.nii.gz", tmp_path / "brain.nii.gz")
    assert not (tmp_path / "brain.nii.gz").exists()


def test_unreadable_file_is_an_image_error(tmp_path):
    (tmp_path / "ct.nii.gz").write_bytes(b"not a nifti")
    with pytest.raises(ImageFileError, match=r"ct.nii.gz: cannot be read as an image"):
        brain_mask_file(tmp_path / "ct.nii.gz", tmp_path / "brain.nii.gz")


def test_all_nan_image_in_memory_is_refused():
    with pytest.raises(BrainMaskError, match="every voxel is NaN or infinite: no CT to mask"):
        ct_brain_mask(_volume(np.nan))
