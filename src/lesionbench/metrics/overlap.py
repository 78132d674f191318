"""Confusion counts and the overlap scores computed from them.

Pure functions first (segmentation_models_pytorch's ``get_stats`` then ``iou_score``): :func:`confusion_counts` counts voxels once, then
every score is a ratio of the counts that is NaN where its denominator is 0. What a score is
for empty masks is decided in :mod:`lesionbench.metrics.conventions`, not here.

Definitions (voxel counts of one case):
    - dice = ``2TP / (2TP + FP + FN)`` (paper 000 eq. 4, paper 003 eq. 3.11);
    - iou (Jaccard) = ``TP / (TP + FP + FN)`` (paper 002 IOU, paper 003 eq. 3.12);
    - ppv (precision) = ``TP / (TP + FP)`` (paper 000 eq. 6, paper 003 eq. 3.9, paper 004 Pc);
    - sensitivity (recall, SC) = ``TP / (TP + FN)`` (paper 000 eq. 7, paper 003 eq. 3.10);
    - specificity = ``TN / (TN + FP)`` (paper 004 eq. 10 prints ``TN / (TP + FN)``, a typo);
    - accuracy = ``(TP + TN) / (TP + FP + FN + TN)`` (paper 004 eq. 7);
    - f1 = ``2 Pc Sen / (Pc + Sen)`` (paper 004 eq. 11 prints ``Pc + TN`` in the denominator,
      a typo), computed as ``2TP / (2TP + FP + FN)``, the same number for binary masks
      (kept as its own column because paper 004 reports it);
    - global Dice DSC(G) = ``sum 2TP / sum (2TP + FP + FN)`` over the cases (paper 003,
      section 3.5.2).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

import numpy as np

from lesionbench.metrics.conventions import EmptyPolicy, safe_ratio
from lesionbench.typing import Mask


class Counts(NamedTuple):
    """Voxel counts of a binary prediction against a binary reference."""

    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def ref_empty(self) -> bool:
        """No foreground voxel in the reference."""
        return self.tp + self.fn == 0

    @property
    def pred_empty(self) -> bool:
        """No foreground voxel in the prediction."""
        return self.tp + self.fp == 0


def confusion_counts(pred: Mask, ref: Mask) -> Counts:
    """Count true/false positives/negatives voxel-wise.

    Args:
        pred: prediction, bool or 0/1 array of any shape, e.g. ``(Z, Y, X)``.
        ref: reference of the same shape.

    Raises:
        ValueError: if the shapes differ.
    """
    pred = np.asarray(pred, dtype=bool)
    ref = np.asarray(ref, dtype=bool)
    if pred.shape != ref.shape:
        raise ValueError(f"prediction shape {pred.shape} differs from reference shape {ref.shape}")
    tp = int(np.count_nonzero(pred & ref))
    n_pred = int(np.count_nonzero(pred))
    n_ref = int(np.count_nonzero(ref))
    fp = n_pred - tp
    fn = n_ref - tp
    tn = int(pred.size) - tp - fp - fn
    return Counts(tp, fp, fn, tn)


def dice(c: Counts) -> float:
    """Dice similarity coefficient ``2TP / (2TP + FP + FN)``."""
    return safe_ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn)


def iou(c: Counts) -> float:
    """Intersection over union (Jaccard) ``TP / (TP + FP + FN)``."""
    return safe_ratio(c.tp, c.tp + c.fp + c.fn)


def ppv(c: Counts) -> float:
    """Positive predictive value (precision) ``TP / (TP + FP)``."""
    return safe_ratio(c.tp, c.tp + c.fp)


def sensitivity(c: Counts) -> float:
    """Sensitivity (recall) ``TP / (TP + FN)``."""
    return safe_ratio(c.tp, c.tp + c.fn)


def specificity(c: Counts) -> float:
    """Specificity ``TN / (TN + FP)``."""
    return safe_ratio(c.tn, c.tn + c.fp)


def accuracy(c: Counts) -> float:
    """Voxel accuracy ``(TP + TN) / (TP + FP + FN + TN)``."""
    return safe_ratio(c.tp + c.tn, c.tp + c.fp + c.fn + c.tn)


def f1(c: Counts) -> float:
    """F1 score, the harmonic mean of ppv and sensitivity; equals :func:`dice` for binary masks."""
    return safe_ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn)


def global_dice(
    rows_or_counts: Iterable[Counts] | Iterable[Mapping[str, Any]] | Any,
    policy: EmptyPolicy = EmptyPolicy.ONE,
) -> float:
    """DSC(G): ``sum 2TP / sum (2TP + FP + FN)`` over all cases (paper 003, section 3.5.2).

    Args:
        rows_or_counts: :class:`Counts`, mappings with ``tp``, ``fp``, ``fn`` keys (e.g. rows of
            an evaluate TSV), or a pandas DataFrame with those columns.
        policy: value when every case has both masks empty (no foreground anywhere).

    Raises:
        ValueError: if there are no cases, or a row lacks ``tp``/``fp``/``fn``.
    """
    if hasattr(rows_or_counts, "columns"):  # a pandas DataFrame
        missing = {"tp", "fp", "fn"} - set(rows_or_counts.columns)
        if missing:
            raise ValueError(f"global Dice needs columns tp, fp, fn; missing {sorted(missing)}")
        rows: Iterable[Any] = rows_or_counts[["tp", "fp", "fn"]].to_dict("records")
    else:
        rows = rows_or_counts
    numerator = denominator = 0
    n_cases = 0
    for row in rows:
        if isinstance(row, Counts):
            tp, fp, fn = row.tp, row.fp, row.fn
        else:
            try:
                tp, fp, fn = (row[key] for key in ("tp", "fp", "fn"))
            except (KeyError, TypeError) as error:
                raise ValueError(f"global Dice needs tp, fp, fn in every row; got {row!r}") from error
            if any(isinstance(v, float) and math.isnan(v) for v in (tp, fp, fn)):
                raise ValueError(f"global Dice got a NaN count in row {row!r}")
        numerator += 2 * int(tp)
        denominator += 2 * int(tp) + int(fp) + int(fn)
        n_cases += 1
    if n_cases == 0:
        raise ValueError("global Dice of zero cases is undefined")
    if denominator == 0:
        return policy.both_empty_value
    return numerator / denominator
