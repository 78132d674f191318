"""How much reference lesion survives preprocessing: skull stripping and the brain crop.

A lesion voxel outside the brain mask is set to the background by skull stripping (the network
cannot see it) and one outside the crop box is cut away; both are counted on the resampled
grid, recorded in ``meta/{case}.json`` (``preprocess.lesion``), warned about in the log, and
tabulated per dataset in ``qc/preprocess.tsv`` (:mod:`lesionbench.preprocess.qc`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class LesionAccount:
    """Reference lesion voxels on the resampled grid, and where they went.

    Attributes:
        voxel_ml: volume of one resampled voxel, mL.
        reference_voxels: lesion voxels after resampling.
        outside_brain_voxels: of those, outside the (dilated) brain mask while skull stripping
            is on (their intensities are replaced by the background).
        outside_crop_voxels: inside the brain (or not stripped) but outside the crop box.
    """

    voxel_ml: float
    reference_voxels: int
    outside_brain_voxels: int
    outside_crop_voxels: int

    @property
    def lost_voxels(self) -> int:
        return self.outside_brain_voxels + self.outside_crop_voxels

    @property
    def kept_voxels(self) -> int:
        return self.reference_voxels - self.lost_voxels

    def to_dict(self) -> dict[str, Any]:
        """Voxel counts and volumes (mL, rounded to 1e-4) for ``meta["preprocess"]["lesion"]``."""
        ml = lambda voxels: round(voxels * self.voxel_ml, 4)  # noqa: E731
        return {
            "reference_voxels": self.reference_voxels, "reference_ml": ml(self.reference_voxels),
            "kept_voxels": self.kept_voxels, "kept_ml": ml(self.kept_voxels),
            "lost_voxels": self.lost_voxels, "lost_ml": ml(self.lost_voxels),
            "outside_brain_voxels": self.outside_brain_voxels, "outside_brain_ml": ml(self.outside_brain_voxels),
            "outside_crop_voxels": self.outside_crop_voxels, "outside_crop_ml": ml(self.outside_crop_voxels),
        }

    def warnings(self) -> list[str]:
        """One sentence per cause of loss (empty when nothing was lost)."""
        out = []
        if self.outside_brain_voxels:
            out.append(f"{self.outside_brain_voxels} reference lesion voxel(s) "
                       f"({self.outside_brain_voxels * self.voxel_ml:.3f} mL) lie outside the brain mask and were "
                       "skull-stripped (consider preprocess.brain_dilation_mm)")
        if self.outside_crop_voxels:
            out.append(f"{self.outside_crop_voxels} reference lesion voxel(s) "
                       f"({self.outside_crop_voxels * self.voxel_ml:.3f} mL) lie outside the crop box "
                       "(consider preprocess.crop_margin_mm)")
        return out


def account_lesion(mask_zyx: np.ndarray, brain_zyx: np.ndarray, box: tuple[slice, slice, slice],
                   spacing_xyz: tuple[float, float, float], stripped: bool) -> LesionAccount:
    """Count the lesion voxels that stripping (if ``stripped``) and the crop ``box`` remove.

    Args:
        mask_zyx: resampled reference mask (nonzero = lesion).
        brain_zyx: resampled (dilated) brain mask.
        box: the crop, ``(z, y, x)`` slices.
        spacing_xyz: resampled spacing, mm.
        stripped: whether voxels outside the brain are set to the background.
    """
    lesion = np.asarray(mask_zyx) > 0
    visible = lesion & (np.asarray(brain_zyx) > 0) if stripped else lesion
    in_box = np.zeros_like(lesion)
    in_box[box] = True
    return LesionAccount(
        voxel_ml=float(np.prod(spacing_xyz)) / 1000.0,
        reference_voxels=int(lesion.sum()),
        outside_brain_voxels=int((lesion & ~visible).sum()),
        outside_crop_voxels=int((visible & ~in_box).sum()),
    )
