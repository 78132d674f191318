"""Tilted and unevenly spaced stacks: corrected onto a regular grid, or refused as configured."""

import numpy as np
import pytest
import SimpleITK as sitk

from lesionbench.ingest import DicomSeriesError, IngestSettings, dicom_to_image
from lesionbench.ingest.regrid import shift_linear


def _tilt(rewrite, folder, mm_per_slice):
    def shear(k, ds):
        x, y, z = (float(v) for v in ds.ImagePositionPatient)
        ds.ImagePositionPatient = [x, round(y + mm_per_slice * k, 4), z]
        ds.GantryDetectorTilt = 12.0

    rewrite(folder, shear)


def _world(image, index_xyz):
    return np.array(image.TransformContinuousIndexToPhysicalPoint([float(v) for v in index_xyz]))


def test_whole_pixel_tilt_is_an_exact_shear(series_copy, phantom_case, rewrite):
    _, case = phantom_case
    _tilt(rewrite, series_copy, 3.6)  # one pixel (3.6 mm) sideways per 5 mm slice: 35.75 deg
    image, info = dicom_to_image(series_copy)
    array = sitk.GetArrayFromImage(image)
    assert image.GetSize() == (64, 64 + 9, 10)
    assert image.GetOrigin() == case.grid.origin and image.GetSpacing() == (3.6, 3.6, 5.0)
    expected = np.full((10, 73, 64), -1024.0, dtype=np.float32)
    for k in range(10):
        expected[k, k:k + 64] = np.rint(case.hu[k])
    assert np.array_equal(array, expected)
    assert info["geometry"]["gantry_tilt_deg"] == pytest.approx(np.degrees(np.arctan(3.6 / 5.0)), abs=1e-3)
    assert info["geometry"]["tilt_corrected"] and not info["geometry"]["resampled"]
    assert info["warnings"][0].startswith("gantry tilt 35.75 deg (GantryDetectorTilt 12.0) corrected onto")
    # the voxel holding slice 9's first pixel is where that pixel was scanned
    assert np.allclose(_world(image, (0, 9, 9)), np.array(case.grid.origin) + [0.0, 9 * 3.6, 45.0])


def test_fractional_tilt_matches_linear_interpolation(series_copy, phantom_case, rewrite):
    _, case = phantom_case
    _tilt(rewrite, series_copy, 0.5)  # 0.139 pixel per slice: 5.71 deg
    image, info = dicom_to_image(series_copy)
    array = sitk.GetArrayFromImage(image)
    # 9 x 0.5 mm = 1.25 pixels of drift: 2 rows added
    assert image.GetSize() == (64, 66, 10) and info["geometry"]["gantry_tilt_deg"] == pytest.approx(5.711, abs=1e-3)
    rows = np.arange(66, dtype=float)
    for k in (0, 4, 9):
        shift = k * 0.5 / 3.6
        for x in (10, 33):  # np.interp along the column: value at row y is the input at y - shift
            source = rows - shift
            reference = np.interp(source, np.arange(64), np.rint(case.hu[k][:, x]))
            inside = (source > -1) & (source <= 63)
            reference[source < 0] = np.rint(case.hu[k][0, x])
            assert np.allclose(array[k, inside, x], reference[inside], atol=1e-3)
            assert np.all(array[k, ~inside, x] == -1024.0)


def test_tilt_refused_when_configured(series_copy, rewrite):
    _tilt(rewrite, series_copy, 0.5)
    with pytest.raises(DicomSeriesError) as info:
        dicom_to_image(series_copy, IngestSettings(gantry_tilt="refuse"))
    assert str(info.value).startswith(f"{series_copy}: cannot stack the series into a regular volume: gantry tilt: "
                                      "the slices stack at 5.71 deg from the slice normal (positions drift 4.50 mm "
                                      "sideways; GantryDetectorTilt 12.0); setting gantry_tilt is 'refuse'")


def _uneven(rewrite, folder):
    """Slices at 0, 5, ..., 20 mm then 7 mm apart: 27, 34, ..., 55 mm (like the GE series)."""
    positions = [0.0, 5.0, 10.0, 15.0, 20.0, 27.0, 34.0, 41.0, 48.0, 55.0]

    def move(k, ds):
        x, y, z = (float(v) for v in ds.ImagePositionPatient)
        ds.ImagePositionPatient = [x, y, z - 5.0 * k + positions[k]]

    rewrite(folder, move)
    return np.array(positions)


