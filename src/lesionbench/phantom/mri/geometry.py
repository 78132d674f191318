"""Cohort geometries and the RAS voxel grid of the T1 MRI phantom.

Orientation convention: voxel ``(i, j, k)`` (NIfTI order, as nibabel indexes
``img.get_fdata()[i, j, k]``) lies at RAS millimetres ``origin + (i, j, k) * spacing``: ``i``
runs from the subject's left to right (R), ``j`` from posterior to anterior (A), ``k`` from
inferior to superior (S), so the axial axis is the last NIfTI axis and the file's affine is
``diag(spacing) + origin`` (RAS+, as MNI152 templates). In memory the arrays are SimpleITK's
``(z, y, x)`` = ``(k, j, i)``, so axis 0 is axial, as everywhere in the package; SimpleITK stores
the same geometry as LPS direction ``diag(-1, -1, 1)`` and writes the RAS affine itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import SimpleITK as sitk

from lesionbench.typing import SpacingXYZ

#: ``(x, y, z)`` voxel counts, as NIfTI and SimpleITK report a size.
ShapeXYZ = tuple[int, int, int]


@dataclass(frozen=True)
class Cohort:
    """The geometry and size of a public stroke cohort the phantom imitates.

    Attributes:
        name: the settings' ``cohort`` value.
        shape: full-resolution ``(x, y, z)`` voxels.
        spacing_mm: isotropic voxel size at full resolution.
        fov_center_ras: RAS (mm) of the field of view's centre in the phantom's MNI-like frame
            (brain centre near ``(0, -17, 18)``).
        cases: cases at paper scale.
        evaluation: how the paper evaluates on it (see :mod:`lesionbench.phantom.mri.cohort`).
    """

    name: str
    shape: ShapeXYZ
    spacing_mm: float
    fov_center_ras: tuple[float, float, float]
    cases: int
    evaluation: str

    @property
    def fov_mm(self) -> tuple[float, float, float]:
        """Field of view ``(x, y, z)`` mm at full resolution (voxel centres to centres + 1 voxel)."""
        return tuple(n * self.spacing_mm for n in self.shape)  # type: ignore[return-value]


#: ATLAS R2.0 (Liew et al., Sci Data 2018): 229 T1w training cases in MNI152 space, 1 mm,
#: 197 x 233 x 189 (MNI origin at voxel (98, 134, 72)); paper 003 holds out 20 %.
#: ISLES 2015 SISS (Maier et al., MedIA 2017): 28 training cases, 230 x 230 x 154 at 1 mm;
#: paper 003 (thesis section 3.5.1) uses 5-fold cross-validation.
COHORTS: dict[str, Cohort] = {
    "atlas": Cohort("atlas", (197, 233, 189), 1.0, (0.0, -18.0, 22.0), 229, "holdout_0.2"),
    "isles2015": Cohort("isles2015", (230, 230, 154), 1.0, (0.0, -17.0, 14.0), 28, "kfold_5"),
}


@dataclass(frozen=True)
class MriGrid:
    """A RAS voxel grid (module docstring) for arrays indexed ``(z, y, x)``.

    Attributes:
        shape_zyx: array shape ``(slices, rows, columns)`` = NIfTI ``(k, j, i)``.
        spacing: ``(x, y, z)`` mm.
        origin_ras: RAS (mm) of voxel ``(0, 0, 0)``.
    """

    shape_zyx: tuple[int, int, int]
    spacing: SpacingXYZ
    origin_ras: tuple[float, float, float]

    @classmethod
    def centred(cls, shape_xyz: ShapeXYZ, spacing_mm: float, center_ras: tuple[float, float, float]) -> MriGrid:
        """The isotropic grid of ``shape_xyz`` whose field of view is centred on ``center_ras``."""
        origin = tuple(round(c - (n - 1) / 2.0 * spacing_mm, 4) for c, n in zip(center_ras, shape_xyz))
        s = float(spacing_mm)
        return cls((shape_xyz[2], shape_xyz[1], shape_xyz[0]), (s, s, s), origin)  # type: ignore[arg-type]

    @property
    def shape_xyz(self) -> ShapeXYZ:
        """``(x, y, z)`` voxels (NIfTI order)."""
        return self.shape_zyx[2], self.shape_zyx[1], self.shape_zyx[0]

    @property
    def spacing_zyx(self) -> tuple[float, float, float]:
        """Spacing in array order (for scipy's ``sampling``)."""
        return self.spacing[2], self.spacing[1], self.spacing[0]

    @property
    def voxel_volume_ml(self) -> float:
        """Volume of one voxel (mL)."""
        return float(np.prod(self.spacing)) / 1000.0

    def axes_ras(self, box: tuple[slice, slice, slice] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """RAS coordinates (mm, float32) of the voxel centres along z, y and x, shaped to
        broadcast over ``(z, y, x)`` (``(Z, 1, 1)``, ``(1, Y, 1)``, ``(1, 1, X)``); ``box``
        restricts them to a sub-block of the array."""
        box = box or (slice(None),) * 3
        out = []
        for axis, (n, step, o) in enumerate(zip(self.shape_zyx, self.spacing_zyx, self.origin_ras[::-1])):
            values = (o + step * np.arange(n, dtype=np.float64))[box[axis]].astype(np.float32)
            shape = [1, 1, 1]
            shape[axis] = values.size
            out.append(values.reshape(shape))
        return out[0], out[1], out[2]

    def box_of(self, low_ras: np.ndarray, high_ras: np.ndarray, margin: int = 1) -> tuple[slice, slice, slice]:
        """The array block (``(z, y, x)`` slices, clipped to the grid) covering a RAS box."""
        low_zyx = (np.asarray(low_ras, float) - self.origin_ras)[::-1] / self.spacing_zyx
        high_zyx = (np.asarray(high_ras, float) - self.origin_ras)[::-1] / self.spacing_zyx
        out = []
        for lo, hi, n in zip(low_zyx, high_zyx, self.shape_zyx):
            start = int(np.clip(np.floor(min(lo, hi)) - margin, 0, n))
            stop = int(np.clip(np.ceil(max(lo, hi)) + margin + 1, start, n))
            out.append(slice(start, stop))
        return out[0], out[1], out[2]

    def affine_ras(self) -> np.ndarray:
        """The 4 x 4 voxel-to-RAS affine the written NIfTI carries (nibabel's ``img.affine``)."""
        affine = np.diag([*self.spacing, 1.0])
        affine[:3, 3] = self.origin_ras
        return affine

    def to_image(self, array_zyx: np.ndarray) -> sitk.Image:
        """A SimpleITK image of ``array_zyx`` on this grid (LPS direction ``diag(-1, -1, 1)``)."""
        if tuple(array_zyx.shape) != tuple(self.shape_zyx):
            raise ValueError(f"array of shape {array_zyx.shape} does not fit the grid {self.shape_zyx}")
        image = sitk.GetImageFromArray(array_zyx)
        image.SetSpacing(tuple(float(s) for s in self.spacing))
        x, y, z = self.origin_ras
        image.SetOrigin((-float(x), -float(y), float(z)))
        image.SetDirection((-1.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 1.0))
        return image
