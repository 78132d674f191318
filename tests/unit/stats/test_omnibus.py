"""Friedman and post-hoc tests against hand computations, published values, scipy and statsmodels."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from lesionbench.stats import (
    CompareSettings,
    friedman_tests,
    mean_ranks,
    nemenyi,
    nemenyi_critical_difference,
    wilcoxon_holm,
)

# Four cases x three models, no ties. Ascending ranks per case: (3,2,1), (3,1,2), (3,2,1), (2,3,1).
VALUES = {"a": [0.9, 0.85, 0.95, 0.7], "b": [0.8, 0.6, 0.9, 0.8], "c": [0.7, 0.7, 0.5, 0.6]}


def frames(values=VALUES) -> dict[str, pd.DataFrame]:
    ids = [f"c{i}" for i in range(len(next(iter(values.values()))))]
    return {m: pd.DataFrame({"case_id": ids, "dice": v}) for m, v in values.items()}


def settings(**kwargs) -> CompareSettings:
    return CompareSettings.from_dict({"reference": "a", "metrics": ["dice"], **kwargs})


def test_friedman_hand_computed():
    # Rank sums R = 11, 8, 5: chi2 = 12 / (4*3*4) * (121 + 64 + 25) - 3*4*4 = 4.5; 2 df: p = exp(-4.5/2).
    friedman, posthoc = friedman_tests(frames(), settings())
    row = friedman.iloc[0]
    assert row["statistic"] == pytest.approx(4.5)
    assert row["p"] == pytest.approx(math.exp(-2.25))
    assert (row["n"], row["k"], bool(row["significant"])) == (4, 3, False)
    assert row["p"] == pytest.approx(stats.friedmanchisquare(*VALUES.values()).pvalue)
    # Mean ranks, 1 = best: a (1+1+1+2)/4, b (2+3+2+1)/4, c (3+2+3+3)/4.
    ranks = posthoc.set_index(["model", "versus"])
    assert ranks.loc[("a", "b"), "mean_rank"] == 1.25 and ranks.loc[("b", "c"), "versus_mean_rank"] == 2.75
    assert len(posthoc) == 3 and set(posthoc["method"]) == {"nemenyi"}


def test_nemenyi_critical_difference_demsar_2006():
    # Demsar (JMLR 2006) section 3.2.2: k = 4 classifiers, N = 14 data sets, q_0.05 = 2.569,
    # CD = 2.569 sqrt(4*5 / (6*14)) = 1.25; Table 5: q_0.05 (k = 3) = 2.343, q_0.10 (k = 4) = 2.291.
    assert nemenyi_critical_difference(4, 14, 0.05) == pytest.approx(1.25, abs=0.005)
    assert nemenyi_critical_difference(3, 6, 0.05) == pytest.approx(2.343 * math.sqrt(12 / 36), abs=1e-3)
    assert nemenyi_critical_difference(4, 14, 0.10) == pytest.approx(2.291 * math.sqrt(20 / 84), abs=1e-3)


def test_nemenyi_two_models_is_the_normal_test_of_mean_ranks():
    # k = 2: the studentized range of 2 normals / sqrt(2) is |Z|, so p = 2 (1 - Phi(z)).
    matrix = pd.DataFrame({"x": [0.9, 0.8, 0.7, 0.6, 0.5, 0.95], "y": [0.8, 0.85, 0.6, 0.5, 0.4, 0.9]})
    row = nemenyi(matrix, True, settings()).iloc[0]
    ranks = mean_ranks(matrix)
    z = abs(ranks["x"] - ranks["y"]) / math.sqrt(2 * 3 / (6 * 6))
    assert row["statistic"] == pytest.approx(z)
    assert row["p"] == pytest.approx(2 * stats.norm.sf(z), rel=1e-4)


def test_wilcoxon_holm_equals_scipy_and_statsmodels():
    rng = np.random.default_rng(0)
    values = {m: np.round(rng.uniform(0.5, 1.0, 15) - 0.05 * i, 3).tolist() for i, m in enumerate("abc")}
    _, posthoc = friedman_tests(frames(values), settings(posthoc="wilcoxon_holm"))
    # continuity=True (the default, as R) -> correction=True.
    raw = [stats.wilcoxon(values[a], values[b], correction=True).pvalue for a, b in (("a", "b"), ("a", "c"), ("b", "c"))]
    np.testing.assert_allclose(posthoc["p"], raw)
    np.testing.assert_allclose(posthoc["p_adjusted"], multipletests(raw, method="holm")[1])
    matrix = pd.DataFrame(values)
    assert wilcoxon_holm(matrix, True, settings())["p"].tolist() == pytest.approx(raw)


def test_lower_is_better_reverses_mean_ranks_and_guards():
    matrix = pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 4.0]})
    assert mean_ranks(matrix, larger_is_better=False).tolist() == [1.0, 2.0]
    assert mean_ranks(matrix, larger_is_better=True).tolist() == [2.0, 1.0]
    two = friedman_tests(frames({"a": [0.9, 0.8], "b": [0.7, 0.6]}), settings())[0].iloc[0]
    assert np.isnan(two["p"]) and "at least 3 models" in two["note"]
    ties = friedman_tests(frames({"a": [0.9, 0.8], "b": [0.9, 0.8], "c": [0.9, 0.8]}), settings())[0].iloc[0]
    assert np.isnan(ties["p"]) and "tie on every case" in ties["note"]
    off = friedman_tests(frames(), settings(friedman=False))
    assert off[0].empty and off[1].empty


def test_cases_with_a_missing_value_are_dropped():
    values = {m: list(v) + [np.nan if m == "b" else 0.5] for m, v in VALUES.items()}
    row = friedman_tests(frames(values), settings())[0].iloc[0]
    assert (row["n"], row["n_dropped"]) == (4, 1) and row["statistic"] == pytest.approx(4.5)
