"""Bootstrap intervals against an independent percentile bootstrap and normal theory."""

from __future__ import annotations

import numpy as np
import pytest

from lesionbench.stats import bootstrap_mean, bootstrap_paired_difference

RNG = np.random.default_rng(42)
VALUES = RNG.normal(0.8, 0.1, 40)


def test_percentile_equals_a_hand_written_bootstrap():
    # Independent resampling (another generator): the endpoints agree to Monte Carlo error.
    rng = np.random.default_rng(7)
    means = VALUES[rng.integers(0, VALUES.size, (20000, VALUES.size))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    interval = bootstrap_mean(VALUES, resamples=20000, method="percentile", seed=0)
    assert interval.estimate == pytest.approx(VALUES.mean())
    assert (interval.low, interval.high) == pytest.approx((low, high), abs=0.003)


def test_bca_close_to_normal_theory_and_deterministic():
    se = VALUES.std(ddof=1) / np.sqrt(VALUES.size)
    interval = bootstrap_mean(VALUES, resamples=5000, method="BCa", seed=3)
    assert interval.low == pytest.approx(VALUES.mean() - 1.96 * se, abs=0.006)
    assert interval.high == pytest.approx(VALUES.mean() + 1.96 * se, abs=0.006)
    assert bootstrap_mean(VALUES, resamples=5000, seed=3) == interval
    assert bootstrap_mean(VALUES, resamples=5000, seed=4) != interval
    narrow = bootstrap_mean(VALUES, resamples=5000, confidence=0.5, seed=3)
    assert interval.low < narrow.low < narrow.high < interval.high


def test_paired_difference_is_the_one_sample_interval_of_the_differences():
    other = VALUES - RNG.normal(0.05, 0.02, VALUES.size)
    paired = bootstrap_paired_difference(VALUES, other, resamples=1000, seed=1)
    assert paired == bootstrap_mean(VALUES - other, resamples=1000, seed=1)
    assert paired.estimate == pytest.approx(np.mean(VALUES - other))
    with pytest.raises(ValueError, match="differ in shape"):
        bootstrap_paired_difference(VALUES, other[:3])


def test_degenerate_inputs():
    assert bootstrap_mean(np.array([0.5, 0.5, 0.5])) == (0.5, 0.5, 0.5)
    single = bootstrap_mean(np.array([0.7, np.nan]))
    assert single.estimate == 0.7 and np.isnan(single.low) and np.isnan(single.high)
    assert all(np.isnan(bootstrap_mean(np.array([np.nan]))))
