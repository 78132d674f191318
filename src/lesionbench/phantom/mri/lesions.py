"""Chronic stroke lesions of the T1 phantom: plans, masks and T1 intensities.

What is imitated (ATLAS R2.0, Liew et al., Sci Data 2018; ISLES 2015, Maier et al., MedIA
2017): chronic infarcts are hypo-intense on T1, a CSF-like cavity with a slightly brighter
gliotic rim; they lie in vascular territories, most often the middle cerebral artery's
(MCA): cortical wedges reaching the cortex with their apex towards the ventricle, and small
lacunar infarcts in the deep white matter and the basal ganglia/thalamus. Volumes are highly
skewed (median a few mL, many under 1 mL, a tail past 100 mL), and some cases hold several
lesions.

A lesion is drawn in two steps (random parameters first, then a deterministic mask, after
TorchIO's ``RandomX`` -> ``X``): :func:`draw_lesions` draws every plan from the case's lesion
generator (independent of the grid), :func:`lesion_mask` keeps the ``N = volume / voxel
volume`` parenchyma voxels of highest shape score, a smooth template-frame shape (a tapered
wedge or an ellipsoid) perturbed by a random field, so the volume is the drawn one on any
grid and the outline is irregular.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from lesionbench.phantom.fields import FourierField, uniform_rotation
from lesionbench.phantom.mri.anatomy import PARENCHYMA, BrainParams
from lesionbench.phantom.mri.geometry import MriGrid
from lesionbench.phantom.mri.settings import MriPhantomSettings

#: Subcortical sites (template mm, right side; ``x`` is mirrored on the left): the centre is
#: drawn uniformly in the box ``(low, high)``.
SUBCORTICAL_SITES = {
    "basal_ganglia": ((12.0, -20.0, -10.0), (27.0, 12.0, 5.0)),
    "deep_white_matter": ((14.0, -28.0, 10.0), (30.0, 22.0, 32.0)),
}


@dataclass(frozen=True)
class LesionPlan:
    """One lesion, drawn by :func:`draw_lesions` (template mm; intensities relative to WM).

    Attributes:
        kind: ``cortical`` or ``subcortical``.
        site: ``mca_cortex``, ``basal_ganglia`` or ``deep_white_matter``.
        side: ``right`` or ``left``.
        volume_ml: the drawn volume.
        anchor: a cortical lesion's base point on the cerebral surface, else its centre.
        axes: ``(3, 3)`` rows: a cortical lesion's inward axis first; an ellipsoid's axes.
        extent_mm: cortical ``(depth, base half-width, half-width)``; else the semi-axes.
        irregularity: amplitude of the perturbing field (shape score units).
        field: the perturbing random field.
        core, rim_fraction, rim_mm: core intensity (relative to WM), the rim's place between
            core and grey matter (0: core, 1: grey matter), rim width (mm).
    """

    kind: str
    site: str
    side: str
    volume_ml: float
    anchor: np.ndarray
    axes: np.ndarray
    extent_mm: tuple[float, float, float]
    irregularity: float
    field: FourierField
    core: float
    rim_fraction: float
    rim_mm: float


def _log_normal(rng: np.random.Generator, median_sigma: tuple[float, float], bounds: tuple[float, float]) -> float:
    median, sigma = median_sigma
    return float(np.clip(median * np.exp(sigma * rng.standard_normal()), *bounds))


def draw_lesions(rng: np.random.Generator, settings: MriPhantomSettings, brain: BrainParams) -> list[LesionPlan]:
    """Draw a case's lesions: none with ``lesion_free_fraction``, else 1..n by the count weights."""
    lesion_free = rng.random() < settings.lesion_free_fraction
    weights = np.asarray(settings.lesion_count_weights, float)
    count = 1 + int(rng.choice(len(weights), p=weights / weights.sum()))
    if lesion_free:
        return []
    return [_draw_one(rng, settings, brain) for _ in range(count)]


