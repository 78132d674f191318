"""Rank-biserial correlation against a worked example and against scipy's signed-rank sums."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from lesionbench.stats import rank_biserial

# Wikipedia, "Wilcoxon signed-rank test": 10 pairs, one zero difference; W+ = 27, W- = 18.
X2 = np.array([125, 115, 130, 140, 140, 115, 140, 125, 140, 135], dtype=float)
X1 = np.array([110, 122, 125, 120, 140, 124, 123, 137, 135, 145], dtype=float)


def test_worked_example():
    # Zero dropped: r = (27 - 18) / 45 = 0.2; reversed pairs give -0.2.
    assert rank_biserial(X2, X1) == pytest.approx(0.2)
    assert rank_biserial(X1, X2) == pytest.approx(-0.2)
    # Pratt: the zero takes rank 1 and stays in the denominator (ranks 1..10 sum to 55): every other
    # rank rises by 1, W+ = 27 + 5 = 32, W- = 18 + 4 = 22 -> r = 10 / 55.
    assert rank_biserial(X2, X1, "pratt") == pytest.approx(10 / 55)
    d = X2 - X1
    ranks = stats.rankdata(np.abs(d))
    assert rank_biserial(X2, X1, "pratt") == pytest.approx((ranks[d > 0].sum() - ranks[d < 0].sum()) / 55)
    assert rank_biserial(X2, X1, "zsplit") == pytest.approx(rank_biserial(X2, X1, "pratt"))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_equals_scipy_signed_rank_sum(seed):
    rng = np.random.default_rng(seed)
    x = np.round(rng.uniform(0.5, 1.0, 30), 2)
    y = np.round(x - rng.normal(0.02, 0.05, 30), 2)
    nonzero = int(np.sum(x != y))
    total = nonzero * (nonzero + 1) / 2
    r_plus = stats.wilcoxon(x, y, alternative="greater", zero_method="wilcox").statistic  # W+ for one-sided
    assert rank_biserial(x, y) == pytest.approx((2 * r_plus - total) / total)


def test_extremes_and_errors():
    assert rank_biserial(np.array([2.0, 3, 4]), np.array([1.0, 1, 1])) == 1.0
    assert np.isnan(rank_biserial(np.array([1.0, 2]), np.array([1.0, 2])))
    with pytest.raises(ValueError, match="differ in shape"):
        rank_biserial(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="unknown zero_method"):
        rank_biserial(np.zeros(3), np.ones(3), "drop")
