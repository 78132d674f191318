"""The VOI crop of a ``3d_voi`` prediction (``voi/{case}.npz``), for the metrics inside the VOI.

Paper 001 (sections 3.4-3.5) scores DSC, sensitivity, specificity and PPV on the 64^3 VOI around
the hematoma. Beside each label map of a cross-validation fold or a test-set ensemble, predict
writes the thresholded probability and the reference cropped to the VOI the samples stage cut
for training: placed by :func:`lesionbench.samples.voi_start` on the reference lesion and cut by
:func:`lesionbench.samples.crop_voi` (the very functions of
:func:`lesionbench.samples.voi.extract_voi`), on the cropped preprocessed grid. With
``placement: voi`` this is the model's own VOI output; with ``placement: sliding_window``, the
same VOI cut out of the whole-volume probability, so both placements are scored on the same voxels.
Voxels of the VOI outside the volume (zero padding where an axis is shorter than the VOI) are
background in both crops. New scans (``lesionbench segment``) have no reference and get no crop.

The format and its reader live in :mod:`lesionbench.metrics.voi` (no torch).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import SimpleITK as sitk

from lesionbench.metrics.voi import VoiCase
from lesionbench.samples import SampleSettings, crop_voi, voi_start


@dataclass(frozen=True)
class PreprocessedPrediction:
    """One case's probability and reference on the cropped preprocessed grid (before uncropping).

    Attributes:
        prob: ``(Z, Y, X)`` float32 foreground probability in [0, 1].
        mask: ``(Z, Y, X)`` reference of the preprocessed npz (lesion where ``> 0``).
        spacing_xyz: voxel spacing ``(x, y, z)`` in mm.
    """

    prob: np.ndarray
    mask: np.ndarray
    spacing_xyz: tuple[float, float, float]


def voi_crop(case: PreprocessedPrediction, samples: SampleSettings, threshold: float,
             postprocess: Callable[[sitk.Image], sitk.Image] | None = None) -> VoiCase:
    """The prediction and reference of ``case`` inside its reference-centred VOI.

    Args:
        case: the probability and reference on the preprocessed grid.
        samples: ``voi``, the VOI size ``(D, H, W)`` in voxels (the models' training geometry).
        threshold: foreground where ``prob >= threshold`` (on the preprocessed grid).
        postprocess: the post-processing of the label maps (test-set ensembles), applied to the
            thresholded whole preprocessed volume (its spacing set) before the crop; ``None``: none.

    Returns:
        The :class:`~lesionbench.metrics.voi.VoiCase`: ``pred``, ``ref`` ``(D, H, W)`` uint8 0/1,
        ``voi_start`` ``(z0, y0, x0)``, ``voi_size``, ``spacing_mm`` ``(z, y, x)``.
    """
    voi = tuple(int(n) for n in samples.voi)
    start = voi_start(case.mask, voi)
    ref = (crop_voi(np.asarray(case.mask), start, voi) > 0).astype(np.uint8)
    if postprocess is None:
        pred = (crop_voi(case.prob, start, voi) >= threshold).astype(np.uint8)
    else:
        pred = crop_voi(_postprocessed(case, threshold, postprocess), start, voi)
    return VoiCase(pred, ref, start, voi, tuple(float(s) for s in reversed(case.spacing_xyz)))


def _postprocessed(case: PreprocessedPrediction, threshold: float,
                   postprocess: Callable[[sitk.Image], sitk.Image]) -> np.ndarray:
    """``(Z, Y, X)`` uint8 0/1: the thresholded volume after ``postprocess`` (at the preprocessed spacing)."""
    label = sitk.GetImageFromArray((case.prob >= threshold).astype(np.uint8))
    label.SetSpacing(tuple(float(s) for s in case.spacing_xyz))
    return (sitk.GetArrayFromImage(postprocess(label)) > 0).astype(np.uint8)
