"""A predicted label map as a DICOM Segmentation (binary SEG, one segment) of its source series.

:func:`write_dicom_seg` takes a label on the grid that
:func:`lesionbench.ingest.dicom_to_image` produced for a DICOM series folder and writes a
binary DICOM SEG (Segmentation Storage, one segment, labelled ``"lesion"`` by default) with
:class:`highdicom.seg.Segmentation`, whose frames lie on the source images:

* the series is found as the converter finds it (:func:`~lesionbench.ingest.dicom_files.scan_folder`,
  :func:`~lesionbench.ingest.series_select.select_series`,
  :func:`~lesionbench.ingest.stack.analyse_stack`) and the converter's grid is rebuilt from the
  headers (:func:`~lesionbench.ingest.regrid.output_grid`); a label on another grid is refused;
* where the converter kept the source slices (no gantry tilt, even spacing), label slice ``k``
  is the frame of the source instance whose ImagePositionPatient lies at the same distance
  along the slice normal (never file order or InstanceNumber);
* where it regridded (tilt correction, uneven spacing or interpolated missing slices), the
  label is resampled onto each source image's plane (SimpleITK, nearest neighbour, in
  physical space), so every frame still lies on one source instance;
* empty frames are omitted (highdicom's ``omit_empty_frames``; a label with no lesion
  voxel keeps every frame, empty, since a SEG needs at least one frame).

Privacy. The SEG is the one lesionbench output that refers back to the source study, so
that a viewer or PACS files it with the images it segments; it carries only what a SEG
needs for that. highdicom copies every attribute of the Patient, General Study, Patient
Study and Clinical Trial modules of the source datasets it is given, and their
acquisition equipment (InstitutionName, InstitutionAddress, StationName,
DeviceSerialNumber ... into ContributingEquipmentSequence), so it is never given the source
datasets: it is given reference datasets built from an allow-list
(:data:`STUDY_ATTRIBUTES`, :data:`REFERENCE_ATTRIBUTES`, :data:`IMAGE_ATTRIBUTES`,
:func:`reference_dataset`). The Type 2 study attributes are copied rather than emptied
because study-level attributes must agree across the instances of one study. The
attributes of the written SEG whose values come from the source are exactly:

* Patient module (Type 2, copied as found, empty if absent): PatientName, PatientID,
  PatientBirthDate, PatientSex (empty unless M, F or O: highdicom refuses other values);
* General Study module (study-level attributes shared by every instance of the study):
  StudyInstanceUID, StudyID, StudyDate, StudyTime, AccessionNumber, ReferringPhysicianName
  (Type 2 ones empty if absent);
* Frame of Reference module: FrameOfReferenceUID, PositionReferenceIndicator;
* references to the source images: the source SeriesInstanceUID, and each source
  instance's SOPClassUID and SOPInstanceUID, in ReferencedSeriesSequence >
  ReferencedInstanceSequence, SourceImageSequence and each frame's DerivationImageSequence >
  SourceImageSequence (as ReferencedSOPClassUID / ReferencedSOPInstanceUID);
* geometry (not identifying): ImageOrientationPatient (PlaneOrientationSequence),
  ImagePositionPatient of each frame (PlanePositionSequence), PixelSpacing, SliceThickness
  (the slice step where the source has none) and SpacingBetweenSlices (computed by
  highdicom where the source has none and the spacing is even) in PixelMeasuresSequence,
  Rows, Columns;
* SpecificCharacterSet; Modality only in the ContentLabel (e.g. ``"CT_SEG"``); and
  LossyImageCompression (with its ratio and method) when the source was lossy compressed.

Everything else is new: SOP / series UIDs (``highdicom.UID()``), SeriesNumber
:data:`SEG_SERIES_NUMBER`, SeriesDescription, content date and time, equipment
(lesionbench). In particular no other attribute of the de-identification profile
(:data:`lesionbench.ingest.deid.BASIC_PROFILE`: InstitutionName, InstitutionAddress,
StationName, OperatorsName, OtherPatientIDs, PatientAddress, PatientAge, StudyDescription,
SeriesDescription, AcquisitionDateTime, DeviceSerialNumber ...) reaches the SEG.
"""

