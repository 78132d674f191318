"""DICOM SEG of a predicted label: frames on the source instances, study references only, clear refusals."""

from __future__ import annotations

import shutil
from pathlib import Path

import highdicom as hd
import numpy as np
import pydicom
import pytest
import SimpleITK as sitk
from pydicom.datadict import dictionary_VR
from pydicom.dataset import Dataset
from pydicom.uid import SegmentationStorage

from lesionbench import __version__
from lesionbench.ingest import dicom_to_image
from lesionbench.ingest.deid import BASIC_PROFILE, basic_profile_tags
from lesionbench.io import same_grid
from lesionbench.io.dicom_seg import STUDY_ATTRIBUTES, DicomSegError, write_dicom_seg
from lesionbench.phantom import PhantomSettings, generate_case, render_case
from tests.dicom_markers import identifying_markers

#: Source attributes whose values the SEG may carry (the study and the referenced instances).
_COPIED = set(STUDY_ATTRIBUTES) | {"SeriesInstanceUID", "SOPInstanceUID", "FrameOfReferenceUID"}


@pytest.fixture(scope="module")
def phantom(tmp_path_factory):
    """``(series folder, rendered case, reference mask path)``: 64 x 64 x 8, files in shuffled order."""
    settings = PhantomSettings.from_dict({"cases": 1, "seed": 3, "matrix": 64, "slices": 8,
                                          "lesion_free_fraction": 0.0, "shuffled_fraction": 1.0})
    root = tmp_path_factory.mktemp("seg_phantom")
    truth = generate_case(root, 0, settings)
    case = render_case(0, settings)
    assert case.file_order != sorted(case.file_order)
    assert 0 < int(np.count_nonzero(case.lesion.any(axis=(1, 2)))) < 8  # some empty slices to omit
    return root / "dicom" / truth.case_id, case, root / "masks" / f"{truth.case_id}.nii.gz"


@pytest.fixture
def series(phantom, tmp_path) -> Path:
    """A writable copy of the phantom series."""
    target = tmp_path / "series"
    shutil.copytree(phantom[0], target)
    return target


def _by_z(folder: Path) -> list[tuple[Path, pydicom.Dataset]]:
    items = [(p, pydicom.dcmread(p)) for p in sorted(folder.glob("*.dcm"))]
    return sorted(items, key=lambda item: float(item[1].ImagePositionPatient[2]))


def _rewrite(folder: Path, edit) -> None:
    """Call ``edit(k, dataset)`` on every slice, ``k`` in z order, and save it back."""
    for k, (path, dataset) in enumerate(_by_z(folder)):
        edit(k, dataset)
        dataset.save_as(path)


