"""Put a tilted or unevenly spaced slice stack onto a regular, orthogonal voxel grid.

The output grid has the slices' own row and column directions and the slice normal as its
axes (an orthogonal grid in the tilted plane, as dcm2niix's ``_Tilt`` output), pixel lattice
aligned with the first slice's and extended in-plane by whole pixels on the side the slices
drift to. Two linear steps, as dcm2niix does them:

1. gantry tilt: every slice is shifted in-plane by minus its offset off the normal (a shear
   along the column axis by ``a_k tan(tilt)`` for a usual tilt), bilinear interpolation;
2. uneven spacing: output slices are spaced evenly along the normal over the stack's extent
   and interpolated linearly between the two nearest input slices.

Written by hand with numpy rather than with SimpleITK's ``ResampleImageFilter`` because the
input is not a regular grid that an ``sitk.Image`` can describe (unequal slice steps, slices
shifted against each other); and the shift is two separable 1D linear blends of array
slices rather than :func:`scipy.ndimage.affine_transform`, which takes ~25 ms per
512 x 600 slice against ~3 ms here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lesionbench.ingest.stack import Stack


@dataclass(frozen=True)
class Grid:
    """A regular output grid (LPS, mm).

    Attributes:
        origin: ``(3,)`` world position of voxel ``(0, 0, 0)``.
        direction: ``(3, 3)`` columns = x (row), y (column), z (normal) unit vectors.
        spacing: ``(x, y, z)`` mm.
        size: ``(x, y, z)`` voxels.
        pad_xy: whole pixels added before the first column / row of the input slices.
        along: ``(size[2],)`` distance of each output slice from the first input slice, mm.
    """

    origin: np.ndarray
    direction: np.ndarray
    spacing: tuple[float, float, float]
    size: tuple[int, int, int]
    pad_xy: tuple[int, int]
    along: np.ndarray


def output_grid(stack: Stack, rows: int, columns: int, resample: bool, spacing_mm: float | None = None) -> Grid:
    """The regular grid the stack is written on.

    Args:
        stack: the ordered slices' geometry.
        rows, columns: input slice size (pixels).
        resample: whether the slices are resampled along the normal (uneven or missing
            slices); otherwise the output slices are the input slices.
        spacing_mm: slice spacing of a resampled stack; ``None`` follows dcm2niix's
            equalisation: the smallest step, but at most ``2 N`` slices over the extent.
    """
    dx, dy = stack.pixel_spacing_xy
    shift_px = stack.offsets / np.array([dx, dy])  # (N, 2) x, y pixels
    eps = 1e-6  # offsets of exactly whole pixels must not add a pixel
    before = [math.ceil(max(0.0, -shift_px[:, i].min()) - eps) for i in range(2)]
    after = [math.ceil(max(0.0, shift_px[:, i].max()) - eps) for i in range(2)]
    extent = float(stack.along[-1]) if len(stack.along) > 1 else 0.0
    n = len(stack.along)
    if n == 1:
        along, dz = np.zeros(1), 0.0
    elif not resample:
        # decimal strings in the header: round to 1 nm so exact spacings (5.0 mm) come back exactly
        dz = round(extent / (n - 1), 6)
        along = stack.along.copy()
    else:
        if spacing_mm is None:
            steps = np.diff(stack.along)
            count = min(round(extent / float(steps.min())) + 1, 2 * n)
            dz = extent / (count - 1)
        else:
            dz = float(spacing_mm)
            count = math.floor(extent / dz + eps) + 1
        along = np.arange(count) * dz
    origin = stack.origin - before[0] * dx * stack.row - before[1] * dy * stack.column
    return Grid(origin=origin, direction=np.column_stack([stack.row, stack.column, stack.normal]),
                spacing=(dx, dy, float(dz)), size=(columns + before[0] + after[0], rows + before[1] + after[1],
                                                   len(along)),
                pad_xy=(before[0], before[1]), along=along)


def resample_stack(volume: np.ndarray, stack: Stack, grid: Grid, fill: float) -> np.ndarray:
    """The slices of ``volume`` on ``grid``.

    Args:
        volume: ``(N, rows, columns)`` float32 HU of the ordered input slices.
        stack: their geometry.
        grid: the output grid (:func:`output_grid`).
        fill: value of output voxels that no input slice covers (the corners a tilt
            correction adds).

    Returns:
        ``(Z, Y, X)`` float32 array of shape ``grid.size[::-1]``.
    """
    nx, ny, nz = grid.size
    dx, dy = grid.spacing[:2]
    shifted: dict[int, np.ndarray] = {}

    def on_grid(k: int) -> np.ndarray:
        """Input slice ``k`` shifted into the output plane: out[y, x] = in[y - sy, x - sx]."""
        if k not in shifted:
            sy = grid.pad_xy[1] + stack.offsets[k, 1] / dy
            sx = grid.pad_xy[0] + stack.offsets[k, 0] / dx
            shifted[k] = shift_linear(shift_linear(volume[k], sy, ny, 0, fill), sx, nx, 1, fill)
        return shifted[k]

    out = np.empty((nz, ny, nx), dtype=np.float32)
    along = stack.along
    for m, t in enumerate(grid.along):
        k = int(np.clip(np.searchsorted(along, t, side="right") - 1, 0, len(along) - 1))
        if k == len(along) - 1 or abs(t - along[k]) <= 1e-6:
            out[m] = on_grid(k)
            continue
        if abs(t - along[k + 1]) <= 1e-6:
            out[m] = on_grid(k + 1)
            continue
        w = np.float32((t - along[k]) / (along[k + 1] - along[k]))
        np.multiply(on_grid(k), np.float32(1.0) - w, out=out[m])
        out[m] += w * on_grid(k + 1)
    return out


def shift_linear(image: np.ndarray, shift: float, size: int, axis: int, fill: float) -> np.ndarray:
    """``out[i] = image[i - shift]`` along ``axis`` (linear interpolation), ``size`` samples long.

    A position ``p`` with ``-1 < p < 0`` takes the first sample's value and one beyond the
    last sample takes ``fill``, as dcm2niix's tilt correction does at the edges of the
    shifted slices (measured on shared/data's tilted series).

    Args:
        image: ``(Y, X)`` float32 array.
        shift: shift in samples (any real number).
        size: output length along ``axis``.
        axis: 0 (rows, y) or 1 (columns, x).
        fill: value outside the input.
    """
    length = image.shape[axis]
    if abs(shift - round(shift)) < 1e-6:  # header positions are decimal strings: 1e-6 pixel is noise
        shift = float(round(shift))
    if shift == 0 and size == length:
        return image
    whole = int(np.floor(shift))
    frac = np.float32(shift - whole)
    # b[j] = image[j - whole - 1] for j in 0..size (edges replicated one sample, fill beyond):
    # then image[i - whole] = b[i + 1] and image[i - whole - 1] = b[i].
    moved = np.moveaxis(image, axis, 0)
    b = np.full((size + 1,) + moved.shape[1:], fill, dtype=np.float32)
    index = np.arange(size + 1) - whole - 1
    inside = (index >= -1) & (index <= length)
    b[inside] = moved[np.clip(index[inside], 0, length - 1)]
    out = b[1:] * (np.float32(1.0) - frac)
    if frac:
        out += frac * b[:-1]
    position = np.arange(size) - shift
    out[(position <= -1) | (position > length - 1)] = fill
    return np.moveaxis(out, 0, axis)
