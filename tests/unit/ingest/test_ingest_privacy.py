"""Privacy: no attribute of the DICOM basic de-identification profile (PS3.15 Table E.1-1)
reaches any output of ingest (NIfTI headers, JSON, logs, error messages, the brain-mask QC)."""

import gzip
import json
import logging

import pydicom
import pytest
from ingest_helpers import datasets_by_z
from pydicom.datadict import dictionary_VR, keyword_dict
from pydicom.dataset import Dataset

from lesionbench.brainmask import brain_mask_file
from lesionbench.cli import main
from lesionbench.ingest import (
    DicomSeriesError,
    IngestSettings,
    convert_series,
    dicom_to_image,
)
from lesionbench.ingest.deid import (
    ALLOWED_ATTRIBUTES,
    BASIC_PROFILE,
    BASIC_PROFILE_REPEATING,
    basic_profile_tags,
)
from tests.dicom_markers import identifying_markers

_INSTANCE_UIDS = ("SOPInstanceUID", "MediaStorageSOPInstanceUID")


def _searchable(values: dict[str, object]) -> list[bytes]:
    found = []
    for value in values.values():
        if isinstance(value, bytes):
            found.append(value[:11])
        elif not isinstance(value, int):
            found.append(str(value).encode())
    return found


def _carry_every_attribute(folder, values, monkeypatch):
    """Rewrite the series so that every slice carries every basic-profile attribute.

    Command-set elements (group 0000: Affected / Requested SOP Instance UID) cannot be stored
    in a Part 10 file, so no input of ingest holds them; every other attribute is written.
    """
    monkeypatch.setattr(pydicom.config.settings, "writing_validation_mode", pydicom.config.IGNORE)
    tags = basic_profile_tags()
    for k, (path, ds) in enumerate(datasets_by_z(folder)):
        for name, value in values.items():
            tag, vr = tags[name], dictionary_VR(tags[name]).split(" ")[0]
            if tag >> 16 == 0:
                continue
            if name in _INSTANCE_UIDS:
                value = f"{value}.{k + 1}"
            if name == "MediaStorageSOPInstanceUID":
                ds.file_meta.MediaStorageSOPInstanceUID = value
                continue
            if vr == "SQ":
                item = Dataset()
                item.CodeMeaning = value
                item.TextValue = value
                ds.add_new(tag, "SQ", [item])
            else:
                ds.add_new(tag, "OB" if vr in ("OB", "OW") else vr, value)
        assert ds.SeriesInstanceUID == values["SeriesInstanceUID"]
        ds.save_as(path)


def test_profile_list_is_valid_and_disjoint_from_the_allow_list():
    assert len(BASIC_PROFILE) == len(set(BASIC_PROFILE)) == 248 and len(basic_profile_tags()) == 251
    assert all(keyword in keyword_dict for keyword in BASIC_PROFILE)
    assert {"PatientName", "PatientID", "PatientBirthDate", "AccessionNumber", "InstitutionName",
            "ReferringPhysicianName", "SeriesDescription", "StudyInstanceUID"} <= set(BASIC_PROFILE)
    assert set(BASIC_PROFILE_REPEATING) == {"OverlayData", "OverlayComments", "CurveData"}
    assert not set(ALLOWED_ATTRIBUTES) & set(basic_profile_tags())


def test_no_basic_profile_value_reaches_any_output(series_copy, phantom_case, tmp_path, monkeypatch, capsys,
                                                   caplog):
    root, case = phantom_case
    values = identifying_markers()
    _carry_every_attribute(series_copy, values, monkeypatch)
    ds = pydicom.dcmread(next(series_copy.glob("*.dcm")))
    assert str(ds.PatientName) == values["PatientName"] and ds[0x60003000].value.startswith(b"ZQXBYTES")
    out = tmp_path / "out"
    caplog.set_level(logging.DEBUG)
    convert_series(series_copy, out / "series.nii.gz", out / "series.json")
    mask = root / "masks" / f"{case.truth.case_id}.nii.gz"
    labels = root / "cases" / f"{case.truth.case_id}.json"
    assert main(["-v", "ingest", "--case-id", "case01", "--dicom", str(series_copy), "--mask", str(mask),
                 "--labels-json", str(labels), "--image", str(out / "image.nii.gz"), "--mask-out",
                 str(out / "mask.nii.gz"), "--meta", str(out / "meta.json"), "--settings", '{"output_dtype": "int16"}']
                ) == 2  # the labels JSON names ph000, not case01: an error message to check as well
    assert main(["-v", "ingest", "--case-id", case.truth.case_id, "--dicom", str(series_copy), "--mask", str(mask),
                 "--image", str(out / "image.nii.gz"), "--mask-out", str(out / "mask.nii.gz"), "--meta",
                 str(out / "meta.json")]) == 0
    brain_mask_file(out / "image.nii.gz", out / "brain.nii.gz", qc_path=out / "brain_qc.png", title="case01")
    with pytest.raises(DicomSeriesError) as refused:
        dicom_to_image(series_copy, IngestSettings.from_dict({"series": {"number": 99}}))
    outputs = {path.name: path.read_bytes() for path in out.iterdir()}
    assert set(outputs) == {"series.nii.gz", "series.json", "image.nii.gz", "mask.nii.gz", "meta.json",
                            "brain.nii.gz", "brain_qc.png"}
    texts = {name: gzip.decompress(data) if name.endswith(".gz") else data for name, data in outputs.items()}
    captured = capsys.readouterr()
    texts["stdout+stderr"] = (captured.out + captured.err).encode()
    texts["log"] = caplog.text.encode()
    texts["error"] = str(refused.value).encode()
    assert b"labels are for case" in texts["stdout+stderr"]
    markers = _searchable(values)
    assert len(markers) == 250  # all but PregnancyStatus (US): a number is not searchable
    for name, data in texts.items():
        leaked = [m.decode() for m in markers if m in data]
        assert not leaked, f"{name} contains {leaked[:5]}"
    meta = json.loads(texts["meta.json"])
    assert set(meta["source"]) == {"kind", *ALLOWED_ATTRIBUTES.values(), "n_slices", "transfer_syntax", "decoder",
                                   "geometry", "other_series", "mask_voxels"}
