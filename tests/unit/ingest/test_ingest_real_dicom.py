"""dicom_to_image on real scanner series (shared/data), against dcm2niix."""

import shutil
import subprocess

import nibabel as nib
import numpy as np
import pytest
import SimpleITK as sitk

from lesionbench.ingest import DicomSeriesError, dicom_to_image

_LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])


def _sitk_affine(image: sitk.Image) -> np.ndarray:
    """Voxel index (x, y, z) -> LPS mm."""
    direction = np.array(image.GetDirection()).reshape(3, 3)
    affine = np.eye(4)
    affine[:3, :3] = direction * np.array(image.GetSpacing())
    affine[:3, 3] = image.GetOrigin()
    return affine


def _corners(shape_xyz):
    return np.array([[i, j, k, 1.0] for i in (0, shape_xyz[0] - 1) for j in (0, shape_xyz[1] - 1)
                     for k in (0, shape_xyz[2] - 1)])


def _assert_matches_dcm2niix(folder, out_dir):
    """dicom_to_image and dcm2niix agree on every voxel value and on the world corners."""
    executable = shutil.which("dcm2niix")
    assert executable, "dcm2niix (PyPI package) must be on PATH"
    subprocess.run([executable, "-z", "n", "-f", "out", "-o", str(out_dir), str(folder)],
                   check=True, capture_output=True)
    reference = nib.load(out_dir / "out.nii")
    ref_values = np.asarray(reference.get_fdata(), dtype=np.float64)  # (i, j, k), scaled
    ref_affine_lps = _LPS_TO_RAS @ reference.affine  # nibabel affines are RAS

    image, info = dicom_to_image(folder)
    ours = sitk.GetArrayFromImage(image).transpose(2, 1, 0)  # -> (x, y, z)
    our_affine = _sitk_affine(image)
    assert sorted(ours.shape) == sorted(ref_values.shape)
    # The 8 corners are the same world points (LPS, mm).
    ours_world = (our_affine @ _corners(ours.shape).T).T[:, :3]
    ref_world = (ref_affine_lps @ _corners(ref_values.shape).T).T[:, :3]
    for point in ours_world:
        assert np.min(np.linalg.norm(ref_world - point, axis=1)) < 1e-3
    # Every voxel: map our index to dcm2niix's index through the two affines.
    mapping = np.linalg.inv(ref_affine_lps) @ our_affine
    assert np.allclose(mapping[:3, :3], np.round(mapping[:3, :3]), atol=1e-4)
    grid = np.indices(ours.shape).reshape(3, -1)
    theirs = np.rint(mapping[:3, :3] @ grid + mapping[:3, 3:4]).astype(int)
    assert np.allclose(ref_values[theirs[0], theirs[1], theirs[2]], ours.reshape(-1), atol=1e-3)
    return info


def test_phantom_series_matches_dcm2niix(phantom_case, tmp_path):
    root, case = phantom_case
    info = _assert_matches_dcm2niix(root / "dicom" / case.truth.case_id, tmp_path)
    assert info["n_slices"] == 10


def test_philips_matches_dcm2niix(tmp_path, shared_series):
    folder = shared_series("Philips_phantom_5mm")
    info = _assert_matches_dcm2niix(folder, tmp_path)
    assert info["n_slices"] == 28 and info["manufacturer"] == "Philips"
    assert info["spacing"] == pytest.approx([0.451171875, 0.451171875, 5.0])
    assert info["warnings"] == ["ignored 1 DICOM file(s) that hold no image (e.g. DICOMDIR)"]


def test_ge_tilted_uneven_series_is_refused(shared_series):
    folder = shared_series("GE_tilt18_human")
    with pytest.raises(DicomSeriesError) as info:
        dicom_to_image(folder)
    message = str(info.value)
    assert message.startswith(str(folder))
    assert "gantry tilt: the slices stack at 18.50 deg" in message
    assert "GantryDetectorTilt +18.5" in message
    assert "uneven slice spacing: steps from 1.081 to 6.999 mm" in message


def test_philips_tilted_series_is_refused(shared_series):
    folder = shared_series("Philips_phantom_tilt-18")
    expected = r"gantry tilt: the slices stack at 18.50 deg .*GantryDetectorTilt -18.5"
    with pytest.raises(DicomSeriesError, match=expected):
        dicom_to_image(folder)
