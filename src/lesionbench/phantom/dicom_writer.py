"""Write a phantom volume as a CT Image Storage series with pydicom (one file per slice).

Stored pixels are int16 with RescaleSlope 1 and RescaleIntercept -1024 (stored = HU + 1024,
clipped to the int16 range), explicit VR little endian, complete patient geometry. The
series is written into a temporary folder and renamed into place, so a folder named after
the case is always complete.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, PYDICOM_IMPLEMENTATION_UID, generate_uid

from lesionbench import __version__
from lesionbench.phantom.grid import Grid
from lesionbench.typing import PathLike

RESCALE_INTERCEPT = -1024.0
_INT16 = np.iinfo(np.int16)


@dataclass(frozen=True)
class SeriesUIDs:
    """Deterministic UIDs of one series (``generate_uid`` with entropy sources)."""

    study: str
    series: str
    frame_of_reference: str
    sop_entropy: tuple[str, ...]

    @classmethod
    def for_case(cls, seed: int, index: int) -> "SeriesUIDs":
        base = ("lesionbench-phantom", str(seed), str(index))
        return cls(
            study=generate_uid(entropy_srcs=[*base, "study"]),
            series=generate_uid(entropy_srcs=[*base, "series"]),
            frame_of_reference=generate_uid(entropy_srcs=[*base, "frame-of-reference"]),
            sop_entropy=base,
        )

    def sop(self, slice_index: int) -> str:
        return generate_uid(entropy_srcs=[*self.sop_entropy, "sop", str(slice_index)])


def hu_to_stored(hu_zyx: np.ndarray) -> np.ndarray:
    """HU (float) -> stored int16: ``round(HU) + 1024`` clipped to the int16 range."""
    stored = np.rint(np.asarray(hu_zyx, np.float64)) - RESCALE_INTERCEPT
    return np.clip(stored, _INT16.min, _INT16.max).astype("<i2")


def write_ct_series(out_dir: PathLike, hu_zyx: np.ndarray, grid: Grid, uids: SeriesUIDs,
                    identifiers: Mapping[str, str], file_order: Sequence[int],
                    window: tuple[float, float] = (40.0, 80.0),
                    description: str = "lesionbench head CT phantom") -> list[Path]:
    """Write ``hu_zyx`` as ``out_dir/IM0000.dcm ...``, replacing any previous series there.

    Args:
        out_dir: the series folder (created; an existing one is replaced).
        hu_zyx: ``(Z, Y, X)`` HU on ``grid``; slice ``k`` lies at ``grid.slice_positions()[k]``.
        grid: geometry (z of ImagePositionPatient increases with ``k``).
        uids: study, series and frame-of-reference UIDs; SOP UIDs derive from it.
        identifiers: patient-identifying fields (fake for the phantom), keyword -> value.
        file_order: file ``j`` (``IM{j:04d}.dcm``, InstanceNumber ``j + 1``) holds slice
            ``file_order[j]``: a permutation makes InstanceNumber disagree with position.
        window: ``(center, width)`` HU of the default display window.
        description: SeriesDescription.

    Returns:
        The written file paths, in file order.
    """
    out_dir = Path(out_dir)
    if sorted(file_order) != list(range(grid.shape_zyx[0])):
        raise ValueError(f"file_order must be a permutation of range({grid.shape_zyx[0]})")
    stored = hu_to_stored(hu_zyx)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        names = []
        positions = grid.slice_positions()
        for j, k in enumerate(file_order):
            ds = _slice_dataset(stored[k], grid, positions[k], uids, uids.sop(k), j + 1,
                                identifiers, window, description)
            name = f"IM{j:04d}.dcm"
            ds.save_as(tmp / name, enforce_file_format=True)
            names.append(name)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(tmp, out_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return [out_dir / name for name in names]


def _slice_dataset(pixels: np.ndarray, grid: Grid, position: tuple[float, float, float], uids: SeriesUIDs,
                   sop_uid: str, instance_number: int, identifiers: Mapping[str, str],
                   window: tuple[float, float], description: str) -> FileDataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    meta.ImplementationVersionName = f"LESIONBENCH_{__version__}"[:16]

    ds = FileDataset("", {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = sop_uid
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = "20200101"
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = "120000"
    ds.Modality = "CT"
    ds.Manufacturer = "lesionbench"
    ds.ManufacturerModelName = "procedural head CT phantom"
    ds.SeriesDescription = description
    ds.StudyDescription = "HEAD PHANTOM"
    for keyword, value in identifiers.items():
        setattr(ds, keyword, value)
    ds.PatientSex = "O"
    ds.BodyPartExamined = "HEAD"
    ds.PatientPosition = "HFS"
    ds.KVP = 120
    ds.StudyInstanceUID = uids.study
    ds.SeriesInstanceUID = uids.series
    ds.FrameOfReferenceUID = uids.frame_of_reference
    ds.PositionReferenceIndicator = ""
    ds.StudyID = "1"
    ds.SeriesNumber = 1
    ds.AcquisitionNumber = 1
    ds.InstanceNumber = instance_number
    ds.ImagePositionPatient = [float(v) for v in position]
    ds.ImageOrientationPatient = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
    ds.SliceLocation = float(position[2])
    ds.SliceThickness = float(grid.spacing[2])
    ds.SpacingBetweenSlices = float(grid.spacing[2])
    ds.PixelSpacing = [float(grid.spacing[1]), float(grid.spacing[0])]  # row spacing (y), column spacing (x)
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = int(pixels.shape[0]), int(pixels.shape[1])
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 1
    ds.RescaleIntercept = RESCALE_INTERCEPT
    ds.RescaleSlope = 1.0
    ds.RescaleType = "HU"
    ds.WindowCenter = float(window[0])
    ds.WindowWidth = float(window[1])
    ds.PixelData = np.ascontiguousarray(pixels, dtype="<i2").tobytes()
    return ds
