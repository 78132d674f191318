"""dicom_to_image on the phantom's series: values, geometry, ordering, padding, output type."""

import random

import numpy as np
import pydicom
import pytest
import SimpleITK as sitk
from ingest_helpers import datasets_by_z

from lesionbench.ingest import (
    DicomFileError,
    DicomSeriesError,
    IngestSettings,
    dicom_to_image,
)


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
    assert info["size"] == [64, 64, 10] and info["source"]["n_slices"] == 10
    assert info["orientation"] == "LPS" and info["modality"] == "CT" and info["dtype"] == "float32"
    assert info["spacing"] == [3.6, 3.6, 5.0]
    assert info["warnings"] == [] and info["other_series"] == []
    assert info["geometry"] == {"gantry_tilt_deg": 0.0, "tilt_corrected": False, "resampled": False,
                                "missing_slices": 0, "input_slice_positions_mm": [5.0 * k for k in range(10)],
                                "padding_voxels": 0}
    assert info["source"]["manufacturer"] == "lesionbench" and info["source"]["series_number"] == 1
    assert info["source"]["transfer_syntax"] == "Explicit VR Little Endian"


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


def test_int16_output_is_rounded_hu(phantom_case):
    root, case = phantom_case
    image, info = dicom_to_image(root / "dicom" / case.truth.case_id, IngestSettings(output_dtype="int16"))
    assert image.GetPixelID() == sitk.sitkInt16 and info["dtype"] == "int16"
    assert np.array_equal(sitk.GetArrayFromImage(image), np.rint(case.hu).astype(np.int16))