def _frames(seg: pydicom.Dataset) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Referenced source SOPInstanceUID -> (frame ImagePositionPatient ``(3,)``, frame ``(rows, columns)``)."""
    pixels = seg.pixel_array.reshape(int(seg.NumberOfFrames), int(seg.Rows), int(seg.Columns))
    frames = {}
    for item, frame in zip(seg.PerFrameFunctionalGroupsSequence, pixels):
        uid = str(item.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID)
        position = np.array([float(v) for v in item.PlanePositionSequence[0].ImagePositionPatient])
        assert uid not in frames
        frames[uid] = (position, frame)
    return frames


def _position(ds: pydicom.Dataset) -> np.ndarray:
    return np.array([float(v) for v in ds.ImagePositionPatient])


def test_seg_frames_lie_on_the_shuffled_source_instances(phantom, tmp_path):
    folder, case, mask_path = phantom
    image, _ = dicom_to_image(folder)
    label = sitk.ReadImage(str(mask_path))  # the reference mask on the converter's grid (NIfTI round trip)
    assert same_grid(label, image)
    out = write_dicom_seg(label, folder, tmp_path / "out" / "seg.dcm")
    assert out == tmp_path / "out" / "seg.dcm" and [p.name for p in out.parent.iterdir()] == ["seg.dcm"]

    seg = pydicom.dcmread(out)
    assert seg.Modality == "SEG" and seg.SOPClassUID == SegmentationStorage and seg.SegmentationType == "BINARY"
    expected = sitk.GetArrayFromImage(label)
    non_empty = int(np.count_nonzero(expected.any(axis=(1, 2))))
    assert int(seg.NumberOfFrames) == non_empty == int(np.count_nonzero(case.lesion.any(axis=(1, 2))))
    segment = seg.SegmentSequence[0]
    assert (segment.SegmentNumber, segment.SegmentLabel, segment.SegmentAlgorithmType) == (1, "lesion", "AUTOMATIC")
    assert segment.SegmentedPropertyCategoryCodeSequence[0].CodeMeaning == "Morphologically Abnormal Structure"
    assert segment.SegmentedPropertyTypeCodeSequence[0].CodeMeaning == "Lesion"
    algorithm = segment.SegmentationAlgorithmIdentificationSequence[0]
    assert (algorithm.AlgorithmName, algorithm.AlgorithmVersion) == ("lesionbench", __version__)
    assert seg.SeriesDescription == "lesionbench segmentation"

    sources = {str(ds.SOPInstanceUID): ds for _, ds in _by_z(folder)}
    first = next(iter(sources.values()))
    assert seg.SeriesInstanceUID != first.SeriesInstanceUID and seg.SOPInstanceUID not in sources
    assert seg.StudyInstanceUID == first.StudyInstanceUID and seg.FrameOfReferenceUID == first.FrameOfReferenceUID
    (referenced,) = seg.ReferencedSeriesSequence
    assert referenced.SeriesInstanceUID == first.SeriesInstanceUID
    assert sorted(str(i.ReferencedSOPInstanceUID) for i in referenced.ReferencedInstanceSequence) == sorted(sources)

    # per source instance, in file order (shuffled against position and InstanceNumber)
    origin_z, dz = image.GetOrigin()[2], image.GetSpacing()[2]
    frames = _frames(seg)
    assert set(frames) <= set(sources)
    read_back = hd.seg.segread(out)
    paths = sorted(folder.glob("*.dcm"))
    uids = [str(pydicom.dcmread(p, stop_before_pixels=True).SOPInstanceUID) for p in paths]
    pixels = read_back.get_pixels_by_source_instance(uids, assert_missing_frames_are_empty=True)
    assert pixels.shape == (8, 64, 64, 1)
    for j, uid in enumerate(uids):
        k = round((float(sources[uid].ImagePositionPatient[2]) - origin_z) / dz)
        assert k == case.file_order[j]
        assert np.array_equal(pixels[j, :, :, 0], expected[k])
        if uid in frames:
            position, frame = frames[uid]
            assert np.allclose(position, _position(sources[uid])) and np.array_equal(frame, expected[k])
        else:
            assert not expected[k].any()


def _carry_every_attribute(folder: Path, values: dict[str, object], monkeypatch) -> None:
    """Every slice carries every basic-profile attribute (SOP instance UIDs get a per-slice suffix)."""
    monkeypatch.setattr(pydicom.config.settings, "writing_validation_mode", pydicom.config.IGNORE)
    tags = basic_profile_tags()

    def mark(k: int, ds: pydicom.Dataset) -> None:
        for name, value in values.items():
            tag, vr = tags[name], dictionary_VR(tags[name]).split(" ")[0]
            if tag >> 16 == 0:  # command-set elements cannot be in a file
                continue
            if name in ("SOPInstanceUID", "MediaStorageSOPInstanceUID"):
                value = f"{value}.{k + 1}"
            if name == "MediaStorageSOPInstanceUID":
                ds.file_meta.MediaStorageSOPInstanceUID = value
            elif vr == "SQ":
                item = Dataset()
                item.CodeMeaning = item.TextValue = value
                ds.add_new(tag, "SQ", [item])
            else:
                ds.add_new(tag, "OB" if vr in ("OB", "OW") else vr, value)

    _rewrite(folder, mark)


def _values(dataset: pydicom.Dataset) -> tuple[set[str], set[str]]:
    """``(keywords, values as strings)`` of every element at every depth, file meta included."""
    keywords, values = set(), set()
    elements = list(dataset.file_meta.iterall()) + list(dataset.iterall())
    for element in elements:
        keywords.add(element.keyword)
        if element.VR == "SQ" or isinstance(element.value, bytes):
            continue
        items = element.value if isinstance(element.value, pydicom.multival.MultiValue) else [element.value]
        values.update(str(v) for v in items)
    return keywords, values


def test_seg_copies_only_the_study_references_from_the_source(phantom, series, tmp_path, monkeypatch):
    _, _, mask_path = phantom
    markers = identifying_markers()
    markers["PatientSex"] = "F"  # highdicom accepts M, F and O only (the phantom writes O)
    _carry_every_attribute(series, markers, monkeypatch)
    source = _by_z(series)[0][1]
    assert str(source.InstitutionName) == markers["InstitutionName"] and "PatientAddress" in source
    out = write_dicom_seg(sitk.ReadImage(str(mask_path)), series, tmp_path / "seg.dcm")
    seg = pydicom.dcmread(out)
    keywords, values = _values(seg)

    def found(marker: object) -> bool:
        text = str(marker)
        return text in values or any(v.startswith(text + ".") for v in values)  # SOP UIDs carry ".k"

    unique = {name: m for name, m in markers.items() if list(markers.values()).count(m) == 1}
    carried = {name for name, marker in unique.items() if not isinstance(marker, (bytes, int)) and found(marker)}
    assert carried == _COPIED and seg.PatientSex == "F"
    for keyword in STUDY_ATTRIBUTES:
        assert str(seg[keyword].value) == str(source[keyword].value), keyword
    # no other marker anywhere in the file, at any depth or in any encoding of it
    data = out.read_bytes()
    searchable = {name: marker[:11] if isinstance(marker, bytes) else marker.encode()
                  for name, marker in markers.items() if str(marker).startswith(("ZQX", "b'ZQX"))}
    assert len(searchable) > 150
    leaked = [name for name, marker in searchable.items() if name not in _COPIED and marker in data]
    assert not leaked
    assert not keywords & {"InstitutionName", "InstitutionAddress", "InstitutionalDepartmentName", "OperatorsName",
                           "OtherPatientIDs", "OtherPatientIDsSequence", "PatientAddress", "StationName",
                           "PatientAge", "StudyDescription", "IssuerOfPatientID", "AcquisitionDateTime"}
    # the SEG's own attributes of the profile are new values, not the source's
    assert {"SeriesDescription", "ContentDate", "DeviceSerialNumber"} <= keywords & set(BASIC_PROFILE)
    assert seg.SeriesDescription == "lesionbench segmentation" and seg.DeviceSerialNumber == "none"


def _tilt(folder: Path) -> None:
    """Whole-pixel gantry tilt: slice ``k`` moves ``k`` rows (3.6 mm) towards +y."""

    def shear(k: int, ds: pydicom.Dataset) -> None:
        x, y, z = (float(v) for v in ds.ImagePositionPatient)
        ds.ImagePositionPatient = [x, round(y + 3.6 * k, 4), z]
        ds.GantryDetectorTilt = 35.75

    _rewrite(folder, shear)


def test_tilt_corrected_label_is_resampled_back_onto_the_source_planes(phantom, series, tmp_path):
    _, case, _ = phantom
    _tilt(series)
    image, info = dicom_to_image(series)
    assert info["geometry"]["tilt_corrected"] and image.GetSize() == (64, 64 + 7, 8)
    array = np.zeros((8, 71, 64), dtype=np.uint8)
    for k in range(8):
        array[k, k:k + 64] = case.lesion[k]  # slice k's pixels where the converter put them
    label = sitk.GetImageFromArray(array)
    label.CopyInformation(image)
    seg = pydicom.dcmread(write_dicom_seg(label, series, tmp_path / "seg.dcm"))
    frames = _frames(seg)
    assert len(frames) == int(np.count_nonzero(case.lesion.any(axis=(1, 2))))
    for k, (_, ds) in enumerate(_by_z(series)):
        if not case.lesion[k].any():
            assert str(ds.SOPInstanceUID) not in frames
            continue
        position, frame = frames[str(ds.SOPInstanceUID)]
        assert np.allclose(position, _position(ds)) and np.array_equal(frame, case.lesion[k])


def test_unevenly_spaced_series_gets_the_nearest_label_slice_per_source_instance(series, tmp_path):
    positions = [0.0, 5.0, 10.0, 15.0, 20.0, 27.0, 34.0, 41.0]

    def move(k: int, ds: pydicom.Dataset) -> None:
        x, y, z = (float(v) for v in ds.ImagePositionPatient)
        ds.ImagePositionPatient = [x, y, z - 5.0 * k + positions[k]]

    _rewrite(series, move)
    image, info = dicom_to_image(series)
    assert info["geometry"]["resampled"] and image.GetSize() == (64, 64, 9)  # 41 mm / 8 steps: 5.125 mm
    array = np.zeros((9, 64, 64), dtype=np.uint8)
    for m in range(9):
        array[m, 2 + 6 * m:6 + 6 * m, 10:20 + m] = 1  # a different square on every label slice
    label = sitk.GetImageFromArray(array)
    label.CopyInformation(image)
    seg = pydicom.dcmread(write_dicom_seg(label, series, tmp_path / "seg.dcm"))
    frames = _frames(seg)
    assert len(frames) == 8
    for k, (_, ds) in enumerate(_by_z(series)):
        position, frame = frames[str(ds.SOPInstanceUID)]
        nearest = round(positions[k] / image.GetSpacing()[2])  # 0 1 2 3 4 5 7 8: no tie
        assert np.allclose(position, _position(ds)) and np.array_equal(frame, array[nearest])


def test_invalid_patient_sex_is_written_empty(phantom, series, tmp_path):
    _, _, mask_path = phantom
    _rewrite(series, lambda k, ds: setattr(ds, "PatientSex", "X"))
    seg = pydicom.dcmread(write_dicom_seg(sitk.ReadImage(str(mask_path)), series, tmp_path / "seg.dcm"))
    assert seg.PatientSex == "" and seg.PatientID == _by_z(series)[0][1].PatientID


def test_empty_label_keeps_every_frame(phantom, tmp_path):
    folder, _, mask_path = phantom
    empty = sitk.ReadImage(str(mask_path)) * 0
    seg = pydicom.dcmread(write_dicom_seg(empty, folder, tmp_path / "seg.dcm"))
    assert int(seg.NumberOfFrames) == 8 and not seg.pixel_array.any()


def _resized(label: sitk.Image) -> sitk.Image:
    return label[:, :, :7]


def _shifted(label: sitk.Image) -> sitk.Image:
    moved = sitk.Image(label)
    moved.SetOrigin(tuple(v + d for v, d in zip(label.GetOrigin(), (0.0, 0.0, 2.5))))
    return moved


def _respaced(label: sitk.Image) -> sitk.Image:
    moved = sitk.Image(label)
    moved.SetSpacing(label.GetSpacing()[:2] + (5.01,))  # 0.07 mm off at the 8th slice
    return moved


@pytest.mark.parametrize(("make", "message"), [
    (lambda label: label[:, :, 3], "the label must be a 3D scalar image, got a 2D image"),
    (_resized, ("the label is not on the grid dicom_to_image reads this series on (tolerance 0.05 mm): "
                "size (64, 64, 7) instead of (64, 64, 8) voxels (x, y, z)")),
    (_shifted, ("the label is not on the grid dicom_to_image reads this series on (tolerance 0.05 mm): "
                "origin (-113.4, -113.4, 0) instead of (-113.4, -113.4, -2.5) mm")),
    (_respaced, ("the label is not on the grid dicom_to_image reads this series on (tolerance 0.05 mm): "
                 "spacing (3.6, 3.6, 5.01) instead of (3.6, 3.6, 5) mm (0.07 mm off across the grid)")),
    (lambda label: label * 2, "the label must be binary (0 and 1) for a one-segment SEG, got values 0, 2"),
])
def test_bad_label_is_refused_naming_the_folder(phantom, tmp_path, make, message):
    folder, _, mask_path = phantom
    with pytest.raises(DicomSegError) as error:
        write_dicom_seg(make(sitk.ReadImage(str(mask_path))), folder, tmp_path / "seg.dcm")
    assert str(error.value).startswith(f"{folder}: {message}")
    assert isinstance(error.value, ValueError) and list(tmp_path.iterdir()) == []


def test_folder_without_a_series_is_refused(phantom, tmp_path):
    _, _, mask_path = phantom
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "notes.txt").write_text("not DICOM")
    with pytest.raises(DicomSegError, match=r"empty: no DICOM image found among 1 file.*; no DICOM SEG written$"):
        write_dicom_seg(sitk.ReadImage(str(mask_path)), folder, tmp_path / "out" / "seg.dcm")
    assert not (tmp_path / "out").exists()