from __future__ import annotations

import copy
from pathlib import Path

import highdicom as hd
import numpy as np
import SimpleITK as sitk
from pydicom.dataset import Dataset
from pydicom.sr.codedict import codes

import lesionbench
from lesionbench.ingest.dicom_files import SliceFile, scan_folder
from lesionbench.ingest.regrid import Grid, output_grid
from lesionbench.ingest.series_select import select_series
from lesionbench.ingest.settings import IngestSettings
from lesionbench.ingest.stack import Stack, analyse_stack
from lesionbench.io.atomic import atomic_path
from lesionbench.io.images import ImageFileError
from lesionbench.typing import PathLike

#: Source attributes that identify the patient and the study; copied so that the SEG files with
#: its study (Patient and General Study modules, Type 1 and 2; empty when the source has none).
STUDY_ATTRIBUTES: tuple[str, ...] = (
    "PatientName", "PatientID", "PatientBirthDate", "PatientSex", "StudyInstanceUID", "StudyID",
    "StudyDate", "StudyTime", "AccessionNumber", "ReferringPhysicianName",
)
#: Source attributes the SEG refers to the source images by.
REFERENCE_ATTRIBUTES: tuple[str, ...] = ("SeriesInstanceUID", "SOPInstanceUID", "SOPClassUID", "FrameOfReferenceUID")
#: Non-identifying source attributes highdicom reads: geometry, encoding, content label, lossy flag.
IMAGE_ATTRIBUTES: tuple[str, ...] = (
    "SpecificCharacterSet", "Modality", "Rows", "Columns", "ImagePositionPatient", "ImageOrientationPatient",
    "PixelSpacing", "SliceThickness", "SpacingBetweenSlices", "PositionReferenceIndicator",
    "LossyImageCompression", "LossyImageCompressionRatio", "LossyImageCompressionMethod",
)
#: SeriesNumber of the written SEG series.
SEG_SERIES_NUMBER = 900
#: Segmented property of the segment: category and type (SNOMED CT).
SEGMENT_CATEGORY = codes.SCT.MorphologicallyAbnormalStructure
SEGMENT_TYPE = codes.SCT.Lesion
_DIRECTION_TOLERANCE = 1e-4
#: The defined terms of PatientSex (highdicom refuses any other value).
_PATIENT_SEX = ("M", "F", "O")


class DicomSegError(ImageFileError):
    """A DICOM SEG cannot be written (the message names the folder or file and the problem)."""


