"""One DICOM series -> a SimpleITK volume in HU, with its geometry checked.

Slices are ordered by their position along the slice normal (the cross product of the
row and column direction cosines of ImageOrientationPatient), never by InstanceNumber.
The volume's origin is the ImagePositionPatient of the first ordered slice, its spacing
``(PixelSpacing[1], PixelSpacing[0], step)`` and its direction ``[row, column, normal]``
(all LPS, as SimpleITK and DICOM use). Series this volume model cannot describe exactly
(gantry tilt, uneven slice spacing, duplicate positions, mixed sizes or orientations) are
refused with the measured numbers rather than written with an affine that lies about slice
positions (shared/data/README.md); resampling them is a later issue.

Written with pydicom rather than SimpleITK's ImageSeriesReader because the checks, the
choice among several series and the refusal messages are the point of this module.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import SimpleITK as sitk

from lesionbench.ingest.dicom_files import DicomFileError, DicomSeriesError, SliceFile, scan_folder
from lesionbench.typing import PathLike

#: Slice steps may differ from their median by this much (mm) or this fraction, whichever is larger.
SPACING_TOLERANCE_MM = 0.01
SPACING_TOLERANCE_FRACTION = 0.01
#: Largest sideways drift (mm) of a slice position off the line along the slice normal.
TILT_TOLERANCE_MM = 0.05
#: Slices closer than this (mm) along the normal are duplicates.
DUPLICATE_TOLERANCE_MM = 1e-3


def dicom_to_image(dicom_dir: PathLike) -> tuple[sitk.Image, dict[str, Any]]:
    """Read the CT (or MR) series in ``dicom_dir`` as a float32 volume.

    Args:
        dicom_dir: a folder holding one series (other files are ignored; if several series
            are present the one with most slices is read and the others are listed).

    Returns:
        ``(image, info)``: the image (float32, HU for CT: stored * RescaleSlope +
        RescaleIntercept) and a dict with ``spacing``, ``size``, ``origin`` (x y z, mm),
        ``direction`` (9 values), ``orientation`` (e.g. ``"LPS"``), ``modality``,
        ``manufacturer``, ``manufacturer_model``, ``slice_thickness_mm``, ``n_slices``,
        ``series_number``, ``warnings`` and ``other_series``. No patient-identifying field.

    Raises:
        FileNotFoundError: if the folder does not exist.
        DicomFileError: naming a truncated, corrupt or undecodable file.
        DicomSeriesError: naming the folder, for tilt, uneven spacing, duplicates, mixed
            geometry or no image at all.
    """
    folder = Path(dicom_dir)
    scan = scan_folder(folder)
    ranked = sorted(scan.series.items(), key=lambda item: (-len(item[1]), item[0]))
    slices = ranked[0][1]
    warnings = scan.warnings()
    other_series = [_series_summary(files) for _, files in ranked[1:]]
    if other_series:
        warnings.append(f"{len(other_series)} other series in the folder; read the one with most slices "
                        f"({len(slices)})")
    _check_consistent(folder, slices)
    row, col, normal = _cosines(slices[0])
    positions = np.array([[float(v) for v in s.dataset.ImagePositionPatient] for s in slices])
    order = np.argsort(positions @ normal, kind="stable")
    slices = [slices[i] for i in order]
    positions = positions[order]
    step = _check_stacking(folder, slices, positions, normal)
    first = slices[0].dataset
    thickness = _optional_float(first, "SliceThickness")
    if len(slices) == 1:
        step = thickness if thickness else 1.0
        warnings.append(f"single-slice series: slice spacing set to {step} mm (SliceThickness)")
    elif thickness is not None and abs(thickness - step) > max(SPACING_TOLERANCE_MM, 0.01 * step):
        warnings.append(f"SliceThickness {thickness} mm differs from the slice spacing {step} mm")
    if str(first.get("PhotometricInterpretation", "")) == "MONOCHROME1":
        warnings.append("MONOCHROME1 pixels (display inverted); values kept as rescaled")

    volume = np.stack([_hu(s) for s in slices])
    image = sitk.GetImageFromArray(volume)
    pixel_spacing = [float(v) for v in first.PixelSpacing]
    image.SetSpacing((pixel_spacing[1], pixel_spacing[0], float(step)))
    image.SetOrigin(tuple(float(v) for v in positions[0]))
    direction = tuple(float(v) for v in np.column_stack([row, col, normal]).ravel())
    image.SetDirection(direction)
    info = {
        "spacing": list(image.GetSpacing()),
        "size": list(image.GetSize()),
        "origin": list(image.GetOrigin()),
        "direction": list(direction),
        "orientation": sitk.DICOMOrientImageFilter.GetOrientationFromDirectionCosines(direction),
        "modality": str(first.get("Modality", "")),
        "manufacturer": str(first.get("Manufacturer", "")),
        "manufacturer_model": str(first.get("ManufacturerModelName", "")),
        "slice_thickness_mm": thickness,
        "n_slices": len(slices),
        "series_number": _optional_int(first, "SeriesNumber"),
        "warnings": warnings,
        "other_series": other_series,
    }
    return image, info


def _cosines(slice_file: SliceFile) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit row and column direction cosines and the slice normal (row x column)."""
    iop = np.array([float(v) for v in slice_file.dataset.ImageOrientationPatient])
    row, col = iop[:3] / np.linalg.norm(iop[:3]), iop[3:] / np.linalg.norm(iop[3:])
    normal = np.cross(row, col)
    return row, col, normal / np.linalg.norm(normal)


