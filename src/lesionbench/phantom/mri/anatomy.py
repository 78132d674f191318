"""Skull-stripped brain anatomy of the T1 phantom: tissue labels and T1 contrast.

The brain is drawn in a template frame (mm; x right, y anterior, z superior, origin at the
brain centre) that is scaled, shifted and turned a few degrees per case into the MNI-like RAS
frame of :mod:`lesionbench.phantom.mri.geometry`. Along a direction ``v`` from the centre the
cerebrum's surface lies at ``R(v) = (1 + deform(v)) / sqrt((vx/a)^2 + (vy/b)^2 + (vz/c)^2)``
(a flatter lower half), roughened by a smooth random field; ``depth = R(v) - |p|`` (mm,
positive inside) drives the layers:

* sulci: sheets of CSF along the zero set of a smooth random field ``g`` (distance to the
  sheet ~ ``|g| / |grad g|``), down to a fundus 10-16 mm deep, plus the interhemispheric
  fissure above the corpus callosum;
* a cortical grey-matter ribbon 2.5-3.3 mm thick lining the surface and every sulcus, white
  matter under it;
* deep grey nuclei (caudate, putamen, thalamus), lateral and third ventricles, a cerebellum
  (grey cortex with CSF folia, white core) and a brainstem;
* a CSF rim of 1-2.5 mm outside the pial surface, kept by the brain mask as brain extraction
  keeps it; everything outside the mask is 0 (skull-stripped).

Subject variation: size (-8 % to +4 %), pose, shape, and an atrophy level that widens the sulci and
the rim and enlarges the ventricles (stroke cohorts are older). T1 contrast, relative to
white matter: grey 0.58-0.70, deep grey nuclei between grey and white, CSF 0.18-0.30
(white > grey > CSF as on skull-stripped T1w, e.g. ATLAS, Liew et al., Sci Data 2018).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lesionbench.phantom.fields import FourierField, quadratic_form, random_rotation
from lesionbench.phantom.mri.geometry import MriGrid

#: Tissue label of each voxel (``BrainVolumes.tissue``; the case adds ``lesion``).
TISSUES = {"background": 0, "csf": 1, "ventricle": 2, "gm": 3, "deep_gm": 4, "wm": 5, "lesion": 6}
#: Labels a lesion may replace (parenchyma).
PARENCHYMA = (TISSUES["gm"], TISSUES["deep_gm"], TISSUES["wm"])
#: Template-frame ellipsoids ``(centre, semi-axes)`` of the deep structures (mm, right side;
#: the left one mirrors ``x``). Ventricle semi-axes in x and z grow with the ventricle scale.
_DEEP_GM = (((13.0, 12.0, 2.0), (6.0, 13.0, 10.0)),    # caudate head
            ((23.0, 2.0, -5.0), (7.0, 17.0, 11.0)),    # putamen and pallidum
            ((10.0, -18.0, -2.0), (8.5, 15.0, 10.0)))  # thalamus
_VENTRICLES = (((8.0, 14.0, 4.0), (3.5, 12.0, 7.0)),   # frontal horn
               ((9.5, -8.0, 10.0), (4.5, 20.0, 5.0)),  # body
               ((17.0, -34.0, 4.0), (5.0, 11.0, 7.0)),  # atrium and occipital horn
               ((27.0, -12.0, -20.0), (2.5, 14.0, 3.0)))  # temporal horn
_CEREBELLUM = ((0.0, -48.0, -53.0), (50.0, 30.0, 22.0))


@dataclass
class BrainParams:
    """Per-case anatomy drawn by :func:`draw_brain` (template mm, intensities relative to WM = 1)."""

    center: np.ndarray          # (3,) RAS mm of the template origin
    rotation: np.ndarray        # (3, 3) template -> RAS
    size: float                 # template mm -> RAS mm
    semi_axes: tuple[float, float, float, float]  # a (LR), b (AP), c up, c down
    deform: np.ndarray          # (9,) quadratic_form coefficients
    roughness_mm: float
    roughness: FourierField
    sulci: FourierField
    fundus_mm: float
    fundus_field: FourierField
    sulcus_half_mm: float
    ribbon_mm: float
    rim_mm: float
    ventricle_scale: float
    folia: FourierField
    gm: float
    deep_gm: float
    csf: float
    gain: float                 # white-matter intensity (arbitrary units)

    def to_template(self, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, ...]:
        """Template coordinates of RAS points (arrays that broadcast), float32."""
        d = (x - np.float32(self.center[0]), y - np.float32(self.center[1]), z - np.float32(self.center[2]))
        inverse = (self.rotation.T / self.size).astype(np.float32)
        return tuple(inverse[i, 0] * d[0] + inverse[i, 1] * d[1] + inverse[i, 2] * d[2] for i in range(3))

    def to_ras(self, p: np.ndarray) -> np.ndarray:
        """RAS (mm) of template points ``(..., 3)``."""
        return np.asarray(p, float) @ (self.rotation * self.size).T + self.center

    def surface_radius(self, vx: np.ndarray, vy: np.ndarray, vz: np.ndarray) -> np.ndarray:
        """Template distance from the centre to the (smooth) cerebral surface along unit ``v``."""
        a, b, c_up, c_down = (np.float32(s) for s in self.semi_axes)
        c = np.where(vz > 0, c_up, c_down)
        return (1.0 + quadratic_form(self.deform, vx, vy, vz)) / np.sqrt((vx / a) ** 2 + (vy / b) ** 2 + (vz / c) ** 2)

    def intensity_table(self) -> np.ndarray:
        """T1 intensity (relative to WM) by tissue label, ``float32`` indexed by label."""
        table = np.zeros(len(TISSUES), np.float32)
        table[TISSUES["csf"]] = table[TISSUES["ventricle"]] = self.csf
        table[TISSUES["gm"]], table[TISSUES["deep_gm"]], table[TISSUES["wm"]] = self.gm, self.deep_gm, 1.0
        return table


@dataclass
class BrainVolumes:
    """Tissue labels (uint8, ``TISSUES``) and the brain mask (bool) on the grid, ``(z, y, x)``;
    ``box`` is the block of the array that holds the brain."""

    tissue: np.ndarray
    brain: np.ndarray
    box: tuple[slice, slice, slice]


def draw_brain(rng: np.random.Generator, center_ras: tuple[float, float, float] = (0.0, -17.0, 18.0)) -> BrainParams:
    """Draw one brain: size, pose, shape, folding, atrophy and T1 contrast."""
    atrophy = rng.uniform(0.0, 1.0)
    gm = rng.uniform(0.58, 0.70)
    return BrainParams(
        center=np.asarray(center_ras, float) + rng.uniform(-2.5, 2.5, size=3),
        rotation=random_rotation(rng, (4.0, 3.0, 4.0)),
        size=rng.uniform(0.92, 1.04),
        semi_axes=(rng.uniform(66, 70), rng.uniform(83, 88), rng.uniform(55, 60), rng.uniform(46, 52)),
        deform=rng.normal(0.0, 0.02, size=9),
        roughness_mm=rng.uniform(1.0, 2.5),
        roughness=FourierField(rng, 6, (30.0, 70.0)),
        sulci=FourierField(rng, 32, (10.0, 24.0)),
        fundus_mm=rng.uniform(10.0, 16.0),
        fundus_field=FourierField(rng, 4, (40.0, 90.0)),
        sulcus_half_mm=0.45 + 0.6 * atrophy,
        ribbon_mm=rng.uniform(2.5, 3.3),
        rim_mm=1.0 + 1.5 * atrophy,
        ventricle_scale=0.8 + 0.8 * atrophy + rng.uniform(-0.1, 0.1),
        folia=FourierField(rng, 8, (6.0, 14.0)),
        gm=gm,
        deep_gm=gm + rng.uniform(0.3, 0.5) * (1.0 - gm),
        csf=rng.uniform(0.18, 0.30),
        gain=100.0 * rng.uniform(0.8, 1.25),
    )


def brain_box(grid: MriGrid, params: BrainParams) -> tuple[slice, slice, slice]:
    """The array block holding the brain (the template bounding box's corners, turned)."""
    a, b, c_up, _ = params.semi_axes
    low, high = np.array([-a, -b - 3.0, -90.0]) - 6.0, np.array([a, b + 3.0, c_up]) + 6.0
    corners = np.array([[x, y, z] for x in (low[0], high[0]) for y in (low[1], high[1]) for z in (low[2], high[2])])
    ras = params.to_ras(corners)
    return grid.box_of(ras.min(axis=0), ras.max(axis=0))


def _sulcal_distance(field: FourierField, px: np.ndarray, py: np.ndarray, pz: np.ndarray) -> np.ndarray:
    """``|g| / |grad g|``: the distance (mm) to the zero set of ``field`` (1D arrays)."""
    g = np.zeros(px.shape, np.float32)
    grad = [np.zeros(px.shape, np.float32) for _ in range(3)]
    for (kx, ky, kz), phase in zip(field.k.astype(np.float32), field.phase.astype(np.float32)):
        arg = kx * px + ky * py + kz * pz + phase
        g += np.cos(arg)
        s = np.sin(arg)
        grad[0] -= kx * s
        grad[1] -= ky * s
        grad[2] -= kz * s
    norm = np.sqrt(grad[0] ** 2 + grad[1] ** 2 + grad[2] ** 2)
    return np.abs(g) / np.maximum(norm, np.float32(1e-3))


def _ellipsoids(px: np.ndarray, py: np.ndarray, pz: np.ndarray, shapes, scale_xz: float = 1.0) -> np.ndarray:
    """Union of the ``shapes`` and their mirror images in ``x``; ``scale_xz`` widens them in x
    and z (their centres move out by its square root): enlarged ventricles."""
    inside = np.zeros(np.broadcast_shapes(px.shape, py.shape, pz.shape), bool)
    for (cx, cy, cz), (sx, sy, sz) in shapes:
        for side in (1.0, -1.0):
            q = (((px - side * cx * np.sqrt(scale_xz)) / (sx * scale_xz)) ** 2 + ((py - cy) / sy) ** 2
                 + ((pz - cz) / (sz * scale_xz)) ** 2)
            inside |= q <= 1.0
    return inside


def render_brain(grid: MriGrid, params: BrainParams) -> BrainVolumes:
    """Label every voxel centre of ``grid`` (see the module docstring)."""
    box = brain_box(grid, params)
    z, y, x = grid.axes_ras(box)
    px, py, pz = params.to_template(x, y, z)
    norm = np.sqrt(px * px + py * py + pz * pz) + np.float32(1e-6)
    depth = params.surface_radius(px / norm, py / norm, pz / norm) - norm
    del norm
    depth += np.float32(params.roughness_mm) * params.roughness(px, py, pz)
    envelope = depth > -params.rim_mm
    labels = np.where(depth > 0, TISSUES["wm"], TISSUES["csf"]).astype(np.uint8)
    labels[~envelope] = TISSUES["background"]

    # Interhemispheric fissure, except over the corpus callosum and the deep structures.
    callosal = ((py + 10.0) / 45.0) ** 2 + ((pz + 15.0) / 25.0) ** 2 <= 1.0
    fissure_mm = np.where(callosal, np.float32(np.inf), np.abs(px) - np.float32(params.sulcus_half_mm + 0.4))
    distance = np.minimum(depth, fissure_mm)
    # Sulci and the cortical ribbon, evaluated in the outer shell only.
    shell = envelope & (depth > 0) & (depth < params.fundus_mm * 1.3 + params.ribbon_mm + 2.0)
    sx, sy, sz = px[shell], py[shell], pz[shell]
    to_wall = _sulcal_distance(params.sulci, sx, sy, sz) - np.float32(params.sulcus_half_mm)
    fundus = np.float32(params.fundus_mm) * (1.0 + np.float32(0.2) * params.fundus_field(sx, sy, sz))
    below = depth[shell] - fundus
    to_sulcus = np.where(below > 0, np.sqrt(np.maximum(to_wall, 0) ** 2 + below ** 2), to_wall)
    sulcal = np.zeros(depth.shape, bool)
    sulcal[shell] = (to_wall < 0) & (below < 0)
    distance[shell] = np.minimum(distance[shell], to_sulcus)
    labels[(depth > 0) & (distance < params.ribbon_mm)] = TISSUES["gm"]
    labels[(depth > 0) & (sulcal | (fissure_mm < 0))] = TISSUES["csf"]
    del distance, fissure_mm, sulcal, shell

    # Cerebellum (below and behind the cerebrum) and brainstem.
    (cx, cy, cz), (ax, ay, az) = _CEREBELLUM
    r_cb = np.sqrt(((px - cx) / ax) ** 2 + ((py - cy) / ay) ** 2 + ((pz - cz) / az) ** 2)
    depth_cb = (1.0 - r_cb) * np.float32(az)
    cerebellum = (depth_cb > -params.rim_mm) & (depth <= 0)
    cb_label = np.where(r_cb < 0.5, TISSUES["wm"], TISSUES["gm"]).astype(np.uint8)
    cb_label[(r_cb < 0.5) & (np.abs(px) < 4.0)] = TISSUES["gm"]  # vermis
    cb_label[np.abs(params.folia(px, py, pz)) < 0.12] = TISSUES["csf"]
    cb_label[depth_cb <= 0] = TISSUES["csf"]
    labels[cerebellum] = cb_label[cerebellum]
    envelope |= cerebellum
    del r_cb, depth_cb, cb_label, cerebellum
    stem_y = -22.0 + 0.25 * (pz + 40.0)
    stem = ((px / 12.0) ** 2 + ((py - stem_y) / 13.0) ** 2 <= 1.0) & (pz > -85.0) & (pz < -8.0)
    labels[stem] = TISSUES["wm"]
    envelope |= stem

    # Deep grey nuclei and ventricles (inside the cerebrum only).
    deep = depth > 15.0
    labels[deep & _ellipsoids(px, py, pz, _DEEP_GM)] = TISSUES["deep_gm"]
    vs = params.ventricle_scale
    ventricles = _ellipsoids(px, py, pz, _VENTRICLES, vs)
    ventricles &= np.abs(px) > 1.0  # septum pellucidum
    ventricles |= (np.abs(px) < 1.2 * vs) & (((py + 10.0) / 14.0) ** 2 + ((pz + 8.0) / 9.0) ** 2 <= 1.0)  # third
    labels[deep & ventricles] = TISSUES["ventricle"]

    tissue = np.zeros(grid.shape_zyx, np.uint8)
    brain = np.zeros(grid.shape_zyx, bool)
    tissue[box] = np.where(envelope, labels, TISSUES["background"])
    brain[box] = envelope
    return BrainVolumes(tissue, brain, box)
