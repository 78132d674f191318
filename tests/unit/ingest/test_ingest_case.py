"""ingest_case, read_labels, pseudonymise and the dicom2nifti / ingest commands."""

import gzip
import hashlib
import hmac
import json

import numpy as np
import pytest
import SimpleITK as sitk

from lesionbench.cli import main
from lesionbench.ingest import (
    LABEL_FIELDS,
    dicom_case_id,
    ingest_case,
    pseudonymise,
    read_labels,
)
from lesionbench.io import ImageFileError
from lesionbench.phantom import FAKE_IDENTIFIERS, fake_identifiers


def _paths(root, case_id):
    return (root / "dicom" / case_id, root / "masks" / f"{case_id}.nii.gz", root / "cases" / f"{case_id}.json")


def _assert_no_identifiers(data: bytes):
    for value in [*FAKE_IDENTIFIERS.values(), *fake_identifiers(0).values()]:
        assert value.encode() not in data, value


def test_pseudonym_is_hmac_sha256():
    # RFC 4231, test case 2: key "Jefe".
    assert pseudonymise("what do ya want for nothing?", "Jefe") == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    assert pseudonymise("ph000", "") == hmac.new(b"", b"ph000", hashlib.sha256).hexdigest()
    assert pseudonymise("ph000", "a") != pseudonymise("ph000", "b")
    with pytest.raises(ValueError, match="case id is empty"):
        pseudonymise("", "salt")


def test_ingest_case_outputs(phantom_case, tmp_path):
    root, case = phantom_case
    cid = case.truth.case_id
    dicom, mask, labels_json = _paths(root, cid)
    out = tmp_path / "out"
    meta = ingest_case(cid, dicom, mask, out / "images" / f"{cid}.nii.gz", out / "masks" / f"{cid}.nii.gz",
                       out / "meta" / f"{cid}.json", labels=read_labels(labels_json, cid), salt="s3cret")
    image = sitk.ReadImage(str(out / "images" / f"{cid}.nii.gz"))
    written_mask = sitk.ReadImage(str(out / "masks" / f"{cid}.nii.gz"))
    assert image.GetPixelID() == sitk.sitkFloat32 and written_mask.GetPixelID() == sitk.sitkUInt8
    assert np.abs(sitk.GetArrayFromImage(image) - case.hu).max() <= 0.5
    assert np.array_equal(sitk.GetArrayFromImage(written_mask), case.lesion)
    assert written_mask.GetOrigin() == image.GetOrigin() and written_mask.GetSpacing() == image.GetSpacing()
    on_disk = json.loads((out / "meta" / f"{cid}.json").read_text())
    assert on_disk == json.loads(json.dumps(meta))
    assert set(on_disk) == {"case_id", "pseudonym", "source", "size", "spacing", "origin", "direction",
                            "orientation", "modality", "warnings", "labels", "provenance"}
    assert on_disk["pseudonym"] == pseudonymise(cid, "s3cret")
    assert on_disk["size"] == [64, 64, 10] and on_disk["spacing"] == [3.6, 3.6, 5.0]
    assert on_disk["origin"] == list(case.grid.origin) and on_disk["orientation"] == "LPS"
    assert on_disk["labels"] == {k: case.truth.to_dict()[k] for k in LABEL_FIELDS}
    assert on_disk["source"]["mask_voxels"] == int(case.lesion.sum())
    # No identifying value anywhere: meta JSON, NIfTI headers and data.
    _assert_no_identifiers((out / "meta" / f"{cid}.json").read_bytes())
    for name in ("images", "masks"):
        _assert_no_identifiers(gzip.decompress((out / name / f"{cid}.nii.gz").read_bytes()))
    assert b"s3cret" not in (out / "meta" / f"{cid}.json").read_bytes()


def test_mask_on_another_grid_is_refused_and_nothing_is_written(phantom_case, tmp_path):
    root, case = phantom_case
    cid = case.truth.case_id
    dicom, mask, _ = _paths(root, cid)
    shifted = sitk.ReadImage(str(mask))
    shifted.SetSpacing((3.6, 3.6, 2.5))
    bad = tmp_path / "bad_mask.nii.gz"
    sitk.WriteImage(shifted, str(bad))
    out = tmp_path / "out"
    with pytest.raises(ImageFileError) as info:
        ingest_case(cid, dicom, bad, out / "i.nii.gz", out / "m.nii.gz", out / "meta.json")
    assert str(bad) in str(info.value) and str(dicom) in str(info.value)
    assert "spacing [3.6, 3.6, 2.5] vs [3.6, 3.6, 5.0]" in str(info.value)
    assert not out.exists()
    with pytest.raises(FileNotFoundError, match="reference mask not found"):
        ingest_case(cid, dicom, tmp_path / "none.nii.gz", out / "i.nii.gz", out / "m.nii.gz", out / "meta.json")