def test_uneven_spacing_is_resampled_like_dcm2niix(series_copy, phantom_case, rewrite):
    _, case = phantom_case
    positions = _uneven(rewrite, series_copy)
    image, info = dicom_to_image(series_copy)
    array = sitk.GetArrayFromImage(image)
    # dcm2niix's rule: smallest step 5 mm over 55 mm -> 12 slices 5 mm apart (under 2 x 10)
    assert image.GetSize() == (64, 64, 12) and image.GetSpacing() == (3.6, 3.6, 5.0)
    assert image.GetOrigin() == case.grid.origin
    hu = np.rint(case.hu).astype(np.float64)
    for y, x in ((20, 20), (32, 40), (50, 12)):
        expected = np.interp(np.arange(12) * 5.0, positions, hu[:, y, x])
        assert np.allclose(array[:, y, x], expected, atol=1e-3)
    assert info["geometry"]["resampled"] and info["geometry"]["input_slice_positions_mm"] == positions.tolist()
    assert ("uneven slice spacing (steps from 5.000 to 7.000 mm (median 7.000 mm); 10 slices) resampled onto "
            "12 slices 5.0000 mm apart (linear interpolation)") in info["warnings"]


def test_uneven_spacing_at_a_configured_spacing(series_copy, rewrite):
    _uneven(rewrite, series_copy)
    image, _ = dicom_to_image(series_copy, IngestSettings(resample_spacing_mm=2.0))
    assert image.GetSize()[2] == 28 and image.GetSpacing()[2] == 2.0  # 0, 2, ..., 54 mm


def test_uneven_spacing_refused_when_configured(series_copy, rewrite):
    _uneven(rewrite, series_copy)
    with pytest.raises(DicomSeriesError) as info:
        dicom_to_image(series_copy, IngestSettings(uneven_spacing="refuse"))
    assert str(info.value) == (f"{series_copy}: cannot stack the series into a regular volume: uneven slice spacing: "
                               "steps from 5.000 to 7.000 mm (median 7.000 mm), 4 of 9 steps off by more than 0.05 "
                               "mm; setting uneven_spacing is 'refuse'")


def test_missing_slice_is_refused_by_default(series_copy, phantom_case, rewrite):
    from ingest_helpers import datasets_by_z

    ordered = datasets_by_z(series_copy)
    ordered[4][0].unlink()
    with pytest.raises(DicomSeriesError) as info:
        dicom_to_image(series_copy)
    assert str(info.value) == (
        f"{series_copy}: cannot stack the series into a regular volume: missing slices: 1 gap(s) of a whole "
        f"multiple of the 5.000 mm step: 10.000 mm between {ordered[3][0].name} and {ordered[5][0].name} "
        "(1 slice(s) missing); setting missing_slices is 'refuse'")


def test_missing_slice_interpolated_when_configured(series_copy, phantom_case):
    from ingest_helpers import datasets_by_z

    _, case = phantom_case
    datasets_by_z(series_copy)[4][0].unlink()
    image, info = dicom_to_image(series_copy, IngestSettings(missing_slices="resample"))
    array = sitk.GetArrayFromImage(image)
    hu = np.rint(case.hu)
    assert image.GetSize() == (64, 64, 10) and info["geometry"]["missing_slices"] == 1
    assert np.allclose(array[4], 0.5 * (hu[3] + hu[5]), atol=1e-3)
    assert np.array_equal(array[[0, 1, 2, 3, 5, 6, 7, 8, 9]], hu[[0, 1, 2, 3, 5, 6, 7, 8, 9]])
    assert any(w.startswith("missing slices (steps from 5.000 to 10.000 mm") for w in info["warnings"])


@pytest.mark.parametrize(("shift", "expected"), [
    (0.0, [1, 2, 3, 4]),
    (1.0, [-9, 1, 2, 3]),
    (0.25, [1, 1.75, 2.75, 3.75]),  # position -0.25 takes the first sample
    (-0.5, [1.5, 2.5, 3.5, -9]),    # position 3.5 is beyond the last sample
    (2.5, [-9, -9, 1, 1.5]),
])
def test_shift_linear_edges(shift, expected):
    row = np.array([[1.0, 2.0, 3.0, 4.0]], dtype=np.float32)
    out = shift_linear(row, shift, 4, 1, -9.0)
    assert np.allclose(out[0], expected)
    assert np.allclose(shift_linear(row.T, shift, 4, 0, -9.0)[:, 0], expected)
