"""Head anatomy of the phantom in HU: scalp, skull, CSF, grey/white matter and ventricles.

The head is described in a head frame (mm; x left, y posterior, z superior, as LPS) that is
shifted and rotated a few degrees per case. The inner table of the skull is a deformed
ellipsoid: along a direction ``v`` from the head centre its radius is
``(1 + deform(v)) / sqrt((vx/a)^2 + (vy/b)^2 + (vz/c)^2)``, with a flatter lower half (the
skull base) deeper posteriorly (posterior fossa). ``d`` = distance from the voxel to the
inner table along that ray (mm, negative inside) drives every layer: skull of smoothly
varying thickness (thicker at the base) with dense tables and a less dense diploe, scalp,
a thin CSF rim, a cortical grey-matter ribbon over white matter, deep grey nuclei,
butterfly-shaped lateral ventricles, third and fourth ventricles and the interhemispheric
fissure. HU values follow the issue: air -1000, soft tissue ~40, bone 700-1500, grey ~40,
white ~30, CSF 0-15.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lesionbench.phantom.fields import FourierField, ellipsoid_inside, quadratic_form, random_rotation
from lesionbench.phantom.grid import Grid

#: Slices are rendered in chunks of this many to bound memory at 512 x 512.
_CHUNK_SLICES = 8
#: Tissue label of each voxel centre (``HeadVolumes.tissue``; the case adds hematoma and vessel).
#: ``csf`` is the subarachnoid rim and the interhemispheric fissure; ``ventricle`` the ventricles.
TISSUES = {"air": 0, "soft_tissue": 1, "bone": 2, "csf": 3, "ventricle": 4, "brain": 5, "hematoma": 6,
           "vessel": 7}


@dataclass
class HeadParams:
    """Per-case anatomy drawn by :func:`draw_head` (lengths in mm, intensities in HU)."""

    center: np.ndarray            # (3,) x y z, world LPS
    rotation: np.ndarray          # (3, 3) head frame -> world
    semi_axes: tuple[float, float, float, float]  # a (LR), b (AP), c_up, c_down at vy = 0
    base_slope: float             # c_down grows by this * vy (deeper posterior fossa)
    deform: np.ndarray            # (9,) quadratic_form coefficients of the inner table
    skull_mm: float
    skull_base_mm: float          # extra thickness towards the skull base
    skull_var: np.ndarray         # (9,)
    scalp_mm: float
    scalp_var: np.ndarray         # (9,)
    csf_rim_mm: float
    ribbon_mm: float
    ribbon_field: FourierField
    ventricle_scale: float
    hu_table: float
    hu_diploe: float
    hu_scalp: float
    hu_grey: float
    hu_white: float
    hu_csf: float

    @property
    def vertex_z(self) -> float:
        """Approximate z (mm, world) of the top of the scalp."""
        return float(self.center[2] + self.semi_axes[2] + self.skull_mm + self.scalp_mm)


def draw_head(rng: np.random.Generator) -> HeadParams:
    """Draw one head: size, pose (a few degrees), shape deformation, layers and HU."""
    return HeadParams(
        center=np.array([rng.uniform(-6, 6), rng.uniform(-6, 6), rng.uniform(-4, 4)]),
        rotation=random_rotation(rng, (5.0, 3.0, 7.0)),
        semi_axes=(rng.uniform(64, 72), rng.uniform(80, 90), rng.uniform(58, 66), rng.uniform(50, 56)),
        base_slope=rng.uniform(8, 14),
        deform=rng.normal(0, 0.025, size=9),
        skull_mm=rng.uniform(5.0, 7.0),
        skull_base_mm=rng.uniform(5.0, 9.0),
        skull_var=rng.normal(0, 0.8, size=9),
        scalp_mm=rng.uniform(4.0, 7.0),
        scalp_var=rng.normal(0, 0.8, size=9),
        csf_rim_mm=rng.uniform(0.8, 1.8),
        ribbon_mm=rng.uniform(2.5, 4.0),
        ribbon_field=FourierField(rng, 6, (15.0, 35.0)),
        ventricle_scale=rng.uniform(0.8, 1.35),
        hu_table=rng.uniform(1300, 1500),
        hu_diploe=rng.uniform(700, 900),
        hu_scalp=rng.uniform(35, 45),
        hu_grey=rng.uniform(38, 42),
        hu_white=rng.uniform(28, 32),
        hu_csf=rng.uniform(4, 12),
    )


@dataclass
class HeadVolumes:
    """The rendered head, arrays ``(Z, Y, X)``.

    Attributes:
        hu: float32 HU before lesions, blur and noise, averaged over the slice thickness
            (through-plane partial volume).
        intracranial: bool, the true brain mask at the slice centres (parenchyma + CSF;
            lesions go inside it).
        depth_mm: float32 distance (mm) from the voxel centre to the inner table along the
            ray from the head centre; positive inside, negative outside.
        ventricles: bool, lateral, third and fourth ventricles (slice centres).
        parenchyma_hu: float32 HU the brain tissue would have at each voxel (grey/white,
            ignoring CSF), used to render perihematomal oedema.
        z_offsets_mm: offsets (mm) of the sub-slices averaged into ``hu``.
        intracranial_sub: ``(S, Z, Y, X)`` bool intracranial space at each sub-slice.
        hu_sub: ``(S, Z, Y, X)`` float32 HU at each sub-slice (``hu`` is their mean).
        tissue: uint8 :data:`TISSUES` label at the slice centres.
        lesion_excluded: optional bool, voxels no hematoma may occupy (set by the case, e.g.
            :func:`infratentorial` for a supratentorial cohort); ``None``: none.
    """

    hu: np.ndarray
    intracranial: np.ndarray
    depth_mm: np.ndarray
    ventricles: np.ndarray
    parenchyma_hu: np.ndarray
    z_offsets_mm: tuple[float, ...]
    intracranial_sub: np.ndarray
    hu_sub: np.ndarray
    tissue: np.ndarray
    lesion_excluded: np.ndarray | None = None


def subslice_offsets(thickness_mm: float, subsamples: int) -> tuple[float, ...]:
    """Offsets (mm) of ``subsamples`` (odd) points evenly spread over a slice's thickness."""
    if subsamples < 1 or subsamples % 2 == 0:
        raise ValueError(f"phantom: slice_subsamples must be odd and >= 1, got {subsamples}")
    return tuple(((i + 0.5) / subsamples - 0.5) * thickness_mm for i in range(subsamples))


