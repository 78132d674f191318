"""Solidity of a 3D mask: voxel count over the voxel count of its convex-hull mask.

Paper 002 (section 2.2.3) reports irregular hematomas as a subgroup; the phantom calls a lesion
irregular when its solidity is low. The hull is built on the voxel centres (index space:
convexity does not depend on the anisotropic spacing) and rasterised back onto the grid, so
a digitally convex mask has solidity exactly 1 and the ratio never exceeds 1. Written by
hand because scikit-image (whose ``convex_hull_image`` does this) is not a dependency.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import ConvexHull, QhullError

#: Points tested against the hull planes per chunk (memory bound at 512 x 512).
_CHUNK = 200_000


def convex_hull_mask(mask: np.ndarray) -> np.ndarray:
    """Boolean mask of the grid points inside the convex hull of ``mask``'s voxels.

    Axes along which the mask is one voxel thick are dropped before the hull is built
    (a single-slice lesion has a 2D hull); a mask whose points are collinear or fewer
    than ``dims + 1`` is its own hull.
    """
    mask = np.asarray(mask, bool)
    points = np.argwhere(mask)
    if points.shape[0] == 0:
        return mask.copy()
    keep_axes = [a for a in range(mask.ndim) if np.ptp(points[:, a]) > 0]
    if len(keep_axes) < 2 or points.shape[0] <= len(keep_axes):
        return mask.copy()
    reduced = points[:, keep_axes].astype(float)
    try:
        hull = ConvexHull(reduced)
    except QhullError:  # coplanar points in a tilted plane: treat as convex
        return mask.copy()
    # Planes a.x + b <= 0 inside; the triangulated facets repeat planes, keep unique ones.
    planes = np.unique(np.round(hull.equations, 9), axis=0)
    low = points.min(axis=0)
    high = points.max(axis=0) + 1
    box = tuple(slice(int(lo), int(hi)) for lo, hi in zip(low, high))
    grid = np.indices(tuple(int(h - lo) for lo, h in zip(low, high))).reshape(mask.ndim, -1).T + low
    candidates = grid[:, keep_axes].astype(float)
    inside = np.empty(candidates.shape[0], bool)
    for start in range(0, candidates.shape[0], _CHUNK):
        chunk = candidates[start:start + _CHUNK]
        inside[start:start + _CHUNK] = np.all(chunk @ planes[:, :-1].T + planes[:, -1] <= 1e-6, axis=1)
    hull_mask = np.zeros_like(mask)
    hull_mask[box] = inside.reshape(tuple(int(h - lo) for lo, h in zip(low, high)))
    return hull_mask | mask


def solidity(mask: np.ndarray) -> float:
    """Voxels of ``mask`` over voxels of its convex-hull mask, in ``(0, 1]``; 1.0 if empty."""
    count = int(np.count_nonzero(mask))
    if count == 0:
        return 1.0
    return count / int(np.count_nonzero(convex_hull_mask(mask)))
