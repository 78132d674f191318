"""The three challengeR ranking schemes on hand-built matrices."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from lesionbench.ranking import (
    aggregate_then_rank,
    holm_adjust,
    min_rank,
    pairwise_significance,
    rank_then_aggregate,
)
from lesionbench.ranking import test_then_rank as tested_rank
from lesionbench.stats import CompareSettings

# A wins most cases by a little, B wins one case by a lot: the mean favours B, the ranks favour A.
MATRIX = pd.DataFrame({"A": [0.80, 0.80, 0.80, 0.80, 0.10],
                       "B": [0.79, 0.79, 0.79, 0.79, 0.99],
                       "C": [0.50, 0.50, 0.50, 0.50, 0.50]})


def settings(**kwargs) -> CompareSettings:
    return CompareSettings.from_dict({"reference": "A", **kwargs})


def test_min_rank_ties_share_the_smallest_rank():
    assert min_rank(np.array([0.5, 0.9, 0.5, 0.1])).tolist() == [2, 1, 2, 4]
    assert min_rank(np.array([[1.0, 2.0], [3.0, 3.0]])).tolist() == [[2, 1], [1, 1]]


def test_aggregate_then_rank_mean_and_median():
    mean = aggregate_then_rank(MATRIX)
    # Means: A 3.3/5 = .66, B 4.15/5 = .83, C .5.
    assert mean["value"].tolist() == pytest.approx([0.66, 0.83, 0.5])
    assert mean["rank"].tolist() == [2, 1, 3]
    median = aggregate_then_rank(MATRIX, aggregate="median")
    assert median["rank"].tolist() == [1, 2, 3]  # medians .8, .79, .5
    lower = aggregate_then_rank(MATRIX, larger_is_better=False)
    assert lower["rank"].tolist() == [2, 3, 1]
    with pytest.raises(ValueError, match="unknown aggregate 'max'"):
        aggregate_then_rank(MATRIX, aggregate="max")


def test_rank_then_aggregate():
    # Per-case ranks: cases 1-4 A1 B2 C3, case 5 B1 C2 A3: mean ranks A 7/5, B 9/5, C 14/5.
    ranked = rank_then_aggregate(MATRIX)
    assert ranked["value"].tolist() == pytest.approx([1.4, 1.8, 2.8])
    assert ranked["rank"].tolist() == [1, 2, 3]


def test_pairwise_one_sided_wilcoxon_with_holm_equals_scipy():
    rng = np.random.default_rng(2)
    matrix = pd.DataFrame({"A": rng.uniform(0.7, 0.9, 12)})
    matrix["B"] = matrix["A"] - rng.uniform(0.01, 0.1, 12)
    matrix["C"] = matrix["B"] - rng.uniform(-0.05, 0.05, 12)
    table = pairwise_significance(matrix, True, settings())
    assert list(zip(table["model"], table["versus"])) == [("A", "B"), ("A", "C"), ("B", "A"), ("B", "C"),
                                                          ("C", "A"), ("C", "B")]
    raw = [stats.wilcoxon(matrix[a], matrix[b], alternative="greater", correction=True).pvalue
           for a, b in zip(table["model"], table["versus"])]
    np.testing.assert_allclose(table["p"], raw)
    np.testing.assert_allclose(table["p_adjusted"], multipletests(raw, method="holm")[1])
    ranked = tested_rank(matrix, True, settings(), table)
    # A beats B and C on every case (exact one-sided p = 1/4096); B vs C is mixed.
    assert ranked.loc["A", "value"] == 2 and ranked.loc["A", "rank"] == 1
    assert ranked["value"].tolist() == table.groupby("model", sort=False)["significant"].sum().tolist()


def test_test_then_rank_lower_is_better_and_identical_models():
    matrix = pd.DataFrame({"A": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "B": [2.0, 3.0, 4.0, 5.0, 6.0, 7.5],
                           "C": [2.0, 3.0, 4.0, 5.0, 6.0, 7.5]})
    table = pairwise_significance(matrix, False, settings())
    same = table[(table["model"] == "B") & (table["versus"] == "C")].iloc[0]
    assert same["p"] == 1.0 and np.isnan(same["statistic"])
    ranked = tested_rank(matrix, False, settings())
    # A lower on all 6 cases: one-sided exact p = 1/64 each, Holm over 6 tests: 6/64 = 0.094 > 0.05.
    assert ranked["value"].tolist() == [0, 0, 0] and ranked["rank"].tolist() == [1, 1, 1]
    relaxed = tested_rank(matrix, False, settings(alpha=0.1))
    assert relaxed["value"].tolist() == [2, 0, 0] and relaxed["rank"].tolist() == [1, 2, 2]


@pytest.mark.parametrize("p", [[0.01, 0.04, 0.03, 0.005], [0.5, 0.5, 0.01], [0.2], [0.9, 0.8, 0.95, 0.001, 0.04]])
def test_holm_equals_statsmodels(p):
    np.testing.assert_allclose(holm_adjust(np.array(p)), multipletests(p, method="holm")[1])
