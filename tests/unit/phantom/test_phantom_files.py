"""The written case: DICOM series, masks on the series grid, truth JSON, sample sheet, CLI."""

import csv
import json

import numpy as np
import pydicom
import pytest
import SimpleITK as sitk
from pydicom.uid import UID

from lesionbench.cli import main
from lesionbench.ingest import dicom_to_image
from lesionbench.io import read_mask, same_grid
from lesionbench.phantom import (
    FAKE_IDENTIFIERS, SAMPLE_SHEET_COLUMNS, fake_identifiers, generate_case, render_case, write_sample_sheet,
)


def _series(root, case_id):
    return [pydicom.dcmread(p) for p in sorted((root / "dicom" / case_id).glob("IM*.dcm"))]


def test_dicom_headers(written_case, small_settings):
    root, truth = written_case
    datasets = _series(root, truth.case_id)
    assert len(datasets) == small_settings.slices
    first = datasets[0]
    assert first.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1"  # explicit VR little endian
    assert first.SOPClassUID == "1.2.840.10008.5.1.4.1.1.2"  # CT Image Storage
    assert (first.Rows, first.Columns) == (64, 64)
    assert (first.BitsAllocated, first.BitsStored, first.HighBit, first.PixelRepresentation) == (16, 16, 15, 1)
    assert (float(first.RescaleSlope), float(first.RescaleIntercept)) == (1.0, -1024.0)
    assert list(first.ImageOrientationPatient) == [1, 0, 0, 0, 1, 0]
    assert [float(v) for v in first.PixelSpacing] == [3.6, 3.6]
    assert float(first.SliceThickness) == 5.0 == float(first.SpacingBetweenSlices)
    assert first.PhotometricInterpretation == "MONOCHROME2" and first.Modality == "CT"
    assert (float(first.WindowCenter), float(first.WindowWidth)) == (40.0, 80.0)
    for keyword, value in fake_identifiers(1).items():
        assert str(first.data_element(keyword).value) == value
    assert first.PatientID == "FAKE-ID-ph001" and first.PatientID.startswith(FAKE_IDENTIFIERS["PatientID"])
    uids = {(d.StudyInstanceUID, d.SeriesInstanceUID, d.FrameOfReferenceUID) for d in datasets}
    assert len(uids) == 1 and all(UID(u).is_valid for u in next(iter(uids)))
    assert len({d.SOPInstanceUID for d in datasets}) == len(datasets)
    # shuffled_fraction 1.0: InstanceNumber follows the files, not the positions.
    z = [float(d.ImagePositionPatient[2]) for d in datasets]
    assert [int(d.InstanceNumber) for d in datasets] == list(range(1, len(datasets) + 1))
    assert z != sorted(z)
    assert np.allclose(np.diff(sorted(z)), 5.0)


def test_pixels_and_uids_are_deterministic(written_case, small_settings, tmp_path):
    root, truth = written_case
    again = generate_case(tmp_path, 1, small_settings)
    assert again == truth
    old, new = _series(root, truth.case_id), _series(tmp_path, truth.case_id)
    assert [d.PixelData for d in old] == [d.PixelData for d in new]
    assert [d.SOPInstanceUID for d in old] == [d.SOPInstanceUID for d in new]
    other_seed = type(small_settings).from_dict({**small_settings.to_dict(), "seed": 6})
    generate_case(tmp_path / "other", 1, other_seed)
    other = _series(tmp_path / "other", truth.case_id)
    assert {d.PixelData for d in old}.isdisjoint({d.PixelData for d in other})
    assert {d.StudyInstanceUID for d in old}.isdisjoint({d.StudyInstanceUID for d in other})


def test_stored_pixels_are_hu_plus_1024(written_case, small_settings):
    root, truth = written_case
    case = render_case(1, small_settings)
    for j, dataset in enumerate(_series(root, truth.case_id)):
        stored = np.frombuffer(dataset.PixelData, "<i2").reshape(64, 64)
        assert np.array_equal(stored, np.rint(case.hu[case.file_order[j]]).astype(np.int16) + 1024)


def test_masks_are_on_the_grid_dicom_to_image_reads(written_case, small_settings):
    root, truth = written_case
    image, _ = dicom_to_image(root / "dicom" / truth.case_id)
    case = render_case(1, small_settings)
    for folder, expected in (("masks", case.lesion), ("brain", case.brain)):
        mask = sitk.ReadImage(str(root / folder / f"{truth.case_id}.nii.gz"))
        assert mask.GetPixelID() == sitk.sitkUInt8
        assert same_grid(image, mask)
        assert np.array_equal(sitk.GetArrayFromImage(mask), expected)
    assert read_mask(root / "masks" / f"{truth.case_id}.nii.gz").GetSize() == (64, 64, 10)


def test_truth_json(written_case):
    root, truth = written_case
    record = json.loads((root / "cases" / f"{truth.case_id}.json").read_text())
    assert {k: record[k] for k in truth.to_dict()} == truth.to_dict()
    assert set(record) == set(truth.to_dict()) | {"provenance"}
    assert record["provenance"]["seed"] == 5 and record["provenance"]["case_index"] == 1


def test_sample_sheet(tmp_path, written_case):
    root, truth = written_case
    out = tmp_path / "sheet" / "samples.tsv"
    write_sample_sheet([root / "cases" / f"{truth.case_id}.json"], out)
    rows = list(csv.DictReader(out.open(), delimiter="\t"))
    assert tuple(rows[0]) == SAMPLE_SHEET_COLUMNS and len(rows) == 1
    row = rows[0]
    assert (out.parent / row["dicom_dir"]).resolve() == (root / "dicom" / truth.case_id).resolve()
    assert (out.parent / row["mask"]).resolve() == (root / "masks" / f"{truth.case_id}.nii.gz").resolve()
    assert row["has_lesion"] == str(truth.has_lesion)
    assert float(row["lesion_volume_ml"]) == pytest.approx(truth.lesion_volume_ml, abs=1e-4)
    with pytest.raises(FileNotFoundError, match="ph009.json"):
        write_sample_sheet([root / "cases" / "ph009.json"], out)


def test_cli_writes_a_dataset_and_one_case(tmp_path, capsys):
    out = tmp_path / "ds"
    assert main(["phantom", str(out), "--cases", "2", "--seed", "3", "--matrix", "64", "--slices", "6"]) == 0
    rows = list(csv.DictReader((out / "samples.tsv").open(), delimiter="\t"))
    assert [r["case_id"] for r in rows] == ["ph000", "ph001"]
    assert rows[0]["dicom_dir"] == "dicom/ph000" and rows[1]["brain_mask"] == "brain/ph001.nii.gz"
    assert len(list((out / "dicom" / "ph001").glob("*.dcm"))) == 6
    single = tmp_path / "one"
    assert main(["phantom", str(single), "--cases", "2", "--seed", "3", "--matrix", "64", "--slices", "6",
                 "--case-index", "1"]) == 0
    assert sorted(p.name for p in single.iterdir()) == ["brain", "cases", "dicom", "masks"]
    assert json.loads((single / "cases" / "ph001.json").read_text())["case_id"] == "ph001"
    assert (single / "masks" / "ph001.nii.gz").read_bytes() == (out / "masks" / "ph001.nii.gz").read_bytes()
    assert main(["phantom", str(single), "--cases", "2", "--seed", "3", "--matrix", "8"]) == 2
    assert "phantom.matrix: must be >= 32 (got 8)" in capsys.readouterr().err
