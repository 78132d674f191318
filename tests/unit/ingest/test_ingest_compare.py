"""compare_to_nifti: same world grid under axis flips and permutations, value differences."""

import nibabel as nib
import numpy as np
import SimpleITK as sitk

from lesionbench.ingest.compare import compare_to_nifti, index_affine

_LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])


def _image():
    array = np.arange(4 * 5 * 6, dtype=np.float32).reshape(4, 5, 6)  # (z, y, x)
    image = sitk.GetImageFromArray(array)
    image.SetSpacing((0.5, 0.8, 3.0))
    image.SetOrigin((10.0, -20.0, 30.0))
    return image, array.transpose(2, 1, 0)  # (x, y, z)


def _write(values_xyz, affine_lps, path):
    nib.save(nib.Nifti1Image(values_xyz, _LPS_TO_RAS @ affine_lps), str(path))
    return path


def test_flipped_and_permuted_reference_is_the_same_grid(tmp_path):
    image, xyz = _image()
    affine = index_affine(image)
    # the reference stores y reversed and the axes in (y, x, z) order
    flip_y = np.eye(4)
    flip_y[1, 1], flip_y[1, 3] = -1, 4
    swap = np.eye(4)[[1, 0, 2, 3]]
    theirs = xyz[:, ::-1, :].transpose(1, 0, 2) + 0.25
    agreement = compare_to_nifti(image, _write(theirs, affine @ flip_y @ swap, tmp_path / "ref.nii"))
    assert agreement.same_grid and agreement.corner_distance_mm < 1e-4
    assert np.isclose(agreement.max_abs_hu, 0.25) and np.isclose(agreement.mean_abs_hu, 0.25)
    assert agreement.within_1hu == 1.0 and agreement.compared == 120


def test_shifted_reference_is_another_grid(tmp_path):
    image, xyz = _image()
    shifted = index_affine(image)
    shifted[:3, 3] += [0.2, 0.0, 0.0]  # 0.4 voxel in x
    agreement = compare_to_nifti(image, _write(xyz, shifted, tmp_path / "ref.nii"))
    assert not agreement.same_grid and np.isclose(agreement.corner_distance_mm, 0.2)
    assert agreement.compared == 0 and np.isnan(agreement.max_abs_hu)


def test_excluded_voxels_are_not_compared(tmp_path):
    image, xyz = _image()
    theirs = xyz.copy()
    theirs[0, 0, 0] += 100.0
    exclude = np.zeros(xyz.shape, dtype=bool)
    exclude[0, 0, 0] = True
    path = _write(theirs, index_affine(image), tmp_path / "ref.nii")
    assert compare_to_nifti(image, path).max_abs_hu == 100.0
    assert compare_to_nifti(image, path, exclude=exclude).max_abs_hu == 0.0