def _check_consistent(folder: Path, slices: list[SliceFile]) -> None:
    """Same Rows/Columns, orientation and pixel spacing on every slice; single-frame files."""
    first = slices[0]
    reference = {
        "Rows x Columns": (int(first.dataset.Rows), int(first.dataset.Columns)),
        "ImageOrientationPatient": np.array([float(v) for v in first.dataset.ImageOrientationPatient]),
        "PixelSpacing": np.array([float(v) for v in first.dataset.PixelSpacing]),
    }
    for s in slices:
        frames = int(s.dataset.get("NumberOfFrames", 1) or 1)
        if frames > 1:
            raise DicomSeriesError(f"{folder}: {s.path.name} is a multi-frame image ({frames} frames); "
                                   "only single-frame series are supported")
        values = {
            "Rows x Columns": (int(s.dataset.Rows), int(s.dataset.Columns)),
            "ImageOrientationPatient": np.array([float(v) for v in s.dataset.ImageOrientationPatient]),
            "PixelSpacing": np.array([float(v) for v in s.dataset.PixelSpacing]),
        }
        for key, value in values.items():
            same = value == reference[key] if key == "Rows x Columns" else np.allclose(value, reference[key],
                                                                                        atol=1e-4)
            if not same:
                raise DicomSeriesError(
                    f"{folder}: inconsistent series: {key} is {_fmt(reference[key])} in {first.path.name} "
                    f"but {_fmt(value)} in {s.path.name}"
                )


def _check_stacking(folder: Path, slices: list[SliceFile], positions: np.ndarray, normal: np.ndarray) -> float:
    """The uniform slice step (mm); refuse duplicates, gantry tilt and uneven spacing."""
    if len(slices) == 1:
        return 0.0
    along = positions @ normal
    steps = np.diff(along)
    duplicates = np.flatnonzero(steps < DUPLICATE_TOLERANCE_MM)
    if duplicates.size:
        i = int(duplicates[0])
        raise DicomSeriesError(
            f"{folder}: duplicate slice position {along[i]:.3f} mm along the normal in "
            f"{slices[i].path.name} and {slices[i + 1].path.name} ({duplicates.size} duplicate pair(s))"
        )
    problems = []
    offsets = positions - positions[0]
    sideways = offsets - np.outer(offsets @ normal, normal)
    drift = float(np.linalg.norm(sideways, axis=1).max())
    if drift > TILT_TOLERANCE_MM:
        stack = positions[-1] - positions[0]
        angle = np.degrees(np.arccos(np.clip(abs(stack @ normal) / np.linalg.norm(stack), -1.0, 1.0)))
        tag = slices[0].dataset.get("GantryDetectorTilt")
        problems.append(
            f"gantry tilt: the slices stack at {angle:.2f} deg from the slice normal (positions drift "
            f"{drift:.2f} mm sideways; GantryDetectorTilt {tag if tag is not None else 'absent'})"
        )
    median = float(np.median(steps))
    tolerance = max(SPACING_TOLERANCE_MM, SPACING_TOLERANCE_FRACTION * median)
    uneven = np.abs(steps - median) > tolerance
    if uneven.any():
        gaps = np.flatnonzero(steps > 1.5 * median).size
        problems.append(
            f"uneven slice spacing: steps from {steps.min():.3f} to {steps.max():.3f} mm (median {median:.3f} mm, "
            f"{int(uneven.sum())} of {steps.size} steps off by more than {tolerance:.3f} mm"
            + (f"; {gaps} gap(s) over 1.5x the median: missing slices?" if gaps else "") + ")"
        )
    if problems:
        raise DicomSeriesError(f"{folder}: cannot stack the series into a regular volume: " + "; ".join(problems)
                               + ". Resampling tilted or unevenly spaced series is not supported yet.")
    # Positions come from decimal strings: round the mean step to 1 nm so that exact
    # spacings (5.0 mm) come back exactly.
    return round(float((along[-1] - along[0]) / (len(slices) - 1)), 6)


def _hu(slice_file: SliceFile) -> np.ndarray:
    """Decoded pixels of one slice as float32: stored * RescaleSlope + RescaleIntercept."""
    dataset = slice_file.dataset
    photometric = str(dataset.get("PhotometricInterpretation", "MONOCHROME2"))
    if photometric not in ("MONOCHROME1", "MONOCHROME2"):
        raise DicomFileError(f"{slice_file.path}: {photometric} pixels; only greyscale images can be read")
    try:
        pixels = dataset.pixel_array
    except Exception as error:  # truncated data, missing decoder, bad group 0028 values
        raise DicomFileError(f"{slice_file.path}: cannot decode pixel data ({type(error).__name__}: "
                             f"{str(error).splitlines()[0] if str(error) else ''})") from error
    expected = (int(dataset.Rows), int(dataset.Columns))
    if pixels.shape != expected:
        raise DicomFileError(f"{slice_file.path}: pixel data of shape {pixels.shape}, expected {expected}")
    slope = _optional_float(dataset, "RescaleSlope")
    intercept = _optional_float(dataset, "RescaleIntercept")
    values = pixels.astype(np.float64) * (1.0 if slope is None else slope) + (0.0 if intercept is None else intercept)
    return values.astype(np.float32)


def _series_summary(files: list[SliceFile]) -> dict[str, Any]:
    first = files[0].dataset
    return {"series_number": _optional_int(first, "SeriesNumber"), "modality": str(first.get("Modality", "")),
            "n_slices": len(files)}


def _optional_float(dataset: Any, keyword: str) -> float | None:
    value = dataset.get(keyword)
    if value is None or value == "":
        return None
    return float(value)


def _optional_int(dataset: Any, keyword: str) -> int | None:
    value = dataset.get(keyword)
    if value is None or value == "":
        return None
    return int(value)


def _fmt(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return "[" + ", ".join(f"{v:g}" for v in value) + "]"
    return str(value)
