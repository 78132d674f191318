"""Settings of the CT brain mask (HU thresholds and morphology radii)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class BrainMaskSettings:
    """Thresholds (HU) and radii (mm) of :func:`lesionbench.brainmask.ct_brain_mask`.

    Attributes:
        tissue_hu: ``[low, high]`` HU of intracranial soft tissue. The default
            ``[-15, 100]`` keeps CSF (0-15 HU), grey/white matter (25-45 HU) and acute
            hematoma (50-90 HU) and excludes fat, air and bone.
        bone_hu: voxels at or above this value (HU) are bone (the skull).
        closing_mm: radius (mm) of the in-plane closing that seals gaps in the skull shell
            (sutures, thin bone, partial volume) before the cranial cavity is filled.
        erosion_mm: radius (mm) of the in-plane erosion that cuts thin bridges (foramina,
            optic canals) between the brain and other soft tissue before the largest
            connected component is kept.
        rim_mm: width (mm, rounded up to whole pixels) of the partial-volume rim added
            along the inner table: voxels there mix tissue and bone and read above
            ``tissue_hu``; thick slices cutting the table obliquely widen it in-plane.
        rim_hu: upper HU of that rim. ``None``: half way between the median HU of the grown
            region and the 99th percentile of bone (the half-maximum edge of the inner table).
    """

    tissue_hu: tuple[float, float] = (-15.0, 100.0)
    bone_hu: float = 300.0
    closing_mm: float = 3.0
    erosion_mm: float = 2.0
    rim_mm: float = 2.0
    rim_hu: float | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> BrainMaskSettings:
        """Build from a config mapping; unknown keys and bad values raise ``ValueError``."""
        data = dict(data or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"brain mask settings: unknown key(s) {unknown}; valid keys are {sorted(known)}")
        if "tissue_hu" in data:
            values = data["tissue_hu"]
            if not isinstance(values, (list, tuple)) or len(values) != 2:
                raise ValueError(f"brain mask settings: tissue_hu must be [low, high] HU, got {values!r}")
            data["tissue_hu"] = (float(values[0]), float(values[1]))
        for key in ("bone_hu", "closing_mm", "erosion_mm", "rim_mm"):
            if key in data:
                data[key] = float(data[key])
        if data.get("rim_hu") is not None:
            data["rim_hu"] = float(data["rim_hu"])
        settings = cls(**data)
        low, high = settings.tissue_hu
        if not low < high:
            raise ValueError(f"brain mask settings: tissue_hu low ({low}) must be below high ({high})")
        if settings.bone_hu <= high:
            raise ValueError(
                f"brain mask settings: bone_hu ({settings.bone_hu}) must be above the tissue range ({high})"
            )
        if min(settings.closing_mm, settings.erosion_mm, settings.rim_mm) < 0:
            raise ValueError("brain mask settings: closing_mm, erosion_mm and rim_mm must be >= 0")
        if settings.rim_hu is not None and settings.rim_hu <= high:
            raise ValueError(f"brain mask settings: rim_hu ({settings.rim_hu}) must be above the tissue range ({high})")
        return settings

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (for provenance)."""
        return {"tissue_hu": list(self.tissue_hu), "bone_hu": self.bone_hu,
                "closing_mm": self.closing_mm, "erosion_mm": self.erosion_mm,
                "rim_mm": self.rim_mm, "rim_hu": self.rim_hu}
