"""Bad DICOM input: one clear error naming the file and the problem, and nothing written."""

import numpy as np
import pydicom
import pytest
from ingest_helpers import datasets_by_z

from lesionbench.cli import main
from lesionbench.ingest import (
    DicomFileError,
    DicomSeriesError,
    convert_series,
    ingest_case,
)


def _truncated(folder):
    victim = datasets_by_z(folder)[5][0]
    victim.write_bytes(victim.read_bytes()[:5000])  # header complete, pixel data cut short
    return str(victim), "cannot decode pixel data"


def _two_series_of_one_size(folder):
    uid = pydicom.uid.generate_uid(entropy_srcs=["other series"])
    for path, ds in datasets_by_z(folder):
        ds.SeriesInstanceUID, ds.SeriesNumber = uid, 2
        ds.SOPInstanceUID = pydicom.uid.generate_uid(entropy_srcs=["other", path.name])
        ds.save_as(folder / f"second_{path.name}")
    return str(folder), "2 axial series of the same size (10 images): series 1"


def _missing_slice(folder):
    ordered = datasets_by_z(folder)
    ordered[6][0].unlink()
    return str(folder), (f"missing slices: 1 gap(s) of a whole multiple of the 5.000 mm step: 10.000 mm between "
                         f"{ordered[5][0].name} and {ordered[7][0].name}")


def _all_nan(folder):
    for path, ds in datasets_by_z(folder):
        del ds.PixelData
        ds.BitsAllocated, ds.BitsStored, ds.HighBit = 32, 32, 31
        del ds.PixelRepresentation
        ds.FloatPixelData = np.full((ds.Rows, ds.Columns), np.nan, dtype="<f4").tobytes()
        ds.save_as(path)
    return str(folder), "every voxel is NaN or infinite: no image to write"


CASES = {"truncated file": (_truncated, DicomFileError), "two series of one size": (_two_series_of_one_size,
         DicomSeriesError), "missing slice": (_missing_slice, DicomSeriesError), "all NaN": (_all_nan, DicomSeriesError)}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_series_one_error_and_no_output(series_copy, phantom_case, tmp_path, capsys, name):
    root, case = phantom_case
    spoil, error_type = CASES[name]
    where, problem = spoil(series_copy)
    out = tmp_path / "out"
    with pytest.raises(error_type) as info:
        convert_series(series_copy, out / "image.nii.gz", out / "image.json")
    assert str(info.value).startswith(where) and problem in str(info.value)
    mask = root / "masks" / f"{case.truth.case_id}.nii.gz"
    with pytest.raises(error_type):
        ingest_case(case.truth.case_id, series_copy, mask, out / "i.nii.gz", out / "m.nii.gz", out / "meta.json")
    code = main(["ingest", "--case-id", case.truth.case_id, "--dicom", str(series_copy), "--mask", str(mask),
                 "--image", str(out / "i.nii.gz"), "--mask-out", str(out / "m.nii.gz"), "--meta", str(out / "meta.json")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith(f"lesionbench ingest: error: {where}") and problem in err
    assert err.count("\n") == 1  # one line, no traceback
    assert not out.exists() or not any(out.iterdir())
