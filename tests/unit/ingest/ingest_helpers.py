"""Helpers shared by the ingest tests (a plainly named module, not conftest, so imports are unambiguous)."""

from __future__ import annotations

from pathlib import Path


def datasets_by_z(folder: Path):
    """``[(path, dataset)]`` of a series folder, ordered by ImagePositionPatient z."""
    import pydicom

    items = [(p, pydicom.dcmread(p)) for p in sorted(folder.glob("*.dcm"))]
    return sorted(items, key=lambda item: float(item[1].ImagePositionPatient[2]))
