"""A small synthetic head CT for brain-mask tests: skull shell, brain, scalp, hematoma."""

from __future__ import annotations

import numpy as np
import SimpleITK as sitk


def make_head(shape=(20, 96, 96), spacing=(1.6, 1.6, 5.0), seed=0, suture_gap=True):
    """Return ``(image, intracranial, lesion)``: HU image and two ``(Z, Y, X)`` bool truths.

    Brain 35 HU (noise sd 4), ventricles 6 HU, a 70 HU hematoma whose edge touches the inner
    table, skull 1000 HU (6 mm shell), scalp 40 HU (4 mm), air -1000 HU. With
    ``suture_gap`` a 2-pixel gap opens the skull on one side in a few slices, so the
    scalp touches the brain through it.
    """
    rng = np.random.default_rng(seed)
    nz, ny, nx = shape
    z, y, x = np.meshgrid(*(np.arange(n, dtype=float) for n in shape), indexing="ij")
    # physical coordinates (mm) from the centre
    pz, py, px = (z - (nz - 1) / 2) * spacing[2], (y - (ny - 1) / 2) * spacing[1], (x - (nx - 1) / 2) * spacing[0]
    semi = np.array([0.44 * nz * spacing[2], 0.36 * ny * spacing[1], 0.30 * nx * spacing[0]])  # z, y, x mm

    def radius(offset_mm):
        return np.sqrt((pz / (semi[0] + offset_mm)) ** 2 + (py / (semi[1] + offset_mm)) ** 2 + (px / (semi[2] + offset_mm)) ** 2)

    intracranial = radius(0.0) <= 1.0
    skull = (radius(6.0) <= 1.0) & ~intracranial
    scalp = (radius(10.0) <= 1.0) & ~intracranial & ~skull
    hu = np.full(shape, -1000.0)
    hu[scalp] = 40.0
    hu[skull] = 1000.0
    hu[intracranial] = 35.0
    ventricles = ((pz / 15.0) ** 2 + (py / 12.0) ** 2 + (np.abs(px) - 6.0) ** 2 / 16.0) <= 1.0
    hu[ventricles & intracranial] = 6.0
    # hematoma: a ball centred 8 mm inside the inner table on the +x side, radius 10 mm
    centre_x = semi[2] - 8.0
    lesion = ((pz**2 + py**2 + (px - centre_x) ** 2) <= 10.0**2) & intracranial
    hu[lesion] = 70.0
    if suture_gap:
        gap = skull & (np.abs(py) <= spacing[1]) & (px < 0) & (np.abs(pz) <= 1.5 * spacing[2])
        hu[gap] = 40.0
    hu += rng.normal(0.0, 4.0, size=shape)
    image = sitk.GetImageFromArray(hu.astype(np.float32))
    image.SetSpacing(spacing)
    image.SetOrigin((-100.0, -120.0, 30.0))
    return image, intracranial, lesion


def dice(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.astype(bool), b.astype(bool)
    return 2.0 * np.logical_and(a, b).sum() / (a.sum() + b.sum())