def test_read_labels_checks_the_file(tmp_path):
    path = tmp_path / "labels.json"
    path.write_text(json.dumps({"case_id": "ph004", "has_lesion": True, "lesion_class": "avm", "colour": "red"}))
    assert read_labels(path, "ph004") == {"has_lesion": True, "lesion_class": "avm"}
    with pytest.raises(ValueError, match="labels are for case 'ph004', not 'ph005'"):
        read_labels(path, "ph005")
    path.write_text("[1, 2]")
    with pytest.raises(ValueError, match="must be an object"):
        read_labels(path)
    path.write_text("{broken")
    with pytest.raises(ValueError, match="not valid JSON"):
        read_labels(path)


def test_cli_dicom2nifti_and_ingest(phantom_case, tmp_path, capsys):
    root, case = phantom_case
    cid = case.truth.case_id
    dicom, mask, labels_json = _paths(root, cid)
    assert main(["dicom2nifti", str(dicom), str(tmp_path / "x.nii.gz"), "--meta", str(tmp_path / "x.json")]) == 0
    info = json.loads((tmp_path / "x.json").read_text())
    assert info["size"] == [64, 64, 10] and "provenance" in info
    _assert_no_identifiers((tmp_path / "x.json").read_bytes())
    args = ["ingest", "--case-id", cid, "--dicom", str(dicom), "--mask", str(mask), "--labels-json",
            str(labels_json), "--image", str(tmp_path / "i.nii.gz"), "--mask-out", str(tmp_path / "m.nii.gz"),
            "--meta", str(tmp_path / "meta.json"), "--salt", "pepper"]
    assert main(args) == 0
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert meta["pseudonym"] == pseudonymise(cid, "pepper")
    assert meta["labels"]["lesion_class"] == case.truth.lesion_class
    args[args.index("--case-id") + 1] = "ph001"
    assert main(args) == 2
    assert f"{labels_json}: labels are for case '{cid}', not 'ph001'" in capsys.readouterr().err


def test_ingest_settings_reach_the_outputs(phantom_case, tmp_path):
    root, case = phantom_case
    cid = case.truth.case_id
    dicom, mask, _ = _paths(root, cid)
    args = ["ingest", "--case-id", cid, "--dicom", str(dicom), "--mask", str(mask), "--image",
            str(tmp_path / "i.nii.gz"), "--mask-out", str(tmp_path / "m.nii.gz"), "--meta", str(tmp_path / "meta.json"),
            "--settings", '{"output_dtype": "int16"}']
    assert main(args) == 0
    image = sitk.ReadImage(str(tmp_path / "i.nii.gz"))
    assert image.GetPixelID() == sitk.sitkInt16
    assert np.array_equal(sitk.GetArrayFromImage(image), np.rint(case.hu).astype(np.int16))
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert meta["source"]["kind"] == "dicom" and meta["source"]["n_slices"] == 10
    assert meta["source"]["geometry"]["tilt_corrected"] is False and meta["source"]["other_series"] == []
    float_meta = ingest_case(cid, dicom, mask, tmp_path / "f.nii.gz", tmp_path / "fm.nii.gz", tmp_path / "f.json")
    assert float_meta["provenance"]["settings_hash"] != meta["provenance"]["settings_hash"]
    assert main(["dicom2nifti", str(dicom), str(tmp_path / "d.nii.gz"), "--settings", '{"gantry_tilt": "maybe"}']) == 2
    assert not (tmp_path / "d.nii.gz").exists()


def test_dicom_case_id_is_a_salted_pseudonym_of_the_study(phantom_case):
    import pydicom

    root, case = phantom_case
    folder = root / "dicom" / case.truth.case_id
    first = pydicom.dcmread(next(folder.glob("*.dcm")), stop_before_pixels=True)
    expected = "c" + pseudonymise(f"{first.PatientID}\\{first.StudyInstanceUID}", "salt")[:12]
    assert dicom_case_id(folder, "salt") == expected
    assert dicom_case_id(folder, "other") != expected and len(expected) == 13
    assert str(first.PatientID) not in expected
