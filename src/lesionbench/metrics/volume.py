"""Lesion volume in mL and the relative volume difference (paper 002).

Paper 002 (section 2.2.2, eq. 2) measures the bleeding volume as ``HV = H x sum_n S_n``: slice
thickness H times the sum of the lesion areas S_n of the slices. With areas in mm^2 (pixel
count x in-plane pixel area) this is exactly voxel count x voxel volume, which is what
:func:`volume_ml` computes (divided by 1000: 1 mL = 1000 mm^3).
"""

from __future__ import annotations

import math

import numpy as np

from lesionbench.metrics.conventions import safe_ratio
from lesionbench.typing import Mask, SpacingZYX


def voxel_volume_mm3(spacing: SpacingZYX) -> float:
    """Volume of one voxel in mm^3 (product of the spacings in mm)."""
    return float(math.prod(float(s) for s in spacing))


def volume_ml(mask: Mask, spacing: SpacingZYX) -> float:
    """Lesion volume in mL: foreground voxel count x voxel volume (mm^3) / 1000.

    Args:
        mask: bool ``(Z, Y, X)``.
        spacing: voxel spacing ``(z, y, x)`` in mm (any order gives the same product).
    """
    return int(np.count_nonzero(mask)) * voxel_volume_mm3(spacing) / 1000.0


def rvd(pred_volume: float, ref_volume: float) -> float:
    """Relative volume difference ``|V_pred - V_ref| / V_ref`` (paper 002 "Rvd"), absolute.

    The absolute value follows the issue: paper 002 reports Rvd as a non-negative difference
    measure ("差异度", lower is better). NaN when ``V_ref`` is 0.

    Args:
        pred_volume, ref_volume: volumes in the same unit (mL, or voxel counts).
    """
    return safe_ratio(abs(pred_volume - ref_volume), ref_volume)
