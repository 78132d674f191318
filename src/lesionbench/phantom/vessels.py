"""Serpiginous hyperdense vessels of an arteriovenous malformation (paper 001's AVM class).

Paper 001 (section 1) separates AVM-related hemorrhage from other hemorrhage on
non-contrast CT: an AVM bleed is less homogeneous, and the dilated veins around it can
make its boundary concave. The phantom draws a heterogeneous hematoma with tortuous,
hyperdense (calcified / high-flow) vessels in and around it. Each vessel is a
smooth random walk (its direction is nudged by low-pass filtered noise, giving serpiginous
curves), rasterised as a tube of 0.6-1.3 mm radius on the slices whose thickness it runs in.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from lesionbench.phantom.fields import unit_vector
from lesionbench.phantom.grid import Grid

_STEP_MM = 0.25


def vessel_path(rng: np.random.Generator, start_mm: np.ndarray, length_mm: float) -> np.ndarray:
    """Points ``(N, 3)`` (z, y, x mm) of one tortuous centre line, spaced ``_STEP_MM``.

    The walk runs mostly within the axial plane (its z component is damped), so each 5 mm
    slice shows a winding segment rather than a dot.
    """
    n = max(2, int(length_mm / _STEP_MM))
    bend = ndimage.gaussian_filter1d(rng.standard_normal((n, 3)), sigma=16.0, axis=0)
    bend *= 0.45 / (np.std(bend) + 1e-9)
    bend[:, 0] *= 0.3
    direction = unit_vector(rng) * np.array([0.3, 1.0, 1.0])
    direction /= np.linalg.norm(direction)
    points = np.empty((n, 3))
    points[0] = start_mm
    for i in range(1, n):
        direction = direction + bend[i] * 0.25
        direction[0] *= 0.97
        direction /= np.linalg.norm(direction)
        points[i] = points[i - 1] + _STEP_MM * direction
    return points


def draw_vessels(rng: np.random.Generator, grid: Grid, allowed: np.ndarray, center_zyx: np.ndarray,
                 radius_mm: float) -> tuple[np.ndarray, np.ndarray]:
    """Draw 4-8 vessels starting around a lesion (0.7-1.4 radii from its centre).

    Args:
        rng: random generator.
        grid: the case grid.
        allowed: ``(Z, Y, X)`` bool, where vessels may go (intracranial space).
        center_zyx: lesion centre, voxel index ``(z, y, x)``.
        radius_mm: equivalent radius of the lesion (mm).

    Returns:
        ``(mask, hu)``: ``(Z, Y, X)`` bool vessel voxels and float32 HU (95-145 per vessel
        inside the mask, 0 elsewhere). The hematoma is drawn around them (paper 001: dilated
        veins make the AVM hematoma's boundary concave) and their HU painted over it.
    """
    spacing = np.asarray(grid.spacing_zyx)
    center_mm = np.asarray(center_zyx) * spacing
    vessels = np.zeros(grid.shape_zyx, bool)
    hu = np.zeros(grid.shape_zyx, np.float32)
    for _ in range(int(rng.integers(4, 9))):
        start = center_mm + unit_vector(rng) * radius_mm * rng.uniform(0.7, 1.4)
        path = vessel_path(rng, start, rng.uniform(1.5, 3.0) * radius_mm + 15.0)
        tube_mm = rng.uniform(0.6, 1.3)
        tube = _rasterise(grid, path, tube_mm) & allowed
        hu[tube] = rng.uniform(95.0, 145.0)
        vessels |= tube
    return vessels, hu


def _rasterise(grid: Grid, path_mm: np.ndarray, radius_mm: float) -> np.ndarray:
    """Voxels within ``radius_mm`` (in-plane) of the path, on the slice whose thickness holds
    each path point (a vessel inside a thick slice shows in it); the in-plane dilation is an
    exact 2D distance transform in a box."""
    spacing = np.asarray(grid.spacing_zyx)
    index = path_mm / spacing
    z_index = np.rint(index[:, 0]).astype(int)
    yx = np.rint(index[:, 1:]).astype(int)
    shape = np.asarray(grid.shape_zyx)
    valid = (z_index >= 0) & (z_index < shape[0]) & np.all((yx >= 0) & (yx < shape[1:]), axis=1)
    mask = np.zeros(grid.shape_zyx, bool)
    if not valid.any():
        return mask
    z_index, yx = z_index[valid], yx[valid]
    pad = int(np.ceil(radius_mm / spacing[1:].min())) + 1
    low = np.maximum(yx.min(axis=0) - pad, 0)
    high = np.minimum(yx.max(axis=0) + pad + 1, shape[1:])
    zs = np.unique(z_index)
    seeds = np.zeros((zs.size, high[0] - low[0], high[1] - low[1]), bool)
    seeds[np.searchsorted(zs, z_index), yx[:, 0] - low[0], yx[:, 1] - low[1]] = True
    for k in range(zs.size):
        distance = ndimage.distance_transform_edt(~seeds[k], sampling=spacing[1:])
        mask[zs[k], low[0]:high[0], low[1]:high[1]] = distance <= radius_mm
    return mask
