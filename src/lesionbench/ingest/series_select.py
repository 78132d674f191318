"""Pick the series to read from a folder holding several, by a configurable rule.

A study folder often holds, besides the axial head series, a localizer (scout), a dose report
(a secondary capture or a structured report), reformats in other planes or a second kernel.
:data:`RULES` maps a rule name to a function that picks one series among the candidates or
raises naming the folder and the candidates. Candidates are described in errors and in
``meta["source"]["other_series"]`` by series number, modality, size, plane and image type
only: SeriesDescription and the UIDs are in PS3.15 Table E.1-1 and never reach an output.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydicom.uid import UID

from lesionbench.ingest.dicom_files import (
    GEOMETRY_KEYWORDS,
    DicomSeriesError,
    FolderScan,
    SliceFile,
)

#: ImageType values of scout / localizer images (CT: LOCALIZER; Siemens topograms; others).
LOCALIZER_TYPES = frozenset({"LOCALIZER", "SCOUT", "TOPOGRAM", "SCANOGRAM", "SURVIEW"})
#: ImageType values of dose pages and screen captures.
DOSE_TYPES = frozenset({"DOSE_INFO", "DOSE REPORT", "DOSE_REPORT", "SCREEN SAVE", "SCREENSHOT"})
_PLANES = ("sagittal", "coronal", "axial")  # by the largest component of the slice normal (LPS x, y, z)


@dataclass
class SeriesCandidate:
    """One image series of a folder, classified."""

    uid: str
    files: list[SliceFile]
    number: int | None
    modality: str
    image_type: list[str]
    plane: str | None
    skip_reason: str | None

    @property
    def label(self) -> str:
        """How errors name the series: number, modality, size and plane (no identifying field)."""
        number = "?" if self.number is None else self.number
        return f"series {number} ({self.modality or '?'}, {len(self.files)} image(s), {self.plane or 'no geometry'})"

    def summary(self, why_not: str) -> dict[str, Any]:
        """JSON-ready description for ``other_series`` in the metadata."""
        return {"series_number": self.number, "modality": self.modality, "n_images": len(self.files),
                "plane": self.plane, "image_type": self.image_type, "not_read_because": why_not}


def describe(scan: FolderScan) -> list[SeriesCandidate]:
    """Classify every series of ``scan``; ``skip_reason`` says why ``largest_axial`` ignores it."""
    candidates = []
    for uid, files in scan.series.items():
        first = files[0].dataset
        image_type = [str(v).upper() for v in (first.get("ImageType") or [])]
        plane = _plane(first)
        sop_class = UID(str(first.file_meta.MediaStorageSOPClassUID))
        if LOCALIZER_TYPES & set(image_type):
            reason = "localizer (scout)"
        elif DOSE_TYPES & set(image_type):
            reason = "dose report"
        elif "Secondary Capture" in sop_class.name:
            reason = "secondary capture"
        elif plane is None:
            reason = "no patient geometry"
        elif plane != "axial":
            reason = f"{plane}, not axial"
        else:
            reason = None
        number = first.get("SeriesNumber")
        candidates.append(SeriesCandidate(
            uid=uid, files=files, number=None if number in (None, "") else int(number),
            modality=str(first.get("Modality", "")), image_type=image_type, plane=plane, skip_reason=reason))
    return sorted(candidates, key=lambda c: (c.number is None, c.number or 0, c.uid))


def select_series(scan: FolderScan, rule: str | Mapping[str, Any]) -> tuple[SeriesCandidate, list[dict[str, Any]]]:
    """The series ``rule`` picks, and summaries of the others (why each was not read).

    Args:
        scan: the folder's image files by series.
        rule: ``"largest_axial"`` or ``{"description" | "uid" | "number": value}``.

    Raises:
        DicomSeriesError: naming the folder if no series or several series fit the rule.
    """
    name, value = check_rule(rule)
    candidates = describe(scan)
    chosen = RULES[name](scan, candidates, value)
    others = []
    for candidate in candidates:
        if candidate is chosen:
            continue
        if candidate.skip_reason and name == "largest_axial":
            why = candidate.skip_reason
        elif name == "largest_axial":
            why = f"smaller than the series read ({len(candidate.files)} < {len(chosen.files)} images)"
        else:
            why = f"not selected by the series rule {name!r}"
        others.append(candidate.summary(why))
    return chosen, others


def check_rule(rule: Any) -> tuple[str, Any]:
    """``(name, value)`` of a series rule; ``ValueError`` naming the valid forms otherwise."""
    forms = ("'largest_axial', {'description': REGEX}, {'uid': UID} or {'number': N}")
    if rule == "largest_axial":
        return "largest_axial", None
    if not isinstance(rule, Mapping) or len(rule) != 1 or next(iter(rule)) not in RULES:
        raise ValueError(f"series must be {forms}, got {rule!r}")
    name, value = next(iter(rule.items()))
    if name == "largest_axial":
        raise ValueError(f"series must be {forms}, got {rule!r}")
    if name == "description":
        try:
            re.compile(str(value))
        except re.error as error:
            raise ValueError(f"series description {value!r} is not a valid regex ({error})") from error
    if name == "number" and (isinstance(value, bool) or not isinstance(value, int)):
        raise ValueError(f"series number must be an integer, got {value!r}")
    return name, value


def _largest_axial(scan: FolderScan, candidates: list[SeriesCandidate], _: Any) -> SeriesCandidate:
    eligible = [c for c in candidates if c.skip_reason is None]
    if not eligible:
        listing = "; ".join(f"{c.label}: {c.skip_reason}" for c in candidates)
        raise DicomSeriesError(f"{scan.folder}: no axial image series to read ({listing})")
    size = max(len(c.files) for c in eligible)
    largest = [c for c in eligible if len(c.files) == size]
    if len(largest) > 1:
        raise DicomSeriesError(
            f"{scan.folder}: {len(largest)} axial series of the same size ({size} images): "
            + ", ".join(c.label for c in largest)
            + "; choose one with the ingest setting series: {'number': N}, {'description': REGEX} or {'uid': UID}"
        )
    return largest[0]


def _matching(what: str, test: Callable[[SeriesCandidate, Any], bool]) -> Callable[..., SeriesCandidate]:
    """A picker for the one series whose ``what`` passes ``test(candidate, value)``."""

    def pick(scan: FolderScan, candidates: list[SeriesCandidate], value: Any) -> SeriesCandidate:
        found = [c for c in candidates if test(c, value)]
        if len(found) != 1:
            listing = ", ".join(c.label for c in (found or candidates))
            problem = "no series" if not found else f"{len(found)} series"
            raise DicomSeriesError(f"{scan.folder}: {problem} with the {what} given in the series rule "
                                   f"(candidates: {listing})")
        return found[0]

    return pick


#: rule name -> picker(scan, candidates, value) -> candidate.
RULES: dict[str, Callable[[FolderScan, list[SeriesCandidate], Any], SeriesCandidate]] = {
    "largest_axial": _largest_axial,
    "description": _matching("SeriesDescription", lambda c, v: re.search(
        str(v), str(c.files[0].dataset.get("SeriesDescription", ""))) is not None),
    "uid": _matching("SeriesInstanceUID", lambda c, v: c.uid == str(v)),
    "number": _matching("SeriesNumber", lambda c, v: c.number == int(v)),
}


def _plane(dataset: Any) -> str | None:
    if not all(keyword in dataset for keyword in GEOMETRY_KEYWORDS):
        return None
    iop = np.array([float(v) for v in dataset.ImageOrientationPatient])
    normal = np.cross(iop[:3], iop[3:])
    if not np.linalg.norm(normal) > 0:
        return None
    return _PLANES[int(np.argmax(np.abs(normal)))]
