"""Paired stratified bootstrap test of an AUC difference."""

from __future__ import annotations

import numpy as np
import pytest

from lesionbench.classification import (
    auc,
    bootstrap_auc_test,
    delong_test,
    paired_bootstrap_differences,
)


def data(seed=0):
    rng = np.random.default_rng(seed)
    labels = np.arange(80) < 42
    rng.shuffle(labels)
    latent = labels * 1.5 + rng.normal(size=80)
    return labels, latent + rng.normal(0, 0.2, 80), latent + rng.normal(0, 3.0, 80)


def test_differences_are_paired_stratified_resamples():
    labels, a, b = data()
    diffs = paired_bootstrap_differences(labels, a, b, resamples=20, seed=3)
    rng = np.random.default_rng(3)  # the same draws: positives' indices, then negatives'
    pos_idx, neg_idx = rng.integers(0, 42, (20, 42)), rng.integers(0, 38, (20, 38))
    truth = np.r_[np.ones(42, bool), np.zeros(38, bool)]
    for i in range(20):
        pick = np.r_[np.flatnonzero(labels)[pos_idx[i]], np.flatnonzero(~labels)[neg_idx[i]]]
        assert diffs[i] == pytest.approx(auc(truth, a[pick]) - auc(truth, b[pick]), abs=1e-12)


def test_seeded_symmetric_and_close_to_delong():
    labels, a, b = data()
    result = bootstrap_auc_test(labels, a, b, resamples=2000, seed=1)
    assert result == bootstrap_auc_test(labels, a, b, resamples=2000, seed=1)
    assert result != bootstrap_auc_test(labels, a, b, resamples=2000, seed=2)
    assert result.method == "paired bootstrap" and result.p_value < 0.05
    assert result.difference == pytest.approx(auc(labels, a) - auc(labels, b))
    assert result.ci_low < result.difference < result.ci_high
    delong = delong_test(labels, a, b)
    assert result.se == pytest.approx(delong.se, rel=0.2)  # both estimate the same standard error
    swapped = bootstrap_auc_test(labels, b, a, resamples=2000, seed=1)
    assert swapped.difference == pytest.approx(-result.difference) and swapped.p_value == pytest.approx(result.p_value)
    assert swapped.ci_low == pytest.approx(-result.ci_high) and swapped.ci_high == pytest.approx(-result.ci_low)


def test_identical_predictors_and_errors():
    labels, a, _ = data(1)
    result = bootstrap_auc_test(labels, a, a.copy(), resamples=300)
    assert (result.difference, result.se, result.z, result.p_value) == (0.0, 0.0, 0.0, 1.0)
    with pytest.raises(ValueError, match="needs both classes"):
        bootstrap_auc_test(np.ones(4, bool), np.arange(4.0), np.arange(4.0))
    with pytest.raises(ValueError, match="at least 2"):
        bootstrap_auc_test(labels, a, a, resamples=1)
