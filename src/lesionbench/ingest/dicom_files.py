"""Find the DICOM image files of a folder and group them by series (pydicom).

A folder may hold files that are not DICOM (ignored), DICOM files that are not images
(a DICOMDIR, a structured report such as a dose report: ignored) and several image series
(grouped here; :mod:`lesionbench.ingest.series_select` picks one). A file that claims to be a
DICOM image but cannot be read, or whose header is cut short, is an error naming the file: a
truncated file must never silently drop a slice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pydicom
from pydicom.errors import InvalidDicomError
from pydicom.uid import UID

from lesionbench.io import ImageFileError
from lesionbench.typing import PathLike

#: Header elements every slice of a volume needs (images without them are not volume slices).
GEOMETRY_KEYWORDS = ("ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing", "Rows", "Columns")


class DicomFileError(ImageFileError):
    """One DICOM file is truncated, corrupt or cannot be decoded (the message names it)."""


class DicomSeriesError(ImageFileError):
    """A series cannot be stacked into a volume (the message names the folder and the problem)."""


@dataclass
class SliceFile:
    """One image file of a series; ``dataset`` has its pixel data deferred."""

    path: Path
    dataset: pydicom.Dataset


@dataclass
class FolderScan:
    """What a folder holds: image files by SeriesInstanceUID, and what was ignored."""

    folder: Path
    series: dict[str, list[SliceFile]] = field(default_factory=dict)
    non_dicom: int = 0
    non_image: int = 0

    def warnings(self) -> list[str]:
        notes = []
        if self.non_dicom:
            notes.append(f"ignored {self.non_dicom} file(s) that are not DICOM Part 10 files")
        if self.non_image:
            notes.append(f"ignored {self.non_image} DICOM file(s) that hold no image (e.g. DICOMDIR, "
                         "structured reports)")
        return notes


def scan_folder(folder: PathLike) -> FolderScan:
    """Read the headers of every file directly in ``folder`` and group the image files.

    Raises:
        FileNotFoundError: if ``folder`` is not a folder.
        DicomFileError: naming a file that starts like DICOM but is corrupt or truncated.
        DicomSeriesError: if the folder holds no DICOM image.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such DICOM folder")
    scan = FolderScan(folder)
    examined = 0
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        examined += 1
        dataset = read_header(path)
        if dataset is None:
            scan.non_dicom += 1
        elif not _is_image(path, dataset):
            scan.non_image += 1
        else:
            uid = str(dataset.get("SeriesInstanceUID", ""))
            scan.series.setdefault(uid, []).append(SliceFile(path, dataset))
    if not scan.series:
        raise DicomSeriesError(
            f"{folder}: no DICOM image found among {examined} file(s)"
            + (f" ({'; '.join(scan.warnings())})" if scan.warnings() else "")
        )
    return scan


def read_header(path: Path) -> pydicom.Dataset | None:
    """The dataset of ``path`` with pixel data deferred, or ``None`` if it is not DICOM.

    Raises:
        DicomFileError: if the file starts like DICOM but its header cannot be read.
    """
    try:
        dataset = pydicom.dcmread(path, defer_size="1 KB")
    except InvalidDicomError:
        return None
    except Exception as error:  # pydicom raises many types on corrupt input
        raise DicomFileError(f"{path}: corrupt DICOM file ({type(error).__name__}: {error})") from error
    meta = getattr(dataset, "file_meta", None)
    if meta is None or "TransferSyntaxUID" not in meta or "MediaStorageSOPClassUID" not in meta:
        raise DicomFileError(f"{path}: truncated or corrupt DICOM file (incomplete file meta information)")
    return dataset


def _is_image(path: Path, dataset: pydicom.Dataset) -> bool:
    """Whether the file is an image; an image storage class without pixel data is corrupt."""
    sop_class = UID(str(dataset.file_meta.MediaStorageSOPClassUID))
    claims_image = "Image Storage" in sop_class.name
    has_pixels = any(k in dataset for k in ("PixelData", "FloatPixelData", "DoubleFloatPixelData"))
    if claims_image and not has_pixels:
        raise DicomFileError(
            f"{path}: truncated or corrupt DICOM file ({sop_class.name} without pixel data; "
            f"the header ends after {len(dataset)} elements)"
        )
    return has_pixels