def write_dicom_seg(label: sitk.Image, dicom_dir: PathLike, out_path: PathLike, *,
                    settings: IngestSettings | None = None, segment_label: str = "lesion",
                    algorithm_name: str = "lesionbench", algorithm_version: str = lesionbench.__version__,
                    series_description: str = "lesionbench segmentation") -> Path:
    """Write ``label`` as a binary DICOM SEG of the series ``dicom_to_image`` reads in ``dicom_dir``.

    Args:
        label: 3D binary image (values 0 and 1, any integer or float pixel type; uint8 as
            predicted) of size ``(X, Y, Z)`` on exactly the grid (size, spacing in mm, origin
            in mm LPS, direction) that ``dicom_to_image(dicom_dir, settings)`` produces.
        dicom_dir: the DICOM series folder the label was predicted from.
        out_path: the SEG file to write (atomically; parent folders are created).
        settings: the ingest settings the image was read with (series rule, resampled
            slice spacing, position tolerance ``spacing_tolerance_mm``); default
            ``IngestSettings()``.
        segment_label: SegmentLabel of the one segment.
        algorithm_name: name of the algorithm (AlgorithmIdentificationSequence and
            ManufacturerModelName).
        algorithm_version: its version (AlgorithmIdentificationSequence and SoftwareVersions).
        series_description: SeriesDescription of the new SEG series.

    Returns:
        ``out_path`` as a :class:`~pathlib.Path`.

    Raises:
        FileNotFoundError: if ``dicom_dir`` is not a folder.
        DicomSegError: naming the folder: no series to read (or a file that cannot be read),
            a label that is not 3D or not binary, a label grid that differs from the
            series' beyond the tolerance, or a SEG highdicom refuses to build.
    """
    settings = settings or IngestSettings()
    folder = Path(dicom_dir)
    array = _label_array(label, folder)
    stack = _source_stack(folder, settings)
    regridded = stack.tilted or not stack.regular
    grid = converter_grid(stack, settings)
    _check_grid(label, grid, folder, settings.spacing_tolerance_mm)
    if regridded:
        frames = _resample_to_sources(label, stack)
    else:
        frames = _match_sources(label, array, stack, folder, settings.spacing_tolerance_mm)
    references = [reference_dataset(s, stack) for s in stack.slices]
    segmentation = _segmentation(frames, references, folder, segment_label=segment_label,
                                 algorithm_name=algorithm_name, algorithm_version=algorithm_version,
                                 series_description=series_description)
    out_path = Path(out_path)
    with atomic_path(out_path) as tmp:
        segmentation.save_as(tmp)
    return out_path


def _label_array(label: sitk.Image, folder: Path) -> np.ndarray:
    """The label as a ``(Z, Y, X)`` uint8 array of 0 and 1.

    Raises:
        DicomSegError: if the label is not a 3D scalar image, or holds values other than 0 and 1.
    """
    if label.GetDimension() != 3 or label.GetNumberOfComponentsPerPixel() != 1:
        raise DicomSegError(f"{folder}: the label must be a 3D scalar image, got a {label.GetDimension()}D image "
                            f"with {label.GetNumberOfComponentsPerPixel()} component(s) per voxel")
    array = sitk.GetArrayFromImage(label)
    values = np.unique(array)
    if not np.isin(values, (0, 1)).all():
        shown = ", ".join(f"{v:g}" for v in values[:6]) + (" ..." if values.size > 6 else "")
        raise DicomSegError(f"{folder}: the label must be binary (0 and 1) for a one-segment SEG, got values {shown}")
    return array.astype(np.uint8)


def _source_stack(folder: Path, settings: IngestSettings) -> Stack:
    """The series ``dicom_to_image`` reads, ordered along the slice normal (headers only).

    Raises:
        FileNotFoundError: if ``folder`` is not a folder.
        DicomSegError: if the folder holds no series to read, the rule picks none or several,
            a file is corrupt or the slices do not form one stack (the ingest message).
    """
    try:
        scan = scan_folder(folder)
        chosen, _ = select_series(scan, settings.series)
        return analyse_stack(folder, chosen.files, settings.spacing_tolerance_mm)
    except ImageFileError as error:
        raise DicomSegError(f"{error}; no DICOM SEG written") from error


def converter_grid(stack: Stack, settings: IngestSettings) -> Grid:
    """The grid ``dicom_to_image`` writes ``stack`` on (as in that function, from headers only).

    Args:
        stack: the series' slices in order along the normal.
        settings: the ingest settings (``resample_spacing_mm``).

    Returns:
        The grid; for a single slice its ``spacing[2]`` is the SliceThickness (1 mm if
        absent), as the converter sets it.
    """
    first = stack.slices[0].dataset
    grid = output_grid(stack, int(first.Rows), int(first.Columns), not stack.regular, settings.resample_spacing_mm)
    if len(stack.slices) == 1:
        thickness = first.get("SliceThickness")
        dz = float(thickness) if thickness not in (None, "") and float(thickness) else 1.0
        grid = Grid(origin=grid.origin, direction=grid.direction, spacing=(grid.spacing[0], grid.spacing[1], dz),
                    size=grid.size, pad_xy=grid.pad_xy, along=grid.along)
    return grid


