"""Hematomas of the phantom: placement, lobulated shape, HU texture and truth flags.

A hematoma is the connected set of allowed voxels (:func:`lesion_space`, inside the slab)
where a shape function ``F = min_k rho_k + a * noise`` is smallest: ``rho_k`` is the
normalised radius of one of a few overlapping random ellipsoids (lobes) and ``noise`` a
smooth random field that makes the boundary irregular (low-frequency boundary noise, as the
issue asks). Taking the ``N`` smallest values gives the drawn volume (log-uniform in
``volume_range_ml``) to the voxel. Intraventricular bleeds lower ``F`` inside the ventricles
so that blood fills (casts) the ventricle first. The flags follow paper 002's subgroups
(section 2.2.3: irregular hematomas, hematomas close to the skull).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from lesionbench.phantom.anatomy import HeadVolumes
from lesionbench.phantom.fields import FourierField, uniform_rotation
from lesionbench.phantom.grid import Grid

#: Where a lesion is placed; the flags written to the case JSON are measured on the mask.
LOCATIONS = ("parenchymal", "intraventricular", "near_skull")
#: Hematomas stay this deep (mm) under the inner table: in the brain, not in the
#: subarachnoid CSF rim (0.8-1.8 mm), and clear of the bone's partial volume.
MIN_DEPTH_MM = 1.5


def lesion_space(head: HeadVolumes) -> np.ndarray:
    """Where blood may go: voxels intracranial over their whole slice thickness, at least
    :data:`MIN_DEPTH_MM` under the inner table and not in ``head.lesion_excluded``,
    ``(Z, Y, X)`` bool."""
    space = head.intracranial_sub.all(axis=0) & (head.depth_mm >= MIN_DEPTH_MM)
    if head.lesion_excluded is not None:
        space &= ~head.lesion_excluded
    return space


@dataclass(frozen=True)
class LesionPlan:
    """What to draw: location kind, class ("avm" | "other") and volume (mL)."""

    location: str
    lesion_class: str
    volume_ml: float


def equivalent_radius_mm(volume_ml: float) -> float:
    """Radius (mm) of a sphere of ``volume_ml`` mL."""
    return float((3.0 * volume_ml * 1000.0 / (4.0 * np.pi)) ** (1.0 / 3.0))


def choose_center(rng: np.random.Generator, grid: Grid, head: HeadVolumes, plan: LesionPlan) -> np.ndarray:
    """Index ``(z, y, x)`` (float) of the lesion centre for ``plan.location`` (in :func:`lesion_space`).

    Parenchymal bleeds sit deep enough not to reach the skull when possible; intraventricular
    ones start inside a ventricle; near-skull ones are centred less than their radius under
    the inner table, so the hematoma abuts the skull. Centres avoid the first and last slice.
    """
    radius = equivalent_radius_mm(plan.volume_ml)
    inner = np.zeros(grid.shape_zyx, bool)
    z_margin = 1 if grid.shape_zyx[0] >= 3 else 0
    inner[z_margin:grid.shape_zyx[0] - z_margin] = True
    candidates_by_location = {
        "parenchymal": lambda: _deepest(head.intracranial & ~head.ventricles & inner, head.depth_mm,
                                        radius + 3.0),
        "intraventricular": lambda: head.ventricles & inner,
        "near_skull": lambda: head.intracranial & inner & (head.depth_mm > 0.5 * radius)
        & (head.depth_mm < 0.85 * radius),
    }
    candidates = candidates_by_location[plan.location]() & lesion_space(head)
    if not candidates.any():  # e.g. a thin slab that misses the ventricles
        candidates = _deepest(lesion_space(head) & inner, head.depth_mm, radius + 3.0)
    if not candidates.any():
        raise ValueError("phantom: no intracranial voxel to place a lesion in (slab outside the brain?)")
    flat = np.flatnonzero(candidates)
    chosen = np.unravel_index(flat[rng.integers(flat.size)], grid.shape_zyx)
    return np.asarray(chosen, dtype=float)


def _deepest(region: np.ndarray, depth: np.ndarray, wanted_mm: float) -> np.ndarray:
    """Voxels of ``region`` at least ``wanted_mm`` deep, or the deepest 5% if there are none."""
    deep = region & (depth >= wanted_mm)
    if deep.any() or not region.any():
        return deep
    return region & (depth >= np.percentile(depth[region], 95))


@dataclass
class LesionRender:
    """A drawn hematoma.

    Attributes:
        mask: ``(Z, Y, X)`` bool reference mask (slice centres), exactly the drawn volume.
        box: the slices of the grid holding the lesion's neighbourhood.
        occupied: ``(S, *box shape)`` bool, whether each sub-slice of each voxel (the same
            sub-slices as the head) lies in the hematoma: through-plane partial volume.
    """

    mask: np.ndarray
    box: tuple[slice, slice, slice]
    occupied: np.ndarray


def lesion_mask(rng: np.random.Generator, grid: Grid, head: HeadVolumes, plan: LesionPlan,
                center_zyx: np.ndarray, exclude: np.ndarray | None = None) -> LesionRender:
    """Draw a hematoma of ``plan.volume_ml`` mL (to the voxel) inside the brain around a centre.

    Args:
        exclude: optional ``(Z, Y, X)`` bool voxels the hematoma grows around (AVM vessels).
    """
    radius = equivalent_radius_mm(plan.volume_ml)
    box = _box(grid, center_zyx, 2.6 * radius)
    zyx = _box_coordinates(grid, box, center_zyx)  # mm relative to the centre
    lobes = []
    for lobe in range(int(rng.integers(1, 5))):
        offset = np.zeros(3) if lobe == 0 else rng.uniform(-0.7, 0.7, 3) * radius  # z y x
        lobes.append((offset, radius * np.exp(rng.normal(0.0, 0.3, 3)), uniform_rotation(rng)))
    noise = FourierField(rng, 8, (1.2 * radius, 3.0 * radius))
    amplitude = np.float32(rng.uniform(0.05, 0.35))
    bias = np.where(head.ventricles[box], np.float32(0.6 if plan.location == "intraventricular" else 0.0),
                    np.float32(0.0))

    def shape_at(dz_mm: float) -> np.ndarray:
        z = zyx[0] + np.float32(dz_mm)
        value = np.full(np.broadcast_shapes(z.shape, zyx[1].shape, zyx[2].shape), np.inf, np.float32)
        for offset, semi, rot in lobes:
            rel = [zyx[2] - np.float32(offset[2]), zyx[1] - np.float32(offset[1]), z - np.float32(offset[0])]
            rho2 = sum((sum(np.float32(rot[i, j]) * rel[i] for i in range(3)) / np.float32(semi[j])) ** 2
                       for j in range(3))
            np.minimum(value, np.sqrt(rho2), out=value)
        return value + amplitude * noise(zyx[2], zyx[1], z) - bias

    center_shape = shape_at(0.0)
    wanted = max(1, int(round(plan.volume_ml / grid.voxel_volume_ml)))
    allowed = lesion_space(head)[box]
    if exclude is not None:
        allowed &= ~exclude[box]
    inside = _threshold_connected(center_shape, allowed, wanted)
    threshold = center_shape[inside].max()
    near = ndimage.binary_dilation(inside, structure=np.ones((3, 1, 1), bool))
    occupied = np.empty((len(head.z_offsets_mm), *inside.shape), bool)
    for i, dz in enumerate(head.z_offsets_mm):
        occupied[i] = inside if dz == 0.0 else (shape_at(dz) <= threshold) & head.intracranial_sub[i][box] & near
    mask = np.zeros(grid.shape_zyx, bool)
    mask[box] = inside
    return LesionRender(mask, box, occupied)


def _threshold_connected(shape: np.ndarray, allowed: np.ndarray, wanted: int) -> np.ndarray:
    """The largest connected set of the allowed voxels with the smallest ``shape`` values.

    The number of voxels taken is the smallest (binary search; the largest component only
    grows as voxels are added) whose largest component holds at least ``wanted`` voxels, so
    the hematoma is one blob of ``wanted`` voxels or slightly more where two lobes merge.
    """
    values = np.where(allowed, shape, np.inf).ravel()
    order = np.argsort(values, kind="stable")
    available = int(np.isfinite(values).sum())

    def largest(take: int) -> np.ndarray:
        selected = np.zeros(values.size, bool)
        selected[order[:take]] = True
        labels, count = ndimage.label(selected.reshape(shape.shape))
        if count <= 1:
            return selected.reshape(shape.shape)
        return labels == (1 + int(np.argmax(np.bincount(labels.ravel())[1:])))

    low, high = min(wanted, available), available
    best = largest(low)
    if best.sum() >= wanted:
        return best
    while high - low > 1:  # invariant: largest(low) < wanted <= largest(high)
        middle = (low + high) // 2
        if largest(middle).sum() >= wanted:
            high = middle
        else:
            low = middle
    return largest(high)


def _box(grid: Grid, center_zyx: np.ndarray, half_mm: float) -> tuple[slice, slice, slice]:
    spacing = grid.spacing_zyx
    return tuple(
        slice(max(0, int(np.floor(c - half_mm / s)) - 1), min(n, int(np.ceil(c + half_mm / s)) + 2))
        for c, s, n in zip(center_zyx, spacing, grid.shape_zyx)
    )


def _box_coordinates(grid: Grid, box: tuple[slice, ...], center_zyx: np.ndarray) -> list[np.ndarray]:
    """Open-grid coordinates (mm, float32) of the box voxels relative to the centre, z y x."""
    coords = []
    for axis, (sl, c, s) in enumerate(zip(box, center_zyx, grid.spacing_zyx)):
        values = ((np.arange(sl.start, sl.stop) - c) * s).astype(np.float32)
        shape = [1, 1, 1]
        shape[axis] = values.size
        coords.append(values.reshape(shape))
    return coords


#: Default ``(low, high)`` amplitude (HU) of the hematoma's density texture, per class:
#: an AVM hematoma is less homogeneous (paper 001, section 1).
TEXTURE_HU = {"avm": (7.0, 10.0), "other": (1.5, 3.0)}


def render_lesion_hu(rng: np.random.Generator, grid: Grid, head: HeadVolumes, hu: np.ndarray,
                     lesion: LesionRender, lesion_class: str,
                     texture_hu: tuple[float, float] | None = None) -> None:
    """Blend the hematoma into ``hu`` (in place): 50-90 HU, heterogeneous for AVM.

    The density texture is a smooth random field (wavelengths 4-10 mm for AVM, 6-16 mm
    otherwise) of amplitude drawn uniformly in ``texture_hu`` (``None``: the class's
    :data:`TEXTURE_HU`).

    Each voxel becomes the mean over its sub-slices of blood (where the sub-slice is in the
    hematoma) or the head's own value there. A faint
    hypodense rim of perihematomal oedema (2-4 mm, 4-8 HU below the surrounding tissue at
    the hematoma wall) is added around hematomas larger than 5 mL.
    """
    box, sub = lesion.box, lesion.mask[lesion.box]
    coords = _box_coordinates(grid, box, np.array([b.start for b in box], float))
    heterogeneous = lesion_class == "avm"
    texture = FourierField(rng, 10, (4.0, 10.0) if heterogeneous else (6.0, 16.0))
    amplitude = rng.uniform(*(texture_hu or TEXTURE_HU["avm" if heterogeneous else "other"]))
    blood = np.clip(rng.uniform(60.0, 80.0) + amplitude * texture(coords[2], coords[1], coords[0]), 50.0, 90.0)
    hu_box = hu[box]  # a view: writes go to ``hu``
    if float(sub.sum()) * grid.voxel_volume_ml > 5.0:
        distance = ndimage.distance_transform_edt(~sub, sampling=grid.spacing_zyx)
        rim_mm = rng.uniform(2.0, 4.0)
        rim = (distance > 0) & (distance <= rim_mm) & head.intracranial[box] & ~head.ventricles[box]
        drop = rng.uniform(4.0, 8.0) * (1.0 - distance[rim] / rim_mm)
        hu_box[rim] = head.parenchyma_hu[box][rim] - drop
    touched = lesion.occupied.any(axis=0)
    sub_hu = head.hu_sub[(slice(None), *box)]
    blended = np.where(lesion.occupied, blood[None], sub_hu).mean(axis=0)
    hu_box[touched] = blended[touched]


@dataclass(frozen=True)
class LesionFlags:
    """Truth measured on the lesion mask."""

    volume_ml: float
    near_skull: bool
    intraventricular: bool
    irregular: bool
    solidity: float
    min_depth_mm: float


def measure_flags(grid: Grid, head: HeadVolumes, mask: np.ndarray, near_skull_mm: float,
                  irregular_solidity: float, intraventricular_min_ml: float) -> LesionFlags:
    """Volume (mL), near-skull (distance to the inner table), intraventricular and irregular flags.

    The distance to the inner table is the analytic one of the head model (sub-voxel, not
    limited by the 5 mm slice spacing); solidity is measured on the voxel mask
    (:func:`lesionbench.phantom.solidity.solidity`).
    """
    from lesionbench.phantom.solidity import solidity

    volume = float(mask.sum()) * grid.voxel_volume_ml
    min_depth = float(head.depth_mm[mask].min())
    ivh_ml = float((mask & head.ventricles).sum()) * grid.voxel_volume_ml
    value = solidity(mask)
    return LesionFlags(
        volume_ml=volume,
        near_skull=min_depth <= near_skull_mm,
        intraventricular=ivh_ml >= intraventricular_min_ml,
        irregular=value < irregular_solidity,
        solidity=value,
        min_depth_mm=min_depth,
    )
