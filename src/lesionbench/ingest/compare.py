"""Compare a converted volume with a reference NIfTI (e.g. dcm2niix's) voxel by voxel.

Used by ``benchmarks/dicom_vs_dcm2niix.py`` to say how far ingest is from the field's
reference converter: whether both volumes sample the same world points, how far apart their
corners are, and how much their values differ.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import nibabel as nib
import numpy as np
import SimpleITK as sitk

from lesionbench.typing import PathLike

_LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])


@dataclass(frozen=True)
class Agreement:
    """How a volume agrees with a reference.

    Attributes:
        same_grid: both sample the same world points (an axis permutation / flip of each other).
        corner_distance_mm: largest distance from one of our 8 corner voxels to the nearest
            reference corner (mm).
        max_abs_hu, mean_abs_hu: largest and mean absolute value difference over the compared
            voxels (HU; NaN if the grids differ).
        within_1hu: fraction of compared voxels within 1 HU.
        compared: number of voxels compared.
    """

    same_grid: bool
    corner_distance_mm: float
    max_abs_hu: float
    mean_abs_hu: float
    within_1hu: float
    compared: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def index_affine(image: sitk.Image) -> np.ndarray:
    """``(4, 4)`` map from voxel index ``(x, y, z)`` to LPS mm."""
    affine = np.eye(4)
    affine[:3, :3] = np.array(image.GetDirection()).reshape(3, 3) * np.array(image.GetSpacing())
    affine[:3, 3] = image.GetOrigin()
    return affine


def reference_on_our_grid(image: sitk.Image, reference: nib.Nifti1Image) -> np.ndarray | None:
    """The reference's voxels reordered to ours, ``(x, y, z)``; ``None`` if the grids differ."""
    ref_affine = _LPS_TO_RAS @ reference.affine  # nibabel affines are RAS
    mapping = np.linalg.inv(ref_affine) @ index_affine(image)  # our index -> their index
    if not np.allclose(mapping, np.round(mapping), atol=1e-3):
        return None
    mapping = np.round(mapping).astype(int)
    if np.count_nonzero(mapping[:3, :3]) != 3:
        return None
    axes = [int(np.flatnonzero(mapping[:3, a])[0]) for a in range(3)]
    size = image.GetSize()
    if sorted(axes) != [0, 1, 2] or tuple(reference.shape[a] for a in axes) != size:
        return None
    values = reference.get_fdata(dtype=np.float32).transpose(axes)
    for a in range(3):
        sign, offset = mapping[axes[a], a], mapping[axes[a], 3]
        if (sign, offset) == (-1, size[a] - 1):
            values = np.flip(values, axis=a)
        elif (sign, offset) != (1, 0):
            return None
    return values


def compare_to_nifti(image: sitk.Image, reference_path: PathLike, exclude: np.ndarray | None = None) -> Agreement:
    """Compare ``image`` with the NIfTI at ``reference_path``.

    Args:
        image: our volume (any SimpleITK scalar type).
        reference_path: the reference NIfTI (scaled by its slope/intercept).
        exclude: ``(x, y, z)`` bool array of our voxels not to compare (e.g. padding).
    """
    reference = nib.load(str(reference_path))
    ref_affine = _LPS_TO_RAS @ reference.affine
    size = image.GetSize()
    corners = np.array([[i, j, k, 1.0] for i in (0, size[0] - 1) for j in (0, size[1] - 1) for k in (0, size[2] - 1)])
    ref_shape = reference.shape[:3]
    ref_corners = np.array([[i, j, k, 1.0] for i in (0, ref_shape[0] - 1) for j in (0, ref_shape[1] - 1)
                            for k in (0, ref_shape[2] - 1)])
    ours_world = (index_affine(image) @ corners.T).T[:, :3]
    ref_world = (ref_affine @ ref_corners.T).T[:, :3]
    distance = max(float(np.min(np.linalg.norm(ref_world - p, axis=1))) for p in ours_world)
    theirs = reference_on_our_grid(image, reference)
    if theirs is None:
        return Agreement(False, distance, float("nan"), float("nan"), float("nan"), 0)
    ours = sitk.GetArrayFromImage(image).transpose(2, 1, 0).astype(np.float32)
    diff = np.abs(ours - theirs)
    if exclude is not None:
        diff = diff[~exclude]
    diff = diff.ravel()
    return Agreement(True, distance, float(diff.max()), float(diff.mean()), float(np.mean(diff <= 1.0)),
                     int(diff.size))
