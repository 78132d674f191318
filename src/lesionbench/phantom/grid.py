"""The voxel grid of a phantom series: the geometry the DICOM files and the masks share."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import SimpleITK as sitk

from lesionbench.typing import SpacingXYZ


@dataclass(frozen=True)
class Grid:
    """An axial grid with identity direction (ImageOrientationPatient ``[1,0,0,0,1,0]``).

    Attributes:
        shape_zyx: ``(slices, rows, columns)``.
        spacing: ``(x, y, z)`` mm: column spacing, row spacing, slice step.
        origin: ``(x, y, z)`` mm, LPS: the ImagePositionPatient of the lowest slice.

    Every value is rounded to a decimal that a DICOM DS string (16 characters) carries
    exactly, so :func:`lesionbench.ingest.dicom_to_image` gets back the same floats.
    """

    shape_zyx: tuple[int, int, int]
    spacing: SpacingXYZ
    origin: tuple[float, float, float]

    def slice_positions(self) -> list[tuple[float, float, float]]:
        """ImagePositionPatient (mm, LPS) of each slice, in array order (z increasing)."""
        x0, y0, z0 = self.origin
        return [(x0, y0, round(z0 + k * self.spacing[2], 4)) for k in range(self.shape_zyx[0])]

    def axes_mm(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """World coordinates (mm, LPS) of the voxel centres along z, y and x, float32."""
        z = np.asarray([p[2] for p in self.slice_positions()], dtype=np.float32)
        y = self.origin[1] + self.spacing[1] * np.arange(self.shape_zyx[1], dtype=np.float32)
        x = self.origin[0] + self.spacing[0] * np.arange(self.shape_zyx[2], dtype=np.float32)
        return z, y.astype(np.float32), x.astype(np.float32)

    @property
    def spacing_zyx(self) -> tuple[float, float, float]:
        """Spacing in array order ``(z, y, x)`` mm (for scipy's ``sampling``)."""
        return self.spacing[2], self.spacing[1], self.spacing[0]

    @property
    def voxel_volume_ml(self) -> float:
        """Volume of one voxel (mL)."""
        return float(np.prod(self.spacing)) / 1000.0

    def to_image(self, array_zyx: np.ndarray) -> sitk.Image:
        """A SimpleITK image of ``array_zyx`` (shape ``shape_zyx``) on this grid."""
        if tuple(array_zyx.shape) != tuple(self.shape_zyx):
            raise ValueError(f"array of shape {array_zyx.shape} does not fit the grid {self.shape_zyx}")
        image = sitk.GetImageFromArray(array_zyx)
        image.SetSpacing(tuple(float(s) for s in self.spacing))
        image.SetOrigin(tuple(float(o) for o in self.origin))
        image.SetDirection((1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0))
        return image


def make_grid(matrix: int, slices: int, pixel_spacing: float, slice_thickness: float,
              slab_top_z: float) -> Grid:
    """A grid centred in-plane on the scanner axis whose top slice centre is ``slab_top_z``.

    Args:
        matrix: rows = columns.
        slices: number of slices.
        pixel_spacing: mm.
        slice_thickness: slice step (mm).
        slab_top_z: z (mm, LPS, superior positive) of the top slice centre; rounded to 0.5 mm.
    """
    half = (matrix - 1) / 2.0 * pixel_spacing
    top = round(slab_top_z * 2.0) / 2.0
    z0 = round(top - (slices - 1) * slice_thickness, 4)
    return Grid(
        shape_zyx=(slices, matrix, matrix),
        spacing=(pixel_spacing, pixel_spacing, float(slice_thickness)),
        origin=(round(-half, 4), round(-half, 4), z0),
    )
