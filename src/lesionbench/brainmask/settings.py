"""Settings of the CT brain mask (HU thresholds and morphology radii)."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field, model_validator

from lesionbench.config import Number, Settings

NonNegative = Annotated[Number, Field(ge=0.0)]


class BrainMaskSettings(Settings):
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

    WHERE: ClassVar[str] = "brain_mask"

    tissue_hu: tuple[Number, Number] = (-15.0, 100.0)
    bone_hu: Number = 300.0
    closing_mm: NonNegative = 3.0
    erosion_mm: NonNegative = 2.0
    rim_mm: NonNegative = 2.0
    rim_hu: Number | None = None

    @model_validator(mode="after")
    def _ordered_thresholds(self) -> BrainMaskSettings:
        low, high = self.tissue_hu
        if not low < high:
            raise ValueError(f"tissue_hu low ({low}) must be below high ({high})")
        if self.bone_hu <= high:
            raise ValueError(f"bone_hu ({self.bone_hu}) must be above the tissue range ({high})")
        if self.rim_hu is not None and self.rim_hu <= high:
            raise ValueError(f"rim_hu ({self.rim_hu}) must be above the tissue range ({high})")
        return self
