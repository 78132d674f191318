"""Lesion geometry from the masks: distance to the inner skull and solidity.

Paper 002 (section 2.2.3) reports irregular haematomas and haematomas close to the skull as
subgroups. The phantom knows these flags by construction; for real data they are measured here
from the reference lesion mask and the brain mask (``{R}/brain/{case}.nii.gz``), so the
subgroup tables do not depend on a label someone typed:

- ``distance_to_inner_skull_mm``: the smallest distance from a lesion voxel centre to the
  nearest voxel centre outside the brain mask (the inner table of the skull bounds the brain
  mask), in mm with the image spacing, in 3D (``scipy.ndimage.distance_transform_edt`` with
  ``sampling``). A lesion voxel outside the brain mask has distance 0. Measured between voxel
  centres, the distance exceeds the distance to the boundary surface by up to half a voxel; the
  edge of the field of view is not a boundary (a brain mask cut by the last slice does not make
  the lesion "near the skull").
- ``solidity``: lesion voxels / voxels of their 3D convex hull rasterised on the grid
  (:func:`lesionbench.phantom.solidity.solidity`, the measure the phantom's ``irregular`` flag
  uses), in (0, 1]; several disconnected components share one hull, so a fragmented lesion is
  irregular.
- ``near_skull``: distance <= ``near_skull_mm``; ``irregular``: solidity < ``irregular_solidity``
  (defaults 3 mm and 0.8, the phantom's).
"""

from __future__ import annotations

from pathlib import Path

import SimpleITK as sitk
from scipy import ndimage

from lesionbench.io import ImageFileError, read_mask, same_grid
from lesionbench.phantom.solidity import solidity
from lesionbench.typing import PathLike

#: Columns the evaluate stage adds when it is given the brain masks.
GEOMETRY_COLUMNS = ("distance_to_inner_skull_mm", "solidity", "near_skull_geom", "irregular_geom")
NEAR_SKULL_MM = 3.0
IRREGULAR_SOLIDITY = 0.8


def lesion_geometry(
    mask_path: PathLike, brain_path: PathLike, near_skull_mm: float = NEAR_SKULL_MM,
    irregular_solidity: float = IRREGULAR_SOLIDITY,
) -> dict[str, float | bool]:
    """Distance to the inner skull, solidity and the two subgroup flags of one lesion mask.

    Args:
        mask_path: lesion mask (non-zero is lesion).
        brain_path: brain mask on the same grid.
        near_skull_mm: distance threshold of ``near_skull`` in mm.
        irregular_solidity: solidity below which the lesion is ``irregular``.

    Returns:
        ``{"distance_to_inner_skull_mm", "solidity", "near_skull", "irregular"}``; an empty
        lesion gives NaN measures and False flags.

    Raises:
        FileNotFoundError: naming a missing file.
        ImageFileError: naming the files if they are not on the same grid, or the brain mask
            if it is empty or fills the whole image (no boundary to measure from).
    """
    for path in (mask_path, brain_path):
        if not Path(path).is_file():
            raise FileNotFoundError(f"{path}: mask file not found (lesion geometry)")
    lesion_image, brain_image = read_mask(mask_path), read_mask(brain_path)
    if not same_grid(lesion_image, brain_image):
        raise ImageFileError(f"{brain_path}: brain mask is not on the grid of {mask_path}")
    lesion = sitk.GetArrayViewFromImage(lesion_image).astype(bool)
    brain = sitk.GetArrayViewFromImage(brain_image).astype(bool)
    if not lesion.any():
        return {"distance_to_inner_skull_mm": float("nan"), "solidity": float("nan"),
                "near_skull": False, "irregular": False}
    if not brain.any():
        raise ImageFileError(f"{brain_path}: brain mask is empty; cannot measure the distance to the skull")
    if brain.all():
        raise ImageFileError(f"{brain_path}: brain mask fills the whole image; no inner-skull boundary")
    spacing_zyx = tuple(float(s) for s in reversed(lesion_image.GetSpacing()))
    depth = ndimage.distance_transform_edt(brain, sampling=spacing_zyx)  # 0 outside the brain
    distance = float(depth[lesion].min())
    value = solidity(lesion)
    return {"distance_to_inner_skull_mm": distance, "solidity": value,
            "near_skull": distance <= near_skull_mm, "irregular": value < irregular_solidity}
