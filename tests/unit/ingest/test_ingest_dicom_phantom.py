"""dicom_to_image on the phantom's series: values, geometry, ordering and bad series."""

import random

import numpy as np
import pydicom
import pytest
import SimpleITK as sitk

from lesionbench.ingest import DicomFileError, DicomSeriesError, dicom_to_image


def test_round_trip_values_and_geometry(phantom_case):
    root, case = phantom_case
    assert case.file_order != sorted(case.file_order)  # InstanceNumber is not spatial order
    image, info = dicom_to_image(root / "dicom" / case.truth.case_id)
    array = sitk.GetArrayFromImage(image)
    assert array.dtype == np.float32 and array.shape == case.hu.shape
    assert np.abs(array - case.hu).max() <= 0.5
    assert image.GetOrigin() == case.grid.origin
    assert image.GetSpacing() == case.grid.spacing
    assert image.GetDirection() == (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)
    assert info["size"] == [64, 64, 10] and info["n_slices"] == 10
    assert info["orientation"] == "LPS" and info["modality"] == "CT"
    assert info["spacing"] == [3.6, 3.6, 5.0]
    assert info["warnings"] == [] and info["other_series"] == []


def test_shuffled_instance_numbers_and_file_names(series_copy, phantom_case):
    _, case = phantom_case
    files = sorted(series_copy.glob("*.dcm"))
    numbers = list(range(1, len(files) + 1))
    random.Random(0).shuffle(numbers)
    for path, number in zip(files, numbers):
        dataset = pydicom.dcmread(path)
        dataset.InstanceNumber = number
        dataset.save_as(series_copy / f"x{number * 7919 % 101:03d}_{path.name}")
        path.unlink()
    (series_copy / "README.txt").write_text("not DICOM")
    image, info = dicom_to_image(series_copy)
    assert np.abs(sitk.GetArrayFromImage(image) - case.hu).max() <= 0.5
    assert image.GetOrigin() == case.grid.origin
    assert info["warnings"] == ["ignored 1 file(s) that are not DICOM Part 10 files"]


@pytest.mark.parametrize("keep_bytes", [600, 4000])
def test_truncated_file_names_the_file(series_copy, keep_bytes):
    victim = sorted(series_copy.glob("*.dcm"))[3]
    victim.write_bytes(victim.read_bytes()[:keep_bytes])
    with pytest.raises(DicomFileError) as info:
        dicom_to_image(series_copy)
    assert str(victim) in str(info.value)
    assert "truncated" in str(info.value) or "cannot decode" in str(info.value)


def test_missing_slice_is_uneven_spacing(series_copy):
    datasets = {p: pydicom.dcmread(p, stop_before_pixels=True) for p in series_copy.glob("*.dcm")}
    by_z = sorted(datasets, key=lambda p: float(datasets[p].ImagePositionPatient[2]))
    by_z[4].unlink()
    with pytest.raises(DicomSeriesError) as info:
        dicom_to_image(series_copy)
    message = str(info.value)
    assert str(series_copy) in message
    assert "uneven slice spacing: steps from 5.000 to 10.000 mm (median 5.000 mm" in message
    assert "missing slices?" in message


def test_duplicate_position(series_copy):
    first = sorted(series_copy.glob("*.dcm"))[0]
    dataset = pydicom.dcmread(first)
    dataset.SOPInstanceUID = pydicom.uid.generate_uid(entropy_srcs=["dup"])
    dataset.save_as(series_copy / "dup.dcm")
    with pytest.raises(DicomSeriesError, match="duplicate slice position .* in (dup.dcm and IM|IM.* and dup.dcm)"):
        dicom_to_image(series_copy)


def test_inconsistent_pixel_spacing(series_copy):
    path = sorted(series_copy.glob("*.dcm"))[2]
    dataset = pydicom.dcmread(path)
    dataset.PixelSpacing = [1.0, 1.0]
    dataset.save_as(path)
    with pytest.raises(DicomSeriesError, match=r"PixelSpacing is \[3.6, 3.6\] in IM0000.dcm but \[1, 1\] in IM0002"):
        dicom_to_image(series_copy)


def test_synthetic_tilt_is_refused(series_copy):
    for path in series_copy.glob("*.dcm"):
        dataset = pydicom.dcmread(path)
        x, y, z = (float(v) for v in dataset.ImagePositionPatient)
        dataset.ImagePositionPatient = [x, round(y + 0.1 * z, 4), z]  # shear: 5.71 deg
        dataset.save_as(path)
    with pytest.raises(DicomSeriesError, match=r"gantry tilt: the slices stack at 5.71 deg"):
        dicom_to_image(series_copy)


def test_several_series_take_the_largest(series_copy, tmp_path):
    files = sorted(series_copy.glob("*.dcm"))
    for path in files[:3]:
        dataset = pydicom.dcmread(path)
        dataset.SeriesInstanceUID = pydicom.uid.generate_uid(entropy_srcs=["second"])
        dataset.SOPInstanceUID = pydicom.uid.generate_uid(entropy_srcs=["second", path.name])
        dataset.SeriesNumber = 2
        dataset.save_as(series_copy / f"S2_{path.name}")
    image, info = dicom_to_image(series_copy)
    assert image.GetSize() == (64, 64, 10)
    assert info["other_series"] == [{"series_number": 2, "modality": "CT", "n_slices": 3}]
    assert "1 other series in the folder" in info["warnings"][0]


def test_empty_and_missing_folders(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such DICOM folder"):
        dicom_to_image(tmp_path / "absent")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(DicomSeriesError, match=r"no DICOM image with patient geometry found among 1 file"):
        dicom_to_image(tmp_path)