def render_head(grid: Grid, head: HeadParams, subsamples: int = 3) -> HeadVolumes:
    """Render ``head`` on ``grid`` (vectorised, chunks of slices).

    Each slice is the mean of ``subsamples`` axial planes spread over its thickness: the
    rectangular slice-sensitivity profile of a thick CT slice, so oblique surfaces (skull
    base, vertex, ventricles) get realistic through-plane partial volume.
    """
    shape = grid.shape_zyx
    offsets = subslice_offsets(grid.spacing[2], subsamples)
    out = HeadVolumes(
        hu=np.empty(shape, np.float32), intracranial=np.empty(shape, bool),
        depth_mm=np.empty(shape, np.float32), ventricles=np.empty(shape, bool),
        parenchyma_hu=np.empty(shape, np.float32), z_offsets_mm=offsets,
        intracranial_sub=np.empty((subsamples, *shape), bool),
        hu_sub=np.empty((subsamples, *shape), np.float32), tissue=np.empty(shape, np.uint8),
    )
    z, y, x = grid.axes_mm()
    for start in range(0, shape[0], _CHUNK_SLICES):
        sl = slice(start, min(start + _CHUNK_SLICES, shape[0]))
        for i, offset in enumerate(offsets):
            _render_chunk(head, z[sl] + np.float32(offset), y, x, out, sl, i, center=(2 * i + 1 == subsamples))
    np.mean(out.hu_sub, axis=0, out=out.hu)
    return out


def head_frame(head: HeadParams, z: np.ndarray, y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, ...]:
    """Head-frame coordinates ``(qx, qy, qz)`` (mm, float32) of the world grid ``z, y, x``."""
    rt = head.rotation.T.astype(np.float32)
    dz = (z - np.float32(head.center[2]))[:, None, None]
    dy = (y - np.float32(head.center[1]))[None, :, None]
    dx = (x - np.float32(head.center[0]))[None, None, :]
    return tuple(rt[i, 0] * dx + rt[i, 1] * dy + rt[i, 2] * dz for i in range(3))


