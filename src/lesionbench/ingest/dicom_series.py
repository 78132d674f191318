"""One DICOM series -> a SimpleITK volume in HU on a regular grid whose affine tells the truth.

Steps: scan the folder (:mod:`~lesionbench.ingest.dicom_files`), pick a series by the
configured rule (:mod:`~lesionbench.ingest.series_select`), check that its slices share size,
orientation and pixel spacing, order them along the slice normal and measure duplicates,
gaps, uneven steps and gantry tilt (:mod:`~lesionbench.ingest.stack`), decode the pixels to HU
(:mod:`~lesionbench.ingest.pixels`), and, where the slices do not form a regular grid, either
refuse (as configured) or resample them onto one (:mod:`~lesionbench.ingest.regrid`). The
image's origin, spacing ``(x, y, z)`` and direction ``[row, column, normal]`` are LPS, as
SimpleITK and DICOM use; a NIfTI written from it gets the matching RAS qform/sform.

Written with pydicom rather than SimpleITK's ImageSeriesReader because the checks, the choice
among several series, the resampling and the refusal messages are the point of this module.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import SimpleITK as sitk

from lesionbench.ingest.deid import source_attributes
from lesionbench.ingest.dicom_files import (
    GEOMETRY_KEYWORDS,
    DicomSeriesError,
    SliceFile,
    scan_folder,
)
from lesionbench.ingest.pixels import decode_stored, pydicom_can_decode, to_hu
from lesionbench.ingest.regrid import output_grid, resample_stack
from lesionbench.ingest.series_select import select_series
from lesionbench.ingest.settings import IngestSettings
from lesionbench.ingest.stack import Stack, analyse_stack
from lesionbench.typing import PathLike

_INT16 = np.iinfo(np.int16)


def dicom_to_image(dicom_dir: PathLike, settings: IngestSettings | None = None) -> tuple[sitk.Image, dict[str, Any]]:
    """Read the series the settings pick in ``dicom_dir`` as a volume in HU.

    Args:
        dicom_dir: a folder of DICOM files (non-DICOM and non-image files are ignored).
        settings: series rule, policies for tilt / uneven / missing slices, output type;
            defaults to :class:`IngestSettings()`.

    Returns:
        ``(image, info)``: the image (float32 or int16 HU: stored * RescaleSlope +
        RescaleIntercept) and a JSON-ready dict: ``spacing``, ``size``, ``origin`` (x y z, mm),
        ``direction`` (9 values), ``orientation`` (e.g. ``"LPS"``), ``modality``, ``dtype``,
        ``source`` (allow-listed DICOM attributes, :mod:`lesionbench.ingest.deid`, plus
        ``n_slices`` and ``transfer_syntax``), ``geometry`` (tilt, resampling, slice steps),
        ``warnings`` and ``other_series``. No patient-identifying field.

    Raises:
        FileNotFoundError: if the folder does not exist.
        DicomFileError: naming a truncated, corrupt or undecodable file.
        DicomSeriesError: naming the folder: no series or an ambiguous choice, mixed
            geometry, duplicates, refused tilt / uneven spacing / missing slices, NaN voxels.
    """
    settings = settings or IngestSettings()
    folder = Path(dicom_dir)
    scan = scan_folder(folder)
    chosen, other_series = select_series(scan, settings.series)
    _check_consistent(folder, chosen.files)
    stack = analyse_stack(folder, chosen.files, settings.spacing_tolerance_mm)
    warnings = scan.warnings() + list(stack.warnings)
    if other_series:
        warnings.append(f"{len(other_series)} other series in the folder not read (see other_series)")
    _apply_policies(folder, stack, settings)

    slices = stack.slices
    first = slices[0].dataset
    volume = np.empty((len(slices), int(first.Rows), int(first.Columns)), dtype=np.float32)
    padding_voxels = 0
    for k, slice_file in enumerate(slices):
        volume[k], n_padding = to_hu(slice_file, decode_stored(slice_file), settings.padding_hu)
        padding_voxels += n_padding
    _check_finite(folder, volume)

    resample = not stack.regular
    grid = output_grid(stack, volume.shape[1], volume.shape[2], resample, settings.resample_spacing_mm)
    if stack.tilted or resample:
        fill = settings.padding_hu if settings.padding_hu is not None else float(volume.min())
        volume = resample_stack(volume, stack, grid, fill)
    warnings += _geometry_warnings(stack, grid, resample)
    thickness = first.get("SliceThickness")
    thickness = None if thickness in (None, "") else float(thickness)
    spacing_z = grid.spacing[2] if len(slices) > 1 else (thickness or 1.0)
    if len(slices) == 1:
        warnings.append(f"single-slice series: slice spacing set to {spacing_z:g} mm (SliceThickness)")
    elif thickness is not None and abs(thickness - spacing_z) > max(0.01, 0.01 * spacing_z):
        warnings.append(f"SliceThickness {thickness:g} mm differs from the slice spacing {spacing_z:.4g} mm")
    if str(first.get("PhotometricInterpretation", "")) == "MONOCHROME1":
        warnings.append("MONOCHROME1 pixels (display inverted); values kept as rescaled")
    if padding_voxels and settings.padding_hu is not None:
        warnings.append(f"{padding_voxels} padding pixel(s) (PixelPaddingValue) set to {settings.padding_hu:g} HU")

    if settings.output_dtype == "int16":
        volume = np.clip(np.rint(volume), _INT16.min, _INT16.max).astype(np.int16)
    image = sitk.GetImageFromArray(volume)
    image.SetSpacing((grid.spacing[0], grid.spacing[1], spacing_z))
    image.SetOrigin(tuple(float(v) for v in grid.origin))
    direction = tuple(float(v) for v in grid.direction.ravel())
    image.SetDirection(direction)
    source = source_attributes(first)
    source.update({"n_slices": len(slices), "transfer_syntax": first.file_meta.TransferSyntaxUID.name,
                   "decoder": "pydicom" if pydicom_can_decode(first) else "SimpleITK (GDCM)"})
    info = {
        "spacing": list(image.GetSpacing()),
        "size": list(image.GetSize()),
        "origin": list(image.GetOrigin()),
        "direction": list(direction),
        "orientation": sitk.DICOMOrientImageFilter.GetOrientationFromDirectionCosines(direction),
        "modality": source["modality"] or "",
        "dtype": settings.output_dtype,
        "source": source,
        "geometry": {
            "gantry_tilt_deg": round(stack.tilt_deg, 3),
            "tilt_corrected": stack.tilted,
            "resampled": resample,
            "missing_slices": sum(count for _, count in stack.missing),
            "input_slice_positions_mm": [round(float(a), 4) for a in stack.along],
            "padding_voxels": padding_voxels,
        },
        "warnings": warnings,
        "other_series": other_series,
    }
    return image, info


def _apply_policies(folder: Path, stack: Stack, settings: IngestSettings) -> None:
    """Refuse what the settings say to refuse, with the measured numbers."""
    problems = []
    if stack.tilted and settings.gantry_tilt == "refuse":
        tag = stack.slices[0].dataset.get("GantryDetectorTilt")
        drift = float(np.linalg.norm(stack.offsets, axis=1).max())
        problems.append(f"gantry tilt: the slices stack at {stack.tilt_deg:.2f} deg from the slice normal "
                        f"(positions drift {drift:.2f} mm sideways; GantryDetectorTilt "
                        f"{tag if tag not in (None, '') else 'absent'}); setting gantry_tilt is 'refuse'")
    if stack.missing and settings.missing_slices == "refuse":
        gaps = [f"{stack.along[i + 1] - stack.along[i]:.3f} mm between {stack.slices[i].path.name} and "
                f"{stack.slices[i + 1].path.name} ({count} slice(s) missing)" for i, count in stack.missing]
        problems.append(f"missing slices: {len(stack.missing)} gap(s) of a whole multiple of the "
                        f"{stack.step_mm:.3f} mm step: " + "; ".join(gaps[:3]) + (" ..." if len(gaps) > 3 else "")
                        + "; setting missing_slices is 'refuse'")
    if stack.uneven and settings.uneven_spacing == "refuse":
        steps = np.diff(stack.along)
        off = int(np.sum(np.abs(steps - stack.step_mm) > settings.spacing_tolerance_mm))
        problems.append(f"uneven slice spacing: {stack.describe_steps()}, {off} of {steps.size} steps off by more "
                        f"than {settings.spacing_tolerance_mm:g} mm; setting uneven_spacing is 'refuse'")
    if problems:
        raise DicomSeriesError(f"{folder}: cannot stack the series into a regular volume: " + "; ".join(problems))


def _geometry_warnings(stack: Stack, grid: Any, resample: bool) -> list[str]:
    notes = []
    if stack.tilted:
        tag = stack.slices[0].dataset.get("GantryDetectorTilt")
        notes.append(f"gantry tilt {stack.tilt_deg:.2f} deg (GantryDetectorTilt "
                     f"{tag if tag not in (None, '') else 'absent'}) corrected onto an orthogonal grid "
                     f"(slices shifted in-plane, linear interpolation; {grid.size[0]} x {grid.size[1]} pixels)")
    if resample:
        what = "uneven slice spacing" if stack.uneven else "missing slices"
        notes.append(f"{what} ({stack.describe_steps()}; {len(stack.along)} slices) resampled onto "
                     f"{grid.size[2]} slices {grid.spacing[2]:.4f} mm apart (linear interpolation)")
    return notes


def _check_consistent(folder: Path, slices: list[SliceFile]) -> None:
    """Geometry present, same Rows/Columns, orientation and pixel spacing; single-frame files."""
    for s in slices:
        absent = [k for k in GEOMETRY_KEYWORDS if k not in s.dataset]
        if absent:
            raise DicomSeriesError(f"{folder}: {s.path.name} has no patient geometry ({', '.join(absent)} absent)")
    first = slices[0]
    reference = _geometry_values(first)
    for s in slices:
        frames = int(s.dataset.get("NumberOfFrames", 1) or 1)
        if frames > 1:
            raise DicomSeriesError(f"{folder}: {s.path.name} is a multi-frame image ({frames} frames); "
                                   "only single-frame series are supported")
        for key, value in _geometry_values(s).items():
            same = value == reference[key] if key == "Rows x Columns" else np.allclose(value, reference[key],
                                                                                        atol=1e-4)
            if not same:
                raise DicomSeriesError(
                    f"{folder}: inconsistent series: {key} is {_fmt(reference[key])} in {first.path.name} "
                    f"but {_fmt(value)} in {s.path.name}"
                )


def _geometry_values(s: SliceFile) -> dict[str, Any]:
    return {
        "Rows x Columns": (int(s.dataset.Rows), int(s.dataset.Columns)),
        "ImageOrientationPatient": np.array([float(v) for v in s.dataset.ImageOrientationPatient]),
        "PixelSpacing": np.array([float(v) for v in s.dataset.PixelSpacing]),
    }


def _check_finite(folder: Path, volume: np.ndarray) -> None:
    finite = np.isfinite(volume)
    if not finite.any():
        raise DicomSeriesError(f"{folder}: every voxel is NaN or infinite: no image to write")
    if not finite.all():
        bad = int(volume.size - np.count_nonzero(finite))
        raise DicomSeriesError(f"{folder}: {bad} of {volume.size} voxels are NaN or infinite")


def _fmt(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return "[" + ", ".join(f"{v:g}" for v in value) + "]"
    return str(value)