def _draw_one(rng: np.random.Generator, settings: MriPhantomSettings, brain: BrainParams) -> LesionPlan:
    cortical = rng.random() < settings.cortical_fraction
    sign = 1.0 if rng.random() < 0.5 else -1.0
    side = "right" if sign > 0 else "left"
    bounds = settings.volume_range_ml
    core = brain.csf * rng.uniform(1.0, 1.4)
    intensity = {"core": core, "rim_fraction": rng.uniform(0.35, 0.65), "rim_mm": rng.uniform(1.0, 2.5)}
    if cortical:
        volume = _log_normal(rng, settings.cortical_volume_ml, bounds)
        azimuth, elevation = np.deg2rad(rng.uniform(-55.0, 45.0)), np.deg2rad(rng.uniform(-20.0, 40.0))
        v = np.array([sign * np.cos(elevation) * np.cos(azimuth), np.cos(elevation) * np.sin(azimuth),
                      np.sin(elevation)])
        radius = float(brain.surface_radius(*(np.float32(c) for c in v)))
        anchor = v * radius
        inward = np.array([sign * 12.0, rng.uniform(-8.0, 8.0), rng.uniform(0.0, 10.0)]) - anchor
        inward /= np.linalg.norm(inward)
        tangent = np.cross(inward, rng.standard_normal(3))
        tangent /= np.linalg.norm(tangent)
        axes = np.stack([inward, tangent, np.cross(inward, tangent)])
        elongation = rng.uniform(1.0, 1.8)        # depth / base half-width
        flatten = rng.uniform(0.6, 1.0)           # second half-width / first
        # Volume of the wedge's score > 0 region: 1.2 * W * W2 * L (see _cortical_score).
        width = (1000.0 * volume / (1.2 * elongation * flatten)) ** (1.0 / 3.0)
        extent = (elongation * width, width, flatten * width)
        site = "mca_cortex"
    else:
        volume = _log_normal(rng, settings.subcortical_volume_ml, bounds)
        site = "basal_ganglia" if rng.random() < 0.5 else "deep_white_matter"
        low, high = (np.asarray(b) for b in SUBCORTICAL_SITES[site])
        anchor = rng.uniform(low, high) * np.array([sign, 1.0, 1.0])
        axes = uniform_rotation(rng).T
        aspect = np.array([rng.uniform(1.0, 2.2), rng.uniform(0.8, 1.3), 1.0])
        aspect /= np.cbrt(np.prod(aspect))
        radius = (3000.0 * volume / (4.0 * np.pi)) ** (1.0 / 3.0)
        extent = tuple(float(a) for a in radius * aspect)
    scale = max(extent)
    field = FourierField(rng, 6, (max(5.0, 0.6 * scale), max(8.0, 2.0 * scale)))
    return LesionPlan("cortical" if cortical else "subcortical", site, side, volume, anchor, axes,
                      extent, rng.uniform(0.25, 0.55), field, **intensity)


def _score(plan: LesionPlan, px: np.ndarray, py: np.ndarray, pz: np.ndarray) -> np.ndarray:
    """Shape score (> 0 inside the unperturbed shape, 1 at its middle) at template points."""
    d = (px - np.float32(plan.anchor[0]), py - np.float32(plan.anchor[1]), pz - np.float32(plan.anchor[2]))
    u = [sum(np.float32(plan.axes[i, j]) * d[j] for j in range(3)) for i in range(3)]
    a, b, c = (np.float32(e) for e in plan.extent_mm)
    if plan.kind == "cortical":
        along = u[0] / a
        taper = 1.0 - np.float32(0.5) * np.clip(along, 0.0, 1.0)
        score = 1.0 - ((u[1] / (b * taper)) ** 2 + (u[2] / (c * taper)) ** 2) - ((along - 0.5) / 0.5) ** 2
    else:
        score = 1.0 - (u[0] / a) ** 2 - (u[1] / b) ** 2 - (u[2] / c) ** 2
    return score + np.float32(plan.irregularity) * plan.field(px, py, pz)


@dataclass
class DrawnLesion:
    """A lesion's voxels: ``mask`` (bool) over the array block ``box``; ``volume_ml`` counted."""

    mask: np.ndarray
    box: tuple[slice, slice, slice]
    volume_ml: float


def lesion_mask(plan: LesionPlan, grid: MriGrid, brain: BrainParams, tissue: np.ndarray) -> DrawnLesion:
    """The ``round(volume / voxel volume)`` (at least 1) parenchyma voxels of highest score."""
    reach = 1.6 * max(plan.extent_mm) + 3.0 * max(grid.spacing)
    centre = plan.anchor + (plan.axes[0] * plan.extent_mm[0] * 0.5 if plan.kind == "cortical" else 0.0)
    corners = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)]) * reach + centre
    ras = brain.to_ras(corners)
    box = grid.box_of(ras.min(axis=0), ras.max(axis=0))
    z, y, x = grid.axes_ras(box)
    score = _score(plan, *brain.to_template(x, y, z))
    allowed = np.isin(tissue[box], PARENCHYMA)
    count = min(max(1, int(round(plan.volume_ml / grid.voxel_volume_ml))), int(allowed.sum()))
    mask = np.zeros(score.shape, bool)
    if count:
        candidates = np.flatnonzero(allowed)
        values = score.ravel()[candidates]
        chosen = candidates[np.argpartition(-values, count - 1)[:count]]
        mask.ravel()[chosen] = True
    return DrawnLesion(mask, box, count * grid.voxel_volume_ml)


def render_lesion(image: np.ndarray, drawn: DrawnLesion, plan: LesionPlan, brain: BrainParams,
                  spacing_zyx: tuple[float, float, float]) -> None:
    """Write a lesion's T1 intensities (relative to WM) into ``image`` in place: the rim value
    at the border, the core value ``rim_mm`` inside it, linear in the distance between."""
    rim = plan.core + plan.rim_fraction * (brain.gm - plan.core)
    padded = np.pad(drawn.mask, 1)
    inside = ndimage.distance_transform_edt(padded, sampling=spacing_zyx)[1:-1, 1:-1, 1:-1]
    weight = np.clip((inside - 0.5 * min(spacing_zyx)) / plan.rim_mm, 0.0, 1.0).astype(np.float32)
    values = np.float32(rim) + np.float32(plan.core - rim) * weight
    block = image[drawn.box]
    block[drawn.mask] = values[drawn.mask]