def test_rescale_slope_and_intercept_per_slice(series_copy, phantom_case, rewrite):
    _, case = phantom_case

    def halve(k, ds):  # slice 3 stores (HU + 2048) / 2 with slope 2, intercept -2048
        if k == 3:
            stored = ds.pixel_array.astype(np.int32) - 1024  # HU
            ds.PixelData = ((stored + 2048) // 2).astype("<i2").tobytes()
            ds.RescaleSlope, ds.RescaleIntercept = 2, -2048

    rewrite(series_copy, halve)
    array = sitk.GetArrayFromImage(dicom_to_image(series_copy)[0])
    expected = 2.0 * np.floor((np.rint(case.hu[3]) + 2048) / 2) - 2048
    assert np.array_equal(array[3], expected.astype(np.float32))
    assert np.abs(array[4] - case.hu[4]).max() <= 0.5


def test_pixel_padding_value_becomes_air(series_copy, rewrite):
    def pad(k, ds):  # the corner outside a "field of view" stores -2000 (HU -3024)
        pixels = ds.pixel_array.copy()
        pixels[:5, :7] = -2000
        ds.PixelData = pixels.astype("<i2").tobytes()
        ds.add_new("PixelPaddingValue", "SS", -2000)  # SS: PixelRepresentation is 1

    rewrite(series_copy, pad)
    image, info = dicom_to_image(series_copy)
    array = sitk.GetArrayFromImage(image)
    assert np.all(array[:, :5, :7] == -1024.0) and array.min() >= -1024.0
    assert info["geometry"]["padding_voxels"] == 10 * 35
    assert "350 padding pixel(s) (PixelPaddingValue) set to -1024 HU" in info["warnings"]
    kept = sitk.GetArrayFromImage(dicom_to_image(series_copy, IngestSettings(padding_hu=None))[0])
    assert np.all(kept[:, :5, :7] == -3024.0)
    custom = sitk.GetArrayFromImage(dicom_to_image(series_copy, IngestSettings(padding_hu=-1000))[0])
    assert np.all(custom[:, :5, :7] == -1000.0)


def test_pixel_padding_range_limit(series_copy, rewrite):
    def pad(k, ds):
        pixels = ds.pixel_array.copy()
        pixels[0, :4] = [-2000, -1990, -1980, -1979]
        ds.PixelData = pixels.astype("<i2").tobytes()
        ds.add_new("PixelPaddingValue", "SS", -1980)
        ds.add_new("PixelPaddingRangeLimit", "SS", -2000)

    rewrite(series_copy, pad)
    image, info = dicom_to_image(series_copy)
    assert sitk.GetArrayFromImage(image)[0, 0, :4].tolist() == [-1024.0, -1024.0, -1024.0, -1979.0 - 1024.0]
    assert info["geometry"]["padding_voxels"] == 30


@pytest.mark.parametrize("keep_bytes", [600, 4000])
def test_truncated_file_names_the_file(series_copy, keep_bytes):
    victim = sorted(series_copy.glob("*.dcm"))[3]
    victim.write_bytes(victim.read_bytes()[:keep_bytes])
    with pytest.raises(DicomFileError) as info:
        dicom_to_image(series_copy)
    assert str(victim) in str(info.value)
    assert "truncated" in str(info.value) or "cannot decode" in str(info.value)


def test_duplicate_position_with_another_instance_is_refused(series_copy):
    first = sorted(series_copy.glob("*.dcm"))[0]
    dataset = pydicom.dcmread(first)
    dataset.SOPInstanceUID = pydicom.uid.generate_uid(entropy_srcs=["dup"])
    dataset.save_as(series_copy / "dup.dcm")
    with pytest.raises(DicomSeriesError, match=r"duplicate slice position .* in (dup.dcm and IM|IM.* and dup.dcm) "
                                               r"\(1 duplicate pair\(s\)\); two acquisitions mixed"):
        dicom_to_image(series_copy)


def test_second_copy_of_one_instance_is_dropped(series_copy, phantom_case):
    _, case = phantom_case
    path, _ = datasets_by_z(series_copy)[4]
    (series_copy / "copy_of_slice.dcm").write_bytes(path.read_bytes())
    image, info = dicom_to_image(series_copy)
    assert image.GetSize() == (64, 64, 10)
    assert np.abs(sitk.GetArrayFromImage(image) - case.hu).max() <= 0.5
    assert any(w.startswith("ignored 1 duplicate file(s) of the same instance: ") for w in info["warnings"])


def test_inconsistent_pixel_spacing(series_copy):
    path = sorted(series_copy.glob("*.dcm"))[2]
    dataset = pydicom.dcmread(path)
    dataset.PixelSpacing = [1.0, 1.0]
    dataset.save_as(path)
    with pytest.raises(DicomSeriesError, match=r"PixelSpacing is \[3.6, 3.6\] in IM0000.dcm but \[1, 1\] in IM0002"):
        dicom_to_image(series_copy)


def test_positions_off_one_line_are_refused(series_copy, rewrite):
    def zigzag(k, ds):
        x, y, z = (float(v) for v in ds.ImagePositionPatient)
        ds.ImagePositionPatient = [x, y + (2.0 if k % 2 else 0.0), z]

    rewrite(series_copy, zigzag)
    with pytest.raises(DicomSeriesError, match=r"do not lie on one straight line \(in-plane offsets up to 2.00 mm"):
        dicom_to_image(series_copy)


def test_empty_and_missing_folders(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such DICOM folder"):
        dicom_to_image(tmp_path / "absent")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(DicomSeriesError, match=r"no DICOM image found among 1 file\(s\) \(ignored 1 file"):
        dicom_to_image(tmp_path)


def test_single_slice_takes_its_thickness_as_spacing(series_copy, phantom_case):
    _, case = phantom_case
    keep = datasets_by_z(series_copy)[6][0]
    for path in series_copy.glob("*.dcm"):
        if path != keep:
            path.unlink()
    image, info = dicom_to_image(series_copy)
    assert image.GetSize() == (64, 64, 1) and image.GetSpacing() == (3.6, 3.6, 5.0)
    assert image.GetOrigin()[2] == pytest.approx(case.grid.origin[2] + 30.0)
    assert np.abs(sitk.GetArrayFromImage(image)[0] - case.hu[6]).max() <= 0.5
    assert info["warnings"] == ["single-slice series: slice spacing set to 5 mm (SliceThickness)"]
