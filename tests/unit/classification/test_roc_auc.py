"""ROC curve, AUC (Mann-Whitney identity), bootstrap interval and threshold metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from lesionbench.classification import (
    auc,
    bootstrap_auc,
    classification_table,
    roc_curve,
    roc_table,
    threshold_metrics,
)
from lesionbench.stats import CompareSettings, MetricsTableError

LABELS = np.array([1, 1, 0, 0, 1], dtype=bool)
SCORES = np.array([0.9, 0.4, 0.6, 0.1, 0.8])


def test_auc_hand_computed_and_mann_whitney():
    # Positive-negative pairs ordered correctly: (.9,.6) (.9,.1) (.4,.1) (.8,.6) (.8,.1) = 5 of 6.
    assert auc(LABELS, SCORES) == pytest.approx(5 / 6)
    rng = np.random.default_rng(0)
    labels = rng.uniform(size=60) < 0.4
    scores = np.round(np.clip(labels * 0.3 + rng.uniform(0, 0.7, 60), 0, 1), 2)  # rounded: ties
    u = stats.mannwhitneyu(scores[labels], scores[~labels]).statistic
    assert auc(labels, scores) == pytest.approx(u / (labels.sum() * (~labels).sum()))
    curve = roc_curve(labels, scores)
    assert auc(labels, scores) == pytest.approx(integrate.trapezoid(curve.tpr, curve.fpr))
    assert np.isnan(auc(np.ones(3, bool), np.array([0.1, 0.2, 0.3])))


def test_roc_curve_points():
    curve = roc_curve(LABELS, SCORES)
    assert curve.thresholds.tolist() == [np.inf, 0.9, 0.8, 0.6, 0.4, 0.1]
    assert curve.fpr.tolist() == [0, 0, 0, 0.5, 0.5, 1.0]
    np.testing.assert_allclose(curve.tpr, [0, 1 / 3, 2 / 3, 2 / 3, 1, 1])
    with pytest.raises(ValueError, match="needs both classes; got 0 positive and 2 negative"):
        roc_curve(np.zeros(2, bool), np.array([0.1, 0.2]))
    with pytest.raises(ValueError, match="NaN or infinite"):
        roc_curve(LABELS, np.array([0.9, np.nan, 0.6, 0.1, 0.8]))


def test_threshold_metrics():
    # >= 0.5 positive: TP a e, FN b, FP c, TN d.
    assert threshold_metrics(LABELS, SCORES, 0.5) == {"tp": 2, "fp": 1, "fn": 1, "tn": 1, "accuracy": 0.6,
                                                       "sensitivity": 2 / 3, "specificity": 0.5}
    assert threshold_metrics(LABELS, SCORES, 0.6)["fp"] == 1  # at the threshold counts as positive
    assert threshold_metrics(LABELS, SCORES, 0.95)["sensitivity"] == 0.0


def test_bootstrap_interval_is_seeded_and_covers_the_auc():
    rng = np.random.default_rng(1)
    labels = rng.uniform(size=80) < 0.5
    scores = np.clip(labels * 0.25 + rng.uniform(0, 0.75, 80), 0, 1)
    low, high = bootstrap_auc(labels, scores, resamples=500, seed=4)
    assert low < auc(labels, scores) < high
    assert (low, high) == bootstrap_auc(labels, scores, resamples=500, seed=4)
    assert (low, high) != bootstrap_auc(labels, scores, resamples=500, seed=5)
    # Normal-theory check (Hanley & McNeil 1982 standard error) of the width, to Monte Carlo error.
    a, n1, n0 = auc(labels, scores), labels.sum(), (~labels).sum()
    q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
    se = np.sqrt((a * (1 - a) + (n1 - 1) * (q1 - a * a) + (n0 - 1) * (q2 - a * a)) / (n1 * n0))
    assert high - low == pytest.approx(2 * 1.96 * se, rel=0.25)


def test_tables_from_metrics_frames():
    frames = {
        "mtl": pd.DataFrame({"case_id": list("edcba"), "cls_prob": SCORES[::-1], "cls_label": LABELS[::-1].astype(int)}),
        "unet": pd.DataFrame({"case_id": list("abcde")}),
        "cnn": pd.DataFrame({"case_id": list("abcde"), "cls_prob": [0.2, 0.3, np.nan, 0.9, 0.1],
                             "cls_label": ["True", "True", "False", "False", "True"]}),
    }
    cfg = CompareSettings.from_dict({"reference": "mtl", "bootstrap_resamples": 100})
    table = classification_table(frames, cfg).set_index("model")
    assert list(table.index) == ["mtl", "cnn"]
    assert table.loc["mtl", "auc"] == pytest.approx(5 / 6) and table.loc["mtl", "accuracy"] == 0.6
    assert table.loc["cnn", "n"] == 4  # the NaN probability is left out
    roc = roc_table(frames, cfg)
    assert roc[roc["model"] == "mtl"]["fpr"].tolist() == [0, 0, 0, 0.5, 0.5, 1.0]
    bad = {"m": pd.DataFrame({"case_id": ["a"], "cls_prob": [1.5], "cls_label": [1]})}
    with pytest.raises(MetricsTableError, match="experiment 'm': 'cls_prob' has values outside"):
        classification_table(bad, CompareSettings.from_dict({"reference": "m"}))