def _check_grid(label: sitk.Image, grid: Grid, folder: Path, tolerance_mm: float) -> None:
    """Refuse a label whose size, spacing, origin or direction is not the converter's grid.

    Args:
        label: the 3D label.
        grid: the converter's grid.
        folder: the series folder (for the message).
        tolerance_mm: largest difference (mm) of the origin, and of the spacing times the
            number of steps (the far corner); direction cosines within 1e-4.

    Raises:
        DicomSegError: naming the folder and every mismatch.
    """
    problems = []
    if tuple(label.GetSize()) != tuple(grid.size):
        problems.append(f"size {tuple(label.GetSize())} instead of {tuple(grid.size)} voxels (x, y, z)")
    spacing, origin = np.array(label.GetSpacing()), np.array(label.GetOrigin())
    drift = float(np.max(np.abs(spacing - grid.spacing) * np.maximum(np.array(grid.size) - 1, 1)))
    if drift > tolerance_mm:
        problems.append(f"spacing {_fmt(spacing)} instead of {_fmt(grid.spacing)} mm ({drift:.3g} mm off "
                        "across the grid)")
    if not np.allclose(origin, grid.origin, rtol=0.0, atol=tolerance_mm):
        problems.append(f"origin {_fmt(origin)} instead of {_fmt(grid.origin)} mm")
    direction = np.array(label.GetDirection()).reshape(3, 3)
    if not np.allclose(direction, grid.direction, rtol=0.0, atol=_DIRECTION_TOLERANCE):
        problems.append(f"direction {_fmt(direction.ravel())} instead of {_fmt(grid.direction.ravel())}")
    if problems:
        raise DicomSegError(f"{folder}: the label is not on the grid dicom_to_image reads this series on "
                            f"(tolerance {tolerance_mm:g} mm): " + "; ".join(problems))


def _match_sources(label: sitk.Image, array: np.ndarray, stack: Stack, folder: Path,
                   tolerance_mm: float) -> np.ndarray:
    """Label slices of the source instances, matched by position along the slice normal.

    Args:
        label: the label (for the world position of each slice).
        array: its ``(Z, Y, X)`` uint8 voxels.
        stack: the source slices (not regridded: ``Y, X`` are their rows and columns).
        folder: the series folder (for the message).
        tolerance_mm: largest distance (mm) between a source slice and its label slice.

    Returns:
        ``(N, rows, columns)`` uint8: frame ``j`` for ``stack.slices[j]``.

    Raises:
        DicomSegError: naming the file of a source slice that no label slice lies on.
    """
    label_along = np.array([(np.array(label.TransformIndexToPhysicalPoint((0, 0, k))) - stack.origin) @ stack.normal
                            for k in range(array.shape[0])])
    frames = np.empty((len(stack.slices),) + array.shape[1:], dtype=np.uint8)
    for j, s in enumerate(stack.slices):
        along = (_position(s) - stack.origin) @ stack.normal
        k = int(np.argmin(np.abs(label_along - along)))
        if abs(label_along[k] - along) > tolerance_mm:
            raise DicomSegError(f"{folder}: no label slice lies on {s.path.name} ({along:.3f} mm along the normal; "
                                f"nearest label slice {label_along[k]:.3f} mm)")
        frames[j] = array[k]
    return frames