def _render_chunk(head: HeadParams, z: np.ndarray, y: np.ndarray, x: np.ndarray,
                  out: HeadVolumes, sl: slice, sub: int, center: bool) -> None:
    qx, qy, qz = (q.ravel() for q in head_frame(head, z, y, x))
    shape = (len(z), len(y), len(x))
    r = np.sqrt(qx * qx + qy * qy + qz * qz) + np.float32(1e-6)
    vx, vy, vz = qx / r, qy / r, qz / r
    a, b, c_up, c_down = head.semi_axes
    c = np.where(vz >= 0, np.float32(c_up), np.float32(c_down) + np.float32(head.base_slope) * vy)
    radius = (1 + quadratic_form(head.deform, vx, vy, vz)) / np.sqrt(
        (vx / np.float32(a)) ** 2 + (vy / np.float32(b)) ** 2 + (vz / c) ** 2)
    d = r - radius
    del radius, c

    hu = np.full(d.shape, -1000.0, np.float32)
    tissue_label = np.zeros(d.shape, np.uint8)
    # Neck: soft tissue below the skull base (the lowest slices of a 32-slice slab).
    neck = (qz < -c_down + 5) & ((qx / 52.0) ** 2 + ((qy - 12.0) / 58.0) ** 2 <= 1.0)
    hu[neck] = head.hu_scalp - 10.0
    tissue_label[neck] = TISSUES["soft_tissue"]
    # Skull and scalp: thicknesses are evaluated on the shell only (speed at 512 x 512).
    shell = np.flatnonzero((d >= 0) & (d < 40))
    svx, svy, svz, sd = vx[shell], vy[shell], vz[shell], d[shell]
    skull = np.clip(head.skull_mm + quadratic_form(head.skull_var, svx, svy, svz)
                    + head.skull_base_mm * np.clip(-svz, 0, 1) ** 1.5, 3.0, None)
    scalp = np.clip(head.scalp_mm + quadratic_form(head.scalp_var, svx, svy, svz), 2.5, None)
    f = sd / skull
    shell_hu, shell_label = hu[shell], tissue_label[shell]
    shell_hu[sd < skull + scalp] = head.hu_scalp
    shell_label[sd < skull + scalp] = TISSUES["soft_tissue"]
    bone = f < 1
    shell_hu[bone] = head.hu_diploe + (head.hu_table - head.hu_diploe) * (2 * f[bone] - 1) ** 2
    shell_label[bone] = TISSUES["bone"]
    hu[shell], tissue_label[shell] = shell_hu, shell_label
    del vx, vy, vz, svx, svy, svz

    inside = np.flatnonzero(d < 0)
    depth = -d[inside]
    iqx, iqy, iqz = qx[inside], qy[inside], qz[inside]
    ribbon = head.ribbon_mm + 1.0 * head.ribbon_field(iqx, iqy, iqz)
    grey_weight = 1.0 / (1.0 + np.exp(np.minimum((depth - ribbon) / np.float32(0.8), 30.0)))
    tissue = head.hu_white + (head.hu_grey - head.hu_white) * grey_weight
    # Deep structures are evaluated near the head centre only.
    central = np.flatnonzero(r[inside] < 65)
    cqx, cqy, cqz = iqx[central], iqy[central], iqz[central]
    tissue[central[_deep_grey(cqx, cqy, cqz)]] = head.hu_grey - 2.0
    ventricles = np.zeros(inside.size, bool)
    ventricles[central] = _ventricles(cqx, cqy, cqz, head.ventricle_scale)
    fissure = (np.abs(iqx) < 1.2) & ((iqz > 18) | (np.abs(iqy) > 45)) & (depth < 45)
    csf = ventricles | fissure | (depth < head.csf_rim_mm)
    hu[inside] = np.where(csf, np.float32(head.hu_csf), tissue)
    tissue_label[inside] = np.where(ventricles, TISSUES["ventricle"],
                                    np.where(csf, TISSUES["csf"], TISSUES["brain"]))

    out.hu_sub[sub, sl] = hu.reshape(shape)
    out.intracranial_sub[sub, sl] = (d < 0).reshape(shape)
    if center:
        full_tissue = np.full(d.shape, np.float32(head.hu_white))
        full_tissue[inside] = tissue
        full_ventricles = np.zeros(d.shape, bool)
        full_ventricles[inside] = ventricles
        out.intracranial[sl] = (d < 0).reshape(shape)
        out.depth_mm[sl] = (-d).reshape(shape)
        out.ventricles[sl] = full_ventricles.reshape(shape)
        out.parenchyma_hu[sl] = full_tissue.reshape(shape)
        out.tissue[sl] = tissue_label.reshape(shape)


