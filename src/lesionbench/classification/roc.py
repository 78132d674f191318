"""ROC curve, AUC with a bootstrap interval, and threshold metrics of a binary classifier.

Paper 001 (section 3.5) reports accuracy, sensitivity (AVM cases called AVM), specificity (other
haemorrhages called other), the ROC curve and its AUC. Written by hand because scikit-learn is
not a dependency; the AUC is the Mann-Whitney form ``P(score_pos > score_neg) + 0.5 P(tie)``,
which equals the trapezoidal area under the empirical ROC curve.
The AUC interval is a stratified percentile bootstrap (positives and negatives resampled
separately, so every resample has both classes), the default of pROC's ``ci.auc``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import stats


def _check(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    labels = np.asarray(labels).astype(bool)
    scores = np.asarray(scores, dtype=float)
    if labels.shape != scores.shape or labels.ndim != 1:
        raise ValueError(f"classification: labels {labels.shape} and scores {scores.shape} must be equal 1-D arrays")
    if not np.isfinite(scores).all():
        raise ValueError("classification: scores contain NaN or infinite values")
    return labels, scores


class RocCurve(NamedTuple):
    """Empirical ROC curve: ``fpr[i]``, ``tpr[i]`` for calling ``score >= thresholds[i]``
    positive; ``thresholds[0]`` is ``+inf`` (nothing positive, the point (0, 0))."""

    fpr: np.ndarray
    tpr: np.ndarray
    thresholds: np.ndarray


def roc_curve(labels: np.ndarray, scores: np.ndarray) -> RocCurve:
    """ROC curve over every distinct score, highest threshold first.

    Args:
        labels: ``(n,)`` truth (True = positive class, AVM in paper 001).
        scores: ``(n,)`` predicted probability of the positive class.

    Raises:
        ValueError: if the shapes differ, a score is not finite, or a class is absent.
    """
    labels, scores = _check(labels, scores)
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError(f"ROC curve needs both classes; got {n_pos} positive and {n_neg} negative cases")
    thresholds = np.unique(scores)[::-1]
    tp = np.array([np.sum(labels & (scores >= t)) for t in thresholds], dtype=float)
    fp = np.array([np.sum(~labels & (scores >= t)) for t in thresholds], dtype=float)
    return RocCurve(np.concatenate([[0.0], fp / n_neg]), np.concatenate([[0.0], tp / n_pos]),
                    np.concatenate([[np.inf], thresholds]))


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve, ``(R_pos - n_pos (n_pos + 1) / 2) / (n_pos n_neg)`` with the
    mid-ranks ``R`` of the positive scores (ties count one half). NaN if a class is absent."""
    labels, scores = _check(labels, scores)
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = stats.rankdata(scores)
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def bootstrap_auc(labels: np.ndarray, scores: np.ndarray, resamples: int = 2000, confidence: float = 0.95,
                  seed: int = 0) -> tuple[float, float]:
    """Stratified percentile bootstrap interval of the AUC; NaN if a class is absent."""
    labels, scores = _check(labels, scores)
    pos, neg = scores[labels], scores[~labels]
    if pos.size == 0 or neg.size == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    values = np.empty(resamples)
    truth = np.concatenate([np.ones(pos.size, bool), np.zeros(neg.size, bool)])
    for i in range(resamples):
        sample = np.concatenate([rng.choice(pos, pos.size), rng.choice(neg, neg.size)])
        values[i] = auc(truth, sample)
    tail = 100.0 * (1.0 - confidence) / 2.0
    low, high = np.percentile(values, [tail, 100.0 - tail])
    return float(low), float(high)


def threshold_metrics(labels: np.ndarray, scores: np.ndarray, threshold: float = 0.5) -> dict[str, float]:
    """Confusion counts, accuracy, sensitivity and specificity when ``score >= threshold`` is
    called positive (paper 001 section 3.5 definitions; NaN where a denominator is 0)."""
    labels, scores = _check(labels, scores)
    called = scores >= threshold
    tp, fp = int(np.sum(called & labels)), int(np.sum(called & ~labels))
    fn, tn = int(np.sum(~called & labels)), int(np.sum(~called & ~labels))
    n = tp + fp + fn + tn
    return {"tp": tp, "fp": fp, "fn": fn, "tn": tn,
            "accuracy": (tp + tn) / n if n else float("nan"),
            "sensitivity": tp / (tp + fn) if tp + fn else float("nan"),
            "specificity": tn / (tn + fp) if tn + fp else float("nan")}