def _resample_to_sources(label: sitk.Image, stack: Stack) -> np.ndarray:
    """The label on each source image's plane (nearest neighbour; 0 outside the label).

    Args:
        label: the label on the converter's regular grid.
        stack: the source slices (tilted or unevenly spaced).

    Returns:
        ``(N, rows, columns)`` uint8: frame ``j`` on the pixels of ``stack.slices[j]``.
    """
    first = stack.slices[0].dataset
    rows, columns = int(first.Rows), int(first.Columns)
    dx, dy = stack.pixel_spacing_xy
    direction = tuple(float(v) for v in np.column_stack([stack.row, stack.column, stack.normal]).ravel())
    source = sitk.Cast(label, sitk.sitkUInt8)
    frames = np.empty((len(stack.slices), rows, columns), dtype=np.uint8)
    for j, s in enumerate(stack.slices):
        plane = sitk.Image(columns, rows, 1, sitk.sitkUInt8)
        plane.SetOrigin(tuple(float(v) for v in _position(s)))
        plane.SetSpacing((dx, dy, 1.0))
        plane.SetDirection(direction)
        resampled = sitk.Resample(source, plane, sitk.Transform(), sitk.sitkNearestNeighbor, 0.0, sitk.sitkUInt8)
        frames[j] = sitk.GetArrayViewFromImage(resampled)[0]
    return frames


def reference_dataset(slice_file: SliceFile, stack: Stack) -> Dataset:
    """What highdicom is given of one source image: allow-listed attributes only.

    Args:
        slice_file: the source image.
        stack: its series (for a SliceThickness the header lacks: the slice step, or 1 mm).

    Returns:
        A dataset with :data:`STUDY_ATTRIBUTES` (empty where absent, as Type 2 allows; a
        PatientSex other than M, F or O, after upper-casing, becomes empty),
        :data:`REFERENCE_ATTRIBUTES` and those :data:`IMAGE_ATTRIBUTES` the source has.
    """
    source = slice_file.dataset
    reference = Dataset()
    for keyword in STUDY_ATTRIBUTES + REFERENCE_ATTRIBUTES + IMAGE_ATTRIBUTES:
        if keyword in source:
            reference.add(copy.deepcopy(source[keyword]))  # a copy: the scan's dataset stays as read
        elif keyword in STUDY_ATTRIBUTES:
            setattr(reference, keyword, "")
    sex = str(reference.PatientSex).strip().upper()
    reference.PatientSex = sex if sex in _PATIENT_SEX else ""
    if reference.get("SliceThickness") in (None, ""):
        reference.SliceThickness = stack.step_mm or 1.0
    return reference


def _segmentation(frames: np.ndarray, references: list[Dataset], folder: Path, *, segment_label: str,
                  algorithm_name: str, algorithm_version: str, series_description: str) -> hd.seg.Segmentation:
    """The binary SEG of ``frames`` (frame ``j`` on ``references[j]``), empty frames omitted.

    Raises:
        DicomSegError: naming the folder, if highdicom refuses the input.
    """
    algorithm = hd.AlgorithmIdentificationSequence(name=algorithm_name, family=codes.cid7162.ArtificialIntelligence,
                                                   version=algorithm_version)
    segment = hd.seg.SegmentDescription(
        segment_number=1, segment_label=segment_label, segmented_property_category=SEGMENT_CATEGORY,
        segmented_property_type=SEGMENT_TYPE, algorithm_type=hd.seg.SegmentAlgorithmTypeValues.AUTOMATIC,
        algorithm_identification=algorithm)
    try:
        return hd.seg.Segmentation(
            source_images=references, pixel_array=frames, segmentation_type=hd.seg.SegmentationTypeValues.BINARY,
            segment_descriptions=[segment], series_instance_uid=hd.UID(), series_number=SEG_SERIES_NUMBER,
            sop_instance_uid=hd.UID(), instance_number=1, manufacturer="lesionbench",
            manufacturer_model_name=algorithm_name, software_versions=algorithm_version,
            device_serial_number="none", series_description=series_description, omit_empty_frames=True)
    except (ValueError, TypeError, AttributeError, KeyError) as error:
        raise DicomSegError(f"{folder}: highdicom cannot build the SEG ({type(error).__name__}: {error})") from error


def _position(slice_file: SliceFile) -> np.ndarray:
    """ImagePositionPatient ``(3,)`` mm, LPS."""
    return np.array([float(v) for v in slice_file.dataset.ImagePositionPatient])


def _fmt(values: object) -> str:
    return "(" + ", ".join(f"{float(v):.6g}" for v in np.ravel(values)) + ")"
