"""Lesion-wise detection and normalised surface Dice: what stroke segmentation is judged by today.

Paper 003's thesis reports voxel overlap and surface distances only; stroke users also ask how
many lesions were found and how well the boundary lies within a clinical tolerance (ISLES 2022,
Hernandez Petzsche et al., Sci Data 2022; Metrics Reloaded, Maier-Hein et al., Nat Methods 2024):

- **Lesions** are the connected components of a mask, with full (26-) connectivity in 3D (8 in
  2D), as the ISLES 2022 evaluation counts them.
- **Lesion-wise F1**: a reference lesion is *detected* (a true positive) when at least one of its
  voxels is predicted; a predicted lesion that touches no reference voxel is a *false positive*;
  ``F1 = 2 TP / (2 TP + FP + FN)`` with ``FN`` the missed reference lesions (ISLES 2022's
  definition). Both masks empty: no lesion to find, no false alarm: 1 (or NaN, by the dataset's
  both-empty convention); exactly one empty: 0.
- **Lesion count difference**: ``|number of predicted lesions - number of reference lesions|``
  (ISLES 2022's "absolute lesion count difference"); 0 when both are empty.
- **Normalised surface Dice** at tolerance ``tau`` mm (Nikolov et al., JMIR 2021): the fraction of
  both surfaces that lies within ``tau`` of the other, ``(|S_p within tau| + |S_r within tau|) /
  (|S_p| + |S_r|)``, on the surface voxels and distances of :mod:`lesionbench.metrics.distance`
  (each surface voxel weighs the same: MONAI's ``compute_surface_dice`` without sub-voxels, which
  the tests compare against). Both empty: 1 (or NaN); exactly one empty: 0.

Connected components come from :func:`scipy.ndimage.label`.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy import ndimage

from lesionbench.metrics.distance import SurfaceDistances
from lesionbench.typing import Mask

#: Default tolerance of the normalised surface Dice, mm (the issue's and many stroke papers' 2 mm).
DEFAULT_NSD_TOLERANCE_MM = 2.0


class LesionCounts(NamedTuple):
    """Lesion-wise detection counts of one case.

    Attributes:
        ref_lesions: connected components of the reference.
        pred_lesions: connected components of the prediction.
        detected: reference lesions with at least one predicted voxel (TP).
        missed: reference lesions without (FN).
        false_alarms: predicted lesions without a reference voxel (FP).
    """

    ref_lesions: int
    pred_lesions: int
    detected: int
    missed: int
    false_alarms: int


def lesions(mask: Mask) -> tuple[np.ndarray, int]:
    """Connected components of a mask with full connectivity: ``(labels, count)``, labels ``1..count``."""
    mask = np.asarray(mask, dtype=bool)
    structure = np.ones((3,) * mask.ndim, dtype=bool)
    labels, count = ndimage.label(mask, structure=structure)
    return labels, int(count)


def lesion_counts(pred: Mask, ref: Mask) -> LesionCounts:
    """Detected, missed and false-alarm lesions of one case (module docstring for the rules)."""
    pred = np.asarray(pred, dtype=bool)
    ref = np.asarray(ref, dtype=bool)
    if pred.shape != ref.shape:
        raise ValueError(f"prediction shape {pred.shape} differs from reference shape {ref.shape}")
    ref_labels, n_ref = lesions(ref)
    pred_labels, n_pred = lesions(pred)
    detected = np.unique(ref_labels[pred & ref]).size  # labels of reference lesions touched
    false_alarms = n_pred - np.unique(pred_labels[pred & ref]).size
    return LesionCounts(n_ref, n_pred, int(detected), int(n_ref - detected), int(false_alarms))


def lesion_f1(counts: LesionCounts) -> float:
    """``2 TP / (2 TP + FP + FN)``; NaN when both masks are empty (the convention decides)."""
    denominator = 2 * counts.detected + counts.false_alarms + counts.missed
    return math.nan if denominator == 0 else 2 * counts.detected / denominator


def lesion_count_difference(counts: LesionCounts) -> float:
    """``|predicted lesions - reference lesions|``."""
    return float(abs(counts.pred_lesions - counts.ref_lesions))


def normalized_surface_dice(distances: SurfaceDistances | None, tolerance_mm: float) -> float:
    """Fraction of both surfaces within ``tolerance_mm`` of the other (``<=``, as MONAI); NaN if a mask is empty."""
    if not tolerance_mm >= 0:
        raise ValueError(f"normalised surface Dice: tolerance must be >= 0 mm, got {tolerance_mm}")
    if distances is None:
        return math.nan
    within = sum(int(np.count_nonzero(d <= tolerance_mm)) for d in distances)
    return within / sum(d.size for d in distances)
