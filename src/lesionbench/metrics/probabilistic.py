"""Threshold-free metrics of a foreground probability map against a reference mask.

Per case, from a probability map ``prob`` ``(Z, Y, X)`` (float, the ensemble's foreground
probability written by predict in ``probabilities/{case}.nii.gz``) and the reference mask
``ref`` ``(Z, Y, X)`` (bool), optionally restricted to a region mask (e.g. the brain; default
the whole image; voxels outside it, reference voxels included, are ignored):

- ``auc``: the voxel-level area under the ROC curve, i.e. the probability that a random
  lesion voxel scores higher than a random background voxel, ties counting 1/2 (the
  trapezoidal area over the distinct scores, as :func:`sklearn.metrics.roc_auc_score`);
- ``ap``: average precision, the step-wise area under the precision-recall curve,
  ``AP = sum_k (R_k - R_{k-1}) P_k`` over the distinct scores in decreasing order, with
  ``R_0 = 0`` (as :func:`sklearn.metrics.average_precision_score`: no interpolation);
- ``dice_mean256`` / ``dice_max256``: the mean / maximum of the Dice over 256 thresholds of the
  min-max-normalised map, the protocol of Inf-Net (Fan et al., IEEE TMI 2020) and its
  evaluation toolbox (``main.m`` with ``Fmeasure_calu.m``), see :func:`dice_curve256`.

Tied scores form one step of every curve (one threshold). All four metrics come from one sort
of the voxel scores (:func:`distinct_scores`: ``O(n log n)``; ``n`` ~ 10^6-10^7 voxels), the
256-threshold Dice from the cumulative histogram of the quantised map read off that sort, not
from 256 passes over the volume.

Undefined values follow :mod:`lesionbench.metrics.conventions`
(:func:`~lesionbench.metrics.conventions.threshold_free_defined`): every metric is NaN for an
empty reference, ``auc`` also for a reference that fills the image (or region).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from lesionbench.metrics.conventions import threshold_free_defined
from lesionbench.typing import FloatArray, Mask

#: The 256 thresholds of :func:`dice_curve256`: ``k / 255`` for ``k = 0 .. 255`` (ascending),
#: the levels ``1:-1/255:0`` of Inf-Net's ``main.m`` in increasing order.
THRESHOLDS_256: npt.NDArray[np.float64] = np.arange(256, dtype=np.float64) / 255.0


@dataclass(frozen=True)
class DistinctScores:
    """The voxel scores of one case grouped by distinct value: the sort every metric shares.

    Attributes:
        values: ``(U,)`` the distinct scores, ascending (the map's own dtype).
        totals: ``(U,)`` int64, voxels with each score.
        positives: ``(U,)`` int64, reference (lesion) voxels with each score.
    """

    values: np.ndarray
    totals: npt.NDArray[np.int64]
    positives: npt.NDArray[np.int64]

    @functools.cached_property
    def n_positive(self) -> int:
        """Reference voxels (inside the region)."""
        return int(self.positives.sum())

    @functools.cached_property
    def n_negative(self) -> int:
        """Background voxels (inside the region)."""
        return int(self.totals.sum()) - self.n_positive

    @functools.cached_property
    def descending(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """``(tps, fps)`` ``(U,)``: lesion and background voxels scoring ``>=`` each distinct score,
        highest score first (the ROC and precision-recall curves' steps)."""
        positives = self.positives[::-1]
        return np.cumsum(positives), np.cumsum(self.totals[::-1] - positives)

    @functools.cached_property
    def dice_curve(self) -> npt.NDArray[np.float64]:
        """``(256,)`` Dice at the thresholds :data:`THRESHOLDS_256` (see :func:`dice_curve256`)."""
        if self.values.size == 0:
            return np.full(THRESHOLDS_256.size, math.nan)
        normalised = min_max_normalise(self.values)  # non-decreasing, as the values are
        below = np.searchsorted(normalised, THRESHOLDS_256, side="left")  # distinct values < t_k
        predicted = int(self.totals.sum()) - np.r_[0, np.cumsum(self.totals)][below]  # voxels with v >= t_k
        true_positive = self.n_positive - np.r_[0, np.cumsum(self.positives)][below]
        denominator = (self.n_positive + predicted).astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(denominator > 0, 2.0 * true_positive / denominator, math.nan)


def distinct_scores(prob: FloatArray, ref: Mask, region: Mask | None = None) -> DistinctScores:
    """Sort the voxel scores once and count voxels and lesion voxels per distinct score.

    Args:
        prob: ``(Z, Y, X)`` float probability map (any finite scores; only their order and,
            for the Dice sweep, their min-max-normalised values matter).
        ref: ``(Z, Y, X)`` reference mask (non-zero is lesion).
        region: ``(Z, Y, X)`` mask of the voxels to score; all voxels when None.

    Returns:
        The grouped scores; ``-0.0`` and ``0.0`` are one score.

    Raises:
        ValueError: if the shapes differ or a score is NaN or infinite.
    """
    scores, labels = _voxels(prob, ref, region)
    if scores.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return DistinctScores(scores, empty, empty.copy())
    ordered = np.sort(scores)
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    values = ordered[starts]
    totals = np.diff(np.r_[starts, ordered.size]).astype(np.int64, copy=False)
    n_positive = int(np.count_nonzero(labels))
    # Place the smaller class on the distinct values (a binary search of few voxels).
    count_lesion = n_positive <= labels.size - n_positive
    counted = labels if count_lesion else ~labels
    counts = np.bincount(np.searchsorted(values, scores[counted]), minlength=values.size).astype(np.int64, copy=False)
    positives = counts if count_lesion else totals - counts
    return DistinctScores(values, totals, positives)


def _voxels(prob: FloatArray, ref: Mask, region: Mask | None) -> tuple[np.ndarray, npt.NDArray[np.bool_]]:
    """The scored voxels as flat ``(scores, labels)`` arrays, checked."""
    prob = np.asarray(prob)
    ref = np.asarray(ref, dtype=bool)
    if prob.shape != ref.shape:
        raise ValueError(f"probability map shape {prob.shape} differs from reference shape {ref.shape}")
    if not np.issubdtype(prob.dtype, np.floating):
        prob = prob.astype(np.float64)
    if region is not None:
        region = np.asarray(region, dtype=bool)
        if region.shape != ref.shape:
            raise ValueError(f"region shape {region.shape} differs from reference shape {ref.shape}")
        scores, labels = prob[region], ref[region]
    else:
        scores, labels = prob.ravel(), ref.ravel()
    if not np.isfinite(scores).all():
        raise ValueError(f"probability map holds {int(np.count_nonzero(~np.isfinite(scores)))} NaN or infinite "
                         "voxel(s)")
    return scores, labels


def auc_from_scores(scores: DistinctScores) -> float:
    """ROC AUC of grouped scores (see :func:`auc`)."""
    n_pos, n_neg = scores.n_positive, scores.n_negative
    if not threshold_free_defined("auc", n_pos, n_neg):
        return math.nan
    tps, fps = scores.descending
    tp = np.r_[0, tps]
    twice_area = int(np.sum(np.diff(np.r_[0, fps]) * (tp[1:] + tp[:-1])))  # exact, in voxel-count units
    return twice_area / (2.0 * n_pos * n_neg)


def ap_from_scores(scores: DistinctScores) -> float:
    """Average precision of grouped scores (see :func:`average_precision`)."""
    n_pos = scores.n_positive
    if not threshold_free_defined("ap", n_pos, scores.n_negative):
        return math.nan
    tps, fps = scores.descending
    recall_steps = np.diff(np.r_[0, tps])  # lesion voxels gained at each threshold
    return float(np.sum(recall_steps * (tps / (tps + fps)))) / n_pos


def dice_mean256_from_scores(scores: DistinctScores) -> float:
    """Mean of the 256-threshold Dice curve (see :func:`dice_mean256`)."""
    if not threshold_free_defined("dice_mean256", scores.n_positive, scores.n_negative):
        return math.nan
    return float(np.mean(scores.dice_curve))


def dice_max256_from_scores(scores: DistinctScores) -> float:
    """Maximum of the 256-threshold Dice curve (see :func:`dice_max256`)."""
    if not threshold_free_defined("dice_max256", scores.n_positive, scores.n_negative):
        return math.nan
    return float(np.max(scores.dice_curve))


def min_max_normalise(values: np.ndarray) -> npt.NDArray[np.float64]:
    """``(v - min) / (max - min)`` in float64, in [0, 1] with the maximum exactly 1.

    A constant map normalises to all zeros (as MATLAB's ``mapminmax``, which Inf-Net's
    toolbox uses, maps a constant row to its lower bound). ``values`` of any shape.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return values
    low, high = float(values.min()), float(values.max())
    if high == low:
        return np.zeros_like(values)
    return (values - low) / (high - low)


def auc(prob: FloatArray, ref: Mask, region: Mask | None = None) -> float:
    """Voxel-level area under the ROC curve.

    Args:
        prob: ``(Z, Y, X)`` float probability map.
        ref: ``(Z, Y, X)`` bool reference mask.
        region: ``(Z, Y, X)`` bool mask of the voxels scored (default: all).

    Returns:
        AUC in [0, 1] (0.5: no better than chance; tied scores count 1/2); NaN when the
        reference is empty or fills the region (one class only: undefined).
    """
    return auc_from_scores(distinct_scores(prob, ref, region))


def average_precision(prob: FloatArray, ref: Mask, region: Mask | None = None) -> float:
    """Average precision: ``sum_k (R_k - R_{k-1}) P_k`` over the distinct scores, highest first.

    Args:
        prob: ``(Z, Y, X)`` float probability map.
        ref: ``(Z, Y, X)`` bool reference mask.
        region: ``(Z, Y, X)`` bool mask of the voxels scored (default: all).

    Returns:
        AP in (0, 1] (the lesion fraction for an uninformative map); NaN for an empty
        reference.
    """
    return ap_from_scores(distinct_scores(prob, ref, region))


def dice_curve256(prob: FloatArray, ref: Mask, region: Mask | None = None) -> npt.NDArray[np.float64]:
    """Dice of the min-max-normalised map thresholded at each of 256 levels (Inf-Net protocol).

    The protocol of Inf-Net's evaluation toolbox (``main.m``, ``Fmeasure_calu.m``), per case:

    1. normalise the map by its own minimum and maximum (inside the region):
       ``v = (p - min) / (max - min)`` (:func:`min_max_normalise`; a constant map becomes 0);
    2. for each threshold ``t_k = k / 255``, ``k = 0, 1, ..., 255`` (:data:`THRESHOLDS_256`;
       ``Thresholds = 1:-1/255:0`` there), predict lesion where ``v >= t_k`` (``>=``, as
       ``Label3(sMap >= threshold) = 1``), and take ``Dice_k = 2 TP_k / (|ref| + |pred_k|)``,
       which is 0 when ``TP_k = 0`` (as there).

    So ``t_0 = 0`` predicts every voxel and ``t_255 = 1`` only the voxels at the map's
    maximum; the comparison is ``>=`` because the toolbox uses it, which also keeps the
    maximum in the prediction at ``t = 1``. Differences from the toolbox, by design: the map
    is the stored float32 probability, not an 8-bit PNG (for a PNG that spans 0..255 the two
    agree), and a case is a 3-D volume, not a 2-D slice.

    Args:
        prob: ``(Z, Y, X)`` float probability map.
        ref: ``(Z, Y, X)`` bool reference mask.
        region: ``(Z, Y, X)`` bool mask of the voxels scored (default: all).

    Returns:
        ``(256,)`` Dice at ``t_0 .. t_255``; NaN at a threshold where reference and prediction
        are both empty (0/0). The empty-reference convention is applied by
        :func:`dice_mean256` / :func:`dice_max256`, not here.
    """
    return distinct_scores(prob, ref, region).dice_curve.copy()


def dice_mean256(prob: FloatArray, ref: Mask, region: Mask | None = None) -> float:
    """Mean Dice over the 256 thresholds of :func:`dice_curve256` (Inf-Net's "meanDic").

    Inf-Net averages the curves of all images, then the thresholds; the mean over cases of
    this per-case value is the same number.

    Returns:
        Mean Dice in [0, 1]; NaN for an empty reference (:mod:`lesionbench.metrics.conventions`).
    """
    return dice_mean256_from_scores(distinct_scores(prob, ref, region))


def dice_max256(prob: FloatArray, ref: Mask, region: Mask | None = None) -> float:
    """Maximum Dice over the 256 thresholds of :func:`dice_curve256` (best threshold of this case).

    Not Inf-Net's "maxDic", which is the maximum of the dataset's mean curve (one threshold for
    all images): the mean over cases of this per-case maximum is at least that value.

    Returns:
        Maximum Dice in [0, 1]; NaN for an empty reference.
    """
    return dice_max256_from_scores(distinct_scores(prob, ref, region))


def probabilistic_metrics(prob: FloatArray, ref: Mask, region: Mask | None = None) -> dict[str, float]:
    """``{"auc", "ap", "dice_mean256", "dice_max256"}`` of one case, from a single sort.

    Args:
        prob: ``(Z, Y, X)`` float probability map.
        ref: ``(Z, Y, X)`` bool reference mask.
        region: ``(Z, Y, X)`` bool mask of the voxels scored (default: all).
    """
    scores = distinct_scores(prob, ref, region)
    return {"auc": auc_from_scores(scores), "ap": ap_from_scores(scores),
            "dice_mean256": dice_mean256_from_scores(scores), "dice_max256": dice_max256_from_scores(scores)}
