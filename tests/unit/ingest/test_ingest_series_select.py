"""Choosing one series among several: rules, ignored kinds of series, ambiguity."""

import json

import pydicom
import pytest
import SimpleITK as sitk
from ingest_helpers import datasets_by_z

from lesionbench.ingest import DicomSeriesError, IngestSettings, dicom_to_image


def _add_series(folder, number, count, edit=None, description="SECOND SERIES"):
    """Copy the first ``count`` slices (by z) as a new series ``number``; ``edit(k, ds)`` changes them."""
    uid = pydicom.uid.generate_uid(entropy_srcs=["series", str(number)])
    for k, (path, dataset) in enumerate(datasets_by_z(folder)[:count]):
        dataset.SeriesInstanceUID = uid
        dataset.SOPInstanceUID = pydicom.uid.generate_uid(entropy_srcs=["sop", str(number), path.name])
        dataset.file_meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
        dataset.SeriesNumber = number
        dataset.SeriesDescription = description
        if edit:
            edit(k, dataset)
        dataset.save_as(folder / f"S{number}_{path.name}")
    return uid


def test_largest_axial_series_is_read_and_the_others_listed(series_copy):
    _add_series(series_copy, 2, 3)

    def localizer(k, ds):
        ds.ImageType = ["ORIGINAL", "PRIMARY", "LOCALIZER"]

    def sagittal(k, ds):
        ds.ImageOrientationPatient = [0.0, 1.0, 0.0, 0.0, 0.0, -1.0]

    def capture(k, ds):
        ds.file_meta.MediaStorageSOPClassUID = pydicom.uid.SecondaryCaptureImageStorage
        ds.SOPClassUID = pydicom.uid.SecondaryCaptureImageStorage

    _add_series(series_copy, 3, 10, localizer)
    _add_series(series_copy, 4, 10, sagittal)
    _add_series(series_copy, 5, 10, capture)
    image, info = dicom_to_image(series_copy)
    assert image.GetSize() == (64, 64, 10) and info["source"]["series_number"] == 1
    others = {o["series_number"]: o for o in info["other_series"]}
    assert others[2] == {"series_number": 2, "modality": "CT", "n_images": 3, "plane": "axial",
                         "image_type": ["ORIGINAL", "PRIMARY", "AXIAL"],
                         "not_read_because": "smaller than the series read (3 < 10 images)"}
    assert others[3]["not_read_because"] == "localizer (scout)"
    assert others[4]["not_read_because"] == "sagittal, not axial" and others[4]["plane"] == "sagittal"
    assert others[5]["not_read_because"] == "secondary capture"
    assert "4 other series in the folder not read (see other_series)" in info["warnings"]
    assert "SECOND SERIES" not in json.dumps(info)  # SeriesDescription is in PS3.15 Table E.1-1


def test_two_axial_series_of_the_same_size_are_ambiguous(series_copy):
    _add_series(series_copy, 7, 10)
    with pytest.raises(DicomSeriesError) as info:
        dicom_to_image(series_copy)
    assert str(info.value) == (
        f"{series_copy}: 2 axial series of the same size (10 images): series 1 (CT, 10 image(s), axial), "
        "series 7 (CT, 10 image(s), axial); choose one with the ingest setting series: {'number': N}, "
        "{'description': REGEX} or {'uid': UID}")


@pytest.mark.parametrize("rule", [{"number": 7}, {"description": "^SECOND"}, "uid"])
def test_rules_pick_the_named_series(series_copy, rule):
    uid = _add_series(series_copy, 7, 10, lambda k, ds: setattr(ds, "RescaleIntercept", -1000))
    settings = IngestSettings.from_dict({"series": {"uid": uid} if rule == "uid" else rule})
    image, info = dicom_to_image(series_copy, settings)
    first, _ = dicom_to_image(series_copy, IngestSettings.from_dict({"series": {"number": 1}}))
    assert info["source"]["series_number"] == 7
    assert (sitk.GetArrayFromImage(image) - sitk.GetArrayFromImage(first)).max() == pytest.approx(24.0)
    assert info["other_series"][0]["not_read_because"] == f"not selected by the series rule {next(iter(settings.series))!r}"


def test_a_rule_matching_nothing_names_the_candidates(series_copy):
    with pytest.raises(DicomSeriesError, match=r"no series with the SeriesNumber given in the series rule "
                                               r"\(candidates: series 1 \(CT, 10 image\(s\), axial\)\)"):
        dicom_to_image(series_copy, IngestSettings.from_dict({"series": {"number": 9}}))


def test_only_localizers_is_an_error(series_copy, rewrite):
    rewrite(series_copy, lambda k, ds: setattr(ds, "ImageType", ["ORIGINAL", "PRIMARY", "LOCALIZER"]))
    with pytest.raises(DicomSeriesError, match=r"no axial image series to read \(series 1 \(CT, 10 image\(s\), "
                                               r"axial\): localizer \(scout\)\)"):
        dicom_to_image(series_copy)
