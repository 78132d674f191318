"""In-plane crop and resize of every axial slice, as a resampling onto a new physical grid.

Paper 003 (thesis section 4.4.1, D-UNet's protocol; docs/paper003.md, B-3 and B-4) crops each
axial ATLAS slice to 180 x 180 and resizes it to 192 x 192, and resizes each ISLES 2015 slice
from 230 x 230 to 192 x 192. Here both are one grid, :func:`inplane_grid`: the crop box of the
grid, with the resize's pixel count over the same physical extent. The preprocessing resamples
the image and masks onto it once (:func:`lesionbench.preprocess.preprocess_case`) and records it
as the npz's resampled grid, so :func:`lesionbench.preprocess.uncrop_to_original` maps a
prediction back to the original image with no step of its own.

Axes, in the project's convention (arrays ``(z, y, x)``, settings ``[x, y]`` as ``spacing``):
an axial slice is ``array[z]``, of ``Y`` rows by ``X`` columns; ``x`` is the image's first
index axis (NIfTI ``i``, the column) and ``y`` its second (``j``, the row), as the file stores
them, with no flip. ATLAS's 197 x 233 x 189 volumes give slices of 233 rows by 197 columns, and
``crop: {start: [10, 40], size: [180, 180]}`` keeps columns (``x``) 10..189 and rows (``y``)
40..219: D-UNet's PIL box ``(10, 40, 190, 220)``. Where the affine is the MNI template's
(identity in RAS), ``x`` runs from the subject's left to right and ``y`` from posterior to
anterior, so the crop drops 10 mm on the left, 7 mm on the right, 40 mm posterior and 13 mm
anterior; under another direction matrix the same voxels are kept, whatever their anatomy.

Interpolation: images are resampled linearly, antialiased (a Gaussian before shrinking), not
with D-UNet's PIL Lanczos filter: it is the interpolation the way back to the original grid uses
(:func:`lesionbench.resampling.resample_probability`), it does not ring at the edge of a
skull-stripped brain (Lanczos over- and undershoots the ``[0, 1]`` of min-max normalisation), and
the Gaussian does for ISLES 2015's 230 -> 192 what PIL's antialiasing does; ATLAS's
180 -> 192 is an upsampling, where the two differ only in smoothness. Masks follow
``resampling.labels``.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

import numpy as np
import SimpleITK as sitk
from pydantic import Field, StrictInt, model_validator

from lesionbench.config import Settings

NonNegativeInt = Annotated[StrictInt, Field(ge=0)]
PositiveInt = Annotated[StrictInt, Field(ge=1)]


class InplaneCrop(Settings):
    """A box of every axial slice, in voxels of the grid at ``preprocess.spacing``.

    Attributes:
        start: ``[x, y]``: the first column and row kept (0-based).
        size: ``[x, y]``: how many columns and rows are kept.
    """

    WHERE: ClassVar[str] = "preprocess.inplane.crop"

    start: tuple[NonNegativeInt, NonNegativeInt]
    size: tuple[PositiveInt, PositiveInt]


class InplaneSettings(Settings):
    """Crop every axial slice to a box, then resize it (``preprocess.inplane``).

    The crop and resize become one grid (:func:`inplane_grid`): the box's physical extent with
    ``resize`` pixels, so the pixel spacing becomes ``spacing * size / resize`` (ATLAS:
    180 / 192 x 1 mm = 0.9375 mm) and the slice count and slice spacing stay. Images are
    resampled linearly, with the Gaussian antialiasing of the rest of the preprocessing where
    the slice shrinks (ISLES 2015, 230 -> 192); masks by ``resampling.labels`` (``soft``: the
    linearly resampled fraction, lesion where it reaches 0.5).

    Attributes:
        crop: the box of each slice kept, or ``None`` for the whole slice (ISLES 2015).
        resize: ``[x, y]`` pixels of each slice after the crop, or ``None`` to keep the box's
            (paper 003: ``[192, 192]``).
    """

    WHERE: ClassVar[str] = "preprocess.inplane"

    crop: InplaneCrop | None = None
    resize: tuple[PositiveInt, PositiveInt] | None = None

    @model_validator(mode="after")
    def _something_to_do(self) -> InplaneSettings:
        if self.crop is None and self.resize is None:
            raise ValueError("give crop, resize or both (or leave inplane out)")
        return self


def inplane_grid(grid: sitk.Image, settings: InplaneSettings) -> sitk.Image:
    """An empty reference image: ``grid`` cropped in-plane and resized, same physical extent.

    The crop box's outer edges stay where they are in physical space and its pixels are
    divided evenly among the ``resize`` pixels (centre-aligned, as
    :func:`lesionbench.resampling.resampled_grid`): the first new pixel centre lies half a new
    spacing inside the box's edge, along the grid's own direction. The slice axis (``z``) is
    unchanged.

    Args:
        grid: the grid to crop (the image's, or the one at ``preprocess.spacing``).
        settings: the crop box and new size.

    Returns:
        A uint8 image of size ``(resize_x, resize_y, Z)`` (the box's where ``resize`` is ``None``),
        spacing ``spacing * box / resize`` in-plane, the grid's direction.

    Raises:
        ValueError: the box does not lie inside the slice (naming both).
    """
    size = np.asarray(grid.GetSize(), dtype=np.int64)
    spacing = np.asarray(grid.GetSpacing(), dtype=float)
    start = np.zeros(3, dtype=np.int64)
    box = size.copy()
    if settings.crop is not None:
        start[:2], box[:2] = settings.crop.start, settings.crop.size
        if (start[:2] + box[:2] > size[:2]).any():
            raise ValueError(f"in-plane crop of columns {start[0]}..{start[0] + box[0] - 1} and rows "
                             f"{start[1]}..{start[1] + box[1] - 1} (x, y) lies outside the slice of {size[1]} "
                             f"rows x {size[0]} columns")
    new_size = box.copy()
    if settings.resize is not None:
        new_size[:2] = settings.resize
    new_spacing = spacing * box / new_size
    direction = np.asarray(grid.GetDirection(), dtype=float).reshape(3, 3)
    # the box's outer edge (continuous index start - 1/2) stays, the first centre is 1/2 new spacing in
    origin = np.asarray(grid.GetOrigin(), dtype=float) + direction @ ((start - 0.5) * spacing + new_spacing / 2.0)
    reference = sitk.Image([int(n) for n in new_size], sitk.sitkUInt8)
    reference.SetSpacing([float(s) for s in new_spacing])
    reference.SetOrigin([float(o) for o in origin])
    reference.SetDirection(grid.GetDirection())
    return reference


def voxels_outside(mask: sitk.Image, reference: sitk.Image) -> int:
    """Non-zero voxels of ``mask`` whose centres fall outside ``reference``'s in-plane extent.

    The lesion an in-plane crop drops (reported by the preprocessing): each voxel centre is
    mapped to a continuous index of ``reference`` and counted if it lies beyond the outer edge
    of its first or last column or row (``-0.5 .. size - 0.5``).
    """
    voxels = np.argwhere(sitk.GetArrayViewFromImage(mask) != 0)[:, ::-1].astype(float)  # (n, x y z)
    if voxels.size == 0:
        return 0

    def to_physical(image: sitk.Image) -> tuple[np.ndarray, np.ndarray]:
        matrix = np.asarray(image.GetDirection(), dtype=float).reshape(3, 3) * np.asarray(image.GetSpacing())
        return matrix, np.asarray(image.GetOrigin(), dtype=float)

    (m_in, o_in), (m_out, o_out) = to_physical(mask), to_physical(reference)
    index = np.linalg.solve(m_out, (voxels @ m_in.T + o_in - o_out).T).T
    size = np.asarray(reference.GetSize(), dtype=float)
    outside = (index[:, :2] < -0.5 - 1e-6) | (index[:, :2] > size[:2] - 0.5 + 1e-6)
    return int(outside.any(axis=1).sum())
