"""What ``lesionbench segment INPUT`` finds to segment: one case per scan.

INPUT may be:

- a DICOM series folder (files directly inside it are DICOM): one case, named after the folder;
- an image file SimpleITK reads (NIfTI, NRRD, MHA/MHD, PNG, JPEG, TIFF): one case, named after
  the file without its suffixes (``ct.nii.gz`` -> ``ct``);
- a folder of any of these: one case per DICOM sub-folder and per image file, named after it
  (``new_scans/patient1/*.dcm`` -> ``patient1``). Other files are cases that fail with a clear
  message (so a stray ``notes.txt`` is reported, not silently skipped); hidden files are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lesionbench.typing import PathLike

#: Suffixes of single-file images (lower case; compound suffixes first).
IMAGE_SUFFIXES = (".nii.gz", ".nii", ".nrrd", ".nhdr", ".mha", ".mhd", ".png", ".jpg", ".jpeg", ".tif", ".tiff")


class SegmentInputError(ValueError):
    """INPUT holds nothing to segment, or two scans would write the same outputs."""


@dataclass(frozen=True)
class ScanInput:
    """One case to segment.

    Attributes:
        name: the case name, which names its outputs.
        path: the DICOM folder or the image file.
        kind: ``"dicom"``, ``"image"`` or ``"unknown"`` (a file that is neither: it fails).
    """

    name: str
    path: Path
    kind: str


def image_stem(path: Path) -> str | None:
    """``path``'s name without its image suffix, or ``None`` if it has none of :data:`IMAGE_SUFFIXES`."""
    lower = path.name.lower()
    for suffix in IMAGE_SUFFIXES:
        if lower.endswith(suffix) and len(lower) > len(suffix):
            return path.name[: -len(suffix)]
    return None


def looks_like_dicom(path: Path) -> bool:
    """Whether a file is DICOM: the ``DICM`` magic after the 128-byte preamble."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(132)
    except OSError:
        return False
    return len(head) == 132 and head[128:132] == b"DICM"


def is_dicom_folder(folder: Path) -> bool:
    """Whether any visible file directly in ``folder`` is DICOM."""
    return any(looks_like_dicom(p) for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith("."))


def find_scans(input_path: PathLike) -> list[ScanInput]:
    """The cases under INPUT, in name order.

    Raises:
        FileNotFoundError: INPUT does not exist.
        SegmentInputError: INPUT holds no scan, or two scans share a name (``a.nii`` and ``a.nii.gz``).
    """
    path = Path(input_path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    if path.is_file():
        stem = image_stem(path)
        if stem is None:
            kind = "dicom-file" if looks_like_dicom(path) else "unknown"
            if kind == "dicom-file":
                raise SegmentInputError(f"{path}: a single DICOM file; give the folder of its series")
            raise SegmentInputError(f"{path}: not an image file (suffixes read: {', '.join(IMAGE_SUFFIXES)})")
        return [ScanInput(stem, path, "image")]
    if is_dicom_folder(path):
        return [ScanInput(path.resolve().name, path, "dicom")]
    scans = []
    for entry in sorted(path.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            if any(entry.iterdir()):
                scans.append(ScanInput(entry.name, entry, "dicom"))  # not DICOM: its conversion says so
        else:
            stem = image_stem(entry)
            scans.append(ScanInput(stem or entry.name, entry, "image" if stem else "unknown"))
    if not scans:
        raise SegmentInputError(f"{path}: no scan found (an empty folder)")
    names = [scan.name for scan in scans]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise SegmentInputError(f"{path}: several scans are named {repeated} (their outputs would collide); rename them")
    return scans
