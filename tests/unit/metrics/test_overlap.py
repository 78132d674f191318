import math

import numpy as np
import pandas as pd
import pytest

from lesionbench.metrics import overlap
from lesionbench.metrics.overlap import Counts, confusion_counts, global_dice

# pred and ref on a (2, 2, 2) grid: TP at 0 and 4, FP at 1, FN at 2 and 5, TN at 3, 6, 7.
PRED = np.array([1, 1, 0, 0, 1, 0, 0, 0], dtype=bool).reshape(2, 2, 2)
REF = np.array([1, 0, 1, 0, 1, 1, 0, 0], dtype=bool).reshape(2, 2, 2)


def test_confusion_counts_by_hand():
    assert confusion_counts(PRED, REF) == Counts(tp=2, fp=1, fn=2, tn=3)


def test_confusion_counts_accepts_uint8():
    assert confusion_counts(PRED.astype(np.uint8), REF.astype(np.uint8) * 7) == Counts(2, 1, 2, 3)


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (overlap.dice, 4 / 7),  # 2TP / (2TP + FP + FN) = 4 / 7
        (overlap.iou, 2 / 5),
        (overlap.ppv, 2 / 3),
        (overlap.sensitivity, 2 / 4),
        (overlap.specificity, 3 / 4),  # TN / (TN + FP), not paper 004's printed TN / (TP + FN) = 3/4 too
        (overlap.accuracy, 5 / 8),
        (overlap.f1, 4 / 7),
    ],
)
def test_scores_by_hand(score, expected):
    assert score(confusion_counts(PRED, REF)) == pytest.approx(expected, abs=1e-12)


def test_specificity_is_not_paper_004_typo():
    # TN=6, FP=2, TP=1, FN=1: TN/(TN+FP) = 0.75, the typo TN/(TP+FN) would give 3.
    assert overlap.specificity(Counts(tp=1, fp=2, fn=1, tn=6)) == pytest.approx(0.75)


def test_f1_equals_harmonic_mean_of_ppv_and_sensitivity():
    c = Counts(tp=7, fp=3, fn=5, tn=100)
    p, s = overlap.ppv(c), overlap.sensitivity(c)
    assert overlap.f1(c) == pytest.approx(2 * p * s / (p + s))


def test_zero_denominator_is_nan_not_error():
    assert math.isnan(overlap.ppv(Counts(0, 0, 3, 5)))
    assert math.isnan(overlap.sensitivity(Counts(0, 3, 0, 5)))


def test_shape_mismatch_raises():
    with pytest.raises(ValueError, match=r"\(2, 2, 2\) differs from reference shape \(2, 2\)"):
        confusion_counts(PRED, REF[0])


def test_global_dice_pools_counts():
    counts = [Counts(2, 1, 2, 3), Counts(10, 0, 0, 5)]
    # (4 + 20) / (7 + 20), not the mean of the per-case Dice (4/7 + 1) / 2.
    assert global_dice(counts) == pytest.approx(24 / 27)
    rows = [c._asdict() for c in counts]
    assert global_dice(rows) == pytest.approx(24 / 27)
    assert global_dice(pd.DataFrame(rows)) == pytest.approx(24 / 27)


def test_global_dice_errors_and_all_empty():
    with pytest.raises(ValueError, match="missing \\['fn'\\]"):
        global_dice(pd.DataFrame({"tp": [1], "fp": [0]}))
    with pytest.raises(ValueError, match="zero cases"):
        global_dice([])
    assert global_dice([Counts(0, 0, 0, 9)]) == 1.0
