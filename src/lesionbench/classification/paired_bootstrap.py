"""Paired bootstrap test of the difference of two AUCs on the same subjects.

The alternative to :func:`~lesionbench.classification.delong.delong_test` for paper 001's model
comparison (Table 3, Fig. 6). Each resample draws the positive subjects with replacement among
the positives and the negative subjects among the negatives (stratified, so every resample has
both classes, as :func:`~lesionbench.classification.roc.bootstrap_auc`), and the *same* subjects
score both predictors, which keeps their correlation. As pROC's ``roc.test(method =
"bootstrap")``: ``z = (AUC_a - AUC_b) / sd(bootstrap differences)``, two-sided normal ``p``; the
interval of the difference is the percentile interval of the bootstrap differences. Zero spread
follows the zero-variance rule of :mod:`lesionbench.classification.delong`.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from lesionbench.classification.delong import AucComparison, comparison_from_se
from lesionbench.classification.roc import _check, auc

#: Resamples scored per vectorised batch (fixed, so results do not depend on memory).
BATCH = 256


def _resampled_aucs(pos: np.ndarray, neg: np.ndarray, pos_idx: np.ndarray, neg_idx: np.ndarray) -> np.ndarray:
    """AUC of every resample: ``pos``/``neg`` ``(k, m)``/``(k, n)``, indices ``(B, m)``/``(B, n)``;
    returns ``(k, B)``."""
    m, n = pos_idx.shape[1], neg_idx.shape[1]
    sample = np.concatenate([pos[:, pos_idx], neg[:, neg_idx]], axis=2)  # (k, B, m + n)
    ranks = stats.rankdata(sample, axis=2)
    return (ranks[:, :, :m].sum(axis=2) - m * (m + 1) / 2.0) / (m * n)


def paired_bootstrap_differences(y_true: np.ndarray, prob_a: np.ndarray, prob_b: np.ndarray,
                                 resamples: int = 2000, seed: int = 0) -> np.ndarray:
    """``(resamples,)`` bootstrap values of ``AUC_a - AUC_b`` (subjects resampled within each class,
    the same subjects for both predictors; ``numpy.random.default_rng(seed)``)."""
    labels, a = _check(y_true, prob_a)
    _, b = _check(labels, prob_b)
    m, n = int(labels.sum()), int((~labels).sum())
    if m == 0 or n == 0:
        raise ValueError(f"paired bootstrap of the AUC needs both classes; got {m} positive and {n} negative cases")
    scores = np.stack([a, b])
    pos, neg = scores[:, labels], scores[:, ~labels]
    rng = np.random.default_rng(seed)
    out = np.empty(resamples)
    for start in range(0, resamples, BATCH):
        size = min(BATCH, resamples - start)
        aucs = _resampled_aucs(pos, neg, rng.integers(0, m, (size, m)), rng.integers(0, n, (size, n)))
        out[start:start + size] = aucs[0] - aucs[1]
    return out


def bootstrap_auc_test(y_true: np.ndarray, prob_a: np.ndarray, prob_b: np.ndarray, resamples: int = 2000,
                       confidence: float = 0.95, seed: int = 0) -> AucComparison:
    """Paired, class-stratified bootstrap test of ``AUC_a - AUC_b``, two-sided.

    Args:
        y_true: ``(n_cases,)`` truth (True or 1 = positive, AVM in paper 001).
        prob_a: ``(n_cases,)`` probability of the positive class from predictor a.
        prob_b: ``(n_cases,)`` the same from predictor b, on the same cases in the same order.
        resamples: bootstrap resamples (at least 2).
        confidence: level of the percentile interval of the difference.
        seed: seed of :func:`numpy.random.default_rng`; equal seeds give equal results.

    Returns:
        :class:`~lesionbench.classification.delong.AucComparison` with ``method = "paired
        bootstrap"``: the observed AUCs and difference, ``se`` = standard deviation (ddof 1) of
        the bootstrap differences, ``z``, ``p_value`` and the percentile interval.

    Raises:
        ValueError: for unequal shapes, non-finite scores, a class absent, or ``resamples < 2``.
    """
    if resamples < 2:
        raise ValueError(f"bootstrap_auc_test: resamples must be at least 2, got {resamples}")
    labels, a = _check(y_true, prob_a)
    _, b = _check(labels, prob_b)
    diffs = paired_bootstrap_differences(labels, a, b, resamples, seed)
    tail = 100.0 * (1.0 - confidence) / 2.0
    low, high = np.percentile(diffs, [tail, 100.0 - tail])
    return comparison_from_se(auc(labels, a), auc(labels, b), float(np.std(diffs, ddof=1)), confidence,
                              "paired bootstrap", (float(low), float(high)))