#: The tentorium in the head frame (mm): ``qz_t = TENTORIUM[0] - TENTORIUM[1] * qy - TENTORIUM[2] * |qx|``,
#: the tent sloping down posteriorly (from the incisura just under the third ventricle, to the
#: transverse sinus ~40 mm below the head centre) and laterally.
TENTORIUM = (-14.0, 0.3, 0.1)
#: The anterior limit of the posterior fossa: ``qy > PETROUS[0] + PETROUS[1] * |qx|`` (the clivus on
#: the midline, the petrous ridges running back laterally); in front lies the middle cranial fossa.
PETROUS = (-5.0, 0.45)


def infratentorial(grid: Grid, head: HeadParams) -> np.ndarray:
    """``(Z, Y, X)`` bool: voxel centres below the tentorium, in the posterior fossa (cerebellum,
    brainstem, fourth ventricle; the phantom draws no separate tissue there).

    A head-frame surface (:data:`TENTORIUM`, :data:`PETROUS`) fitted to the phantom's anatomy:
    the fourth ventricle lies wholly below it, the lateral and third ventricles (temporal horns
    included) wholly above it, for every ventricle scale :func:`draw_head` draws.
    """
    z, y, x = grid.axes_mm()
    out = np.empty(grid.shape_zyx, bool)
    top, slope_y, slope_x = (np.float32(v) for v in TENTORIUM)
    front, slope_petrous = (np.float32(v) for v in PETROUS)
    for start in range(0, grid.shape_zyx[0], _CHUNK_SLICES):
        sl = slice(start, min(start + _CHUNK_SLICES, grid.shape_zyx[0]))
        qx, qy, qz = head_frame(head, z[sl], y, x)
        side = np.abs(qx)
        out[sl] = (qz < top - slope_y * qy - slope_x * side) & (qy > front + slope_petrous * side)
    return out


def _ventricles(qx: np.ndarray, qy: np.ndarray, qz: np.ndarray, k: float) -> np.ndarray:
    """Lateral ventricles (frontal horns diverging anteriorly: the axial 'butterfly'),
    atria/occipital horns, temporal horns, third and fourth ventricles (head frame, mm)."""
    inside = np.zeros(np.broadcast_shapes(qx.shape, qy.shape, qz.shape), bool)
    for side in (-1.0, 1.0):
        # Bodies and frontal horns: anterior ends (y < 0) move laterally.
        inside |= ellipsoid_inside(qx, qy, qz, (side * 8 * k**0.5, -6, 10), (4.5 * k, 24 * k, 6.5 * k), side * 16)
        # Atria and occipital horns: posterior ends move laterally.
        inside |= ellipsoid_inside(qx, qy, qz, (side * 14 * k**0.5, 22, 5), (5 * k, 13 * k, 6 * k), -side * 25)
        # Temporal horns.
        inside |= ellipsoid_inside(qx, qy, qz, (side * 27, 2, -14), (2.5 * k, 12 * k, 3.5 * k), side * 10)
    inside |= ellipsoid_inside(qx, qy, qz, (0, 2, -2), (1.5 * k, 11 * k, 8 * k))
    inside |= ellipsoid_inside(qx, qy, qz, (0, 36, -36), (5 * k, 3.5 * k, 6 * k))
    return inside


def _deep_grey(qx: np.ndarray, qy: np.ndarray, qz: np.ndarray) -> np.ndarray:
    """Thalami, lentiform and caudate nuclei (head frame, mm)."""
    inside = np.zeros(np.broadcast_shapes(qx.shape, qy.shape, qz.shape), bool)
    for side in (-1.0, 1.0):
        inside |= ellipsoid_inside(qx, qy, qz, (side * 9, 8, 2), (7, 12, 8))
        inside |= ellipsoid_inside(qx, qy, qz, (side * 21, -3, 1), (5, 13, 9), side * 8)
        inside |= ellipsoid_inside(qx, qy, qz, (side * 13, -19, 10), (5, 7, 8))
    return inside
