"""Where the slices of a series lie: order, duplicates, gaps, uneven steps and gantry tilt.

Slices are ordered by their position along the slice normal ``n = row x column`` (the
cross product of the direction cosines of ImageOrientationPatient), never by InstanceNumber
or file name. Each slice's ImagePositionPatient ``P_k`` is split into its distance along the
normal ``a_k = (P_k - P_0) . n`` and its in-plane offset ``((P_k - P_0) . row,
(P_k - P_0) . column)``: a straight stack has no offsets; a tilted gantry stacks the slices
along a line at an angle to the normal, so the offsets grow in proportion to ``a_k``
(dcm2niix's gantry-tilt model). The steps ``a_{k+1} - a_k`` are even, hold gaps that are a
whole multiple of the step (missing slices), or are uneven.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lesionbench.ingest.dicom_files import DicomSeriesError, SliceFile


@dataclass(frozen=True)
class Stack:
    """The geometry of an ordered series (LPS, mm).

    Attributes:
        slices: the slice files in order along the normal (duplicate files dropped).
        row, column, normal: unit vectors ``(3,)`` (row = direction of increasing column index).
        pixel_spacing_xy: ``(along row, along column)`` pixel spacing, mm
            (``PixelSpacing[1], PixelSpacing[0]``).
        origin: ``(3,)`` ImagePositionPatient of the first slice.
        along: ``(N,)`` distance of each slice from the first along the normal, mm.
        offsets: ``(N, 2)`` in-plane offset of each slice from the first (along row, along
            column), mm; all zero for a straight stack.
        tilt_deg: angle between the stacking line and the normal (0 for a straight stack).
        missing: ``(index, count)`` for each gap after slice ``index`` holding ``count``
            missing slices.
        uneven: whether some step is neither the regular step nor a whole multiple of it.
        step_mm: the median step along the normal (0 for a single slice).
        warnings: what was noticed and tolerated (dropped duplicate files).
    """

    slices: list[SliceFile]
    row: np.ndarray
    column: np.ndarray
    normal: np.ndarray
    pixel_spacing_xy: tuple[float, float]
    origin: np.ndarray
    along: np.ndarray
    offsets: np.ndarray
    tilt_deg: float
    missing: list[tuple[int, int]]
    uneven: bool
    step_mm: float
    warnings: list[str]

    @property
    def tilted(self) -> bool:
        return bool(np.any(self.offsets))

    @property
    def regular(self) -> bool:
        """Evenly spaced along the normal (a single slice counts as regular)."""
        return not self.missing and not self.uneven

    def describe_steps(self) -> str:
        steps = np.diff(self.along)
        return f"steps from {steps.min():.3f} to {steps.max():.3f} mm (median {self.step_mm:.3f} mm)"


def analyse_stack(folder: Path, slices: list[SliceFile], tolerance_mm: float) -> Stack:
    """Order ``slices`` along the normal and measure their geometry.

    Args:
        folder: the series folder (for messages).
        slices: the series' image files (consistent sizes and orientation, checked before).
        tolerance_mm: steps within this of the median are even; positions closer than this
            are duplicates; in-plane offsets within this are zero.

    Raises:
        DicomSeriesError: naming the folder and the files for two different slices at one
            position, or slice positions that do not lie on one straight line.
    """
    iop = np.array([float(v) for v in slices[0].dataset.ImageOrientationPatient])
    row, column = iop[:3] / np.linalg.norm(iop[:3]), iop[3:] / np.linalg.norm(iop[3:])
    normal = np.cross(row, column)
    normal /= np.linalg.norm(normal)
    positions = np.array([[float(v) for v in s.dataset.ImagePositionPatient] for s in slices])
    order = np.argsort(positions @ normal, kind="stable")
    slices, positions = [slices[i] for i in order], positions[order]
    slices, positions, warnings = _drop_duplicates(folder, slices, positions, normal, tolerance_mm)

    relative = positions - positions[0]
    along = relative @ normal
    offsets = np.column_stack([relative @ row, relative @ column])
    tilt_deg = 0.0
    if len(slices) > 1 and np.abs(offsets).max() > tolerance_mm:
        # least-squares line through the first slice: offsets = along * slope
        slope = (along @ offsets) / (along @ along)
        residual = float(np.abs(offsets - np.outer(along, slope)).max())
        if residual > tolerance_mm:
            raise DicomSeriesError(
                f"{folder}: the slice positions do not lie on one straight line (in-plane offsets up to "
                f"{np.abs(offsets).max():.2f} mm, {residual:.2f} mm off the best line): not one stack"
            )
        tilt_deg = float(np.degrees(np.arctan(np.linalg.norm(slope))))
    else:
        offsets = np.zeros_like(offsets)

    steps = np.diff(along)
    step = float(np.median(steps)) if steps.size else 0.0
    missing, uneven = [], False
    for i, h in enumerate(steps):
        if abs(h - step) <= tolerance_mm:
            continue
        multiple = round(h / step)
        if multiple >= 2 and abs(h - multiple * step) <= multiple * tolerance_mm:
            missing.append((i, multiple - 1))
        else:
            uneven = True
    pixel_spacing = [float(v) for v in slices[0].dataset.PixelSpacing]
    return Stack(slices=slices, row=row, column=column, normal=normal,
                 pixel_spacing_xy=(pixel_spacing[1], pixel_spacing[0]), origin=positions[0], along=along,
                 offsets=offsets, tilt_deg=tilt_deg, missing=missing, uneven=uneven, step_mm=step,
                 warnings=warnings)


def _drop_duplicates(folder: Path, slices: list[SliceFile], positions: np.ndarray, normal: np.ndarray,
                     tolerance_mm: float) -> tuple[list[SliceFile], np.ndarray, list[str]]:
    """Drop second copies of one instance (same SOPInstanceUID); refuse two slices at one place."""
    keep = [0]
    dropped = []
    for k in range(1, len(slices)):
        previous = keep[-1]
        if abs(float((positions[k] - positions[previous]) @ normal)) >= tolerance_mm:
            keep.append(k)
            continue
        a, b = slices[previous], slices[k]
        uid_a, uid_b = str(a.dataset.get("SOPInstanceUID", "")), str(b.dataset.get("SOPInstanceUID", ""))
        if uid_a and uid_a == uid_b:
            dropped.append(b.path.name)
            continue
        count = int(np.sum(np.abs(np.diff(positions @ normal)) < tolerance_mm))
        raise DicomSeriesError(
            f"{folder}: duplicate slice position {float(positions[k] @ normal):.3f} mm along the normal in "
            f"{a.path.name} and {b.path.name} ({count} duplicate pair(s)); two acquisitions mixed in one series?"
        )
    warnings = []
    if dropped:
        warnings.append(f"ignored {len(dropped)} duplicate file(s) of the same instance: {', '.join(dropped[:5])}"
                        + (" ..." if len(dropped) > 5 else ""))
    return [slices[k] for k in keep], positions[keep], warnings
