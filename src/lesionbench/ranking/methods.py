"""The three ranking schemes of challengeR (Wiesenfarth et al., Sci Rep 2021; Maier-Hein et al.,
Nat Commun 2018), on a cases x models matrix of one metric.

- aggregate-then-rank: aggregate each model over the cases (mean, or median), then rank the
  aggregates;
- rank-then-aggregate: rank the models within each case, average each model's ranks over the
  cases, then rank the mean ranks;
- test-then-rank: for every ordered pair (i, j) a one-sided paired Wilcoxon signed-rank test of
  "i better than j", Holm-adjusted over all k (k - 1) tests; a model's score is the number of
  models it is significantly better than, ranked from most to fewest wins.

Ranks are 1 = best; ties get the smallest rank of the tied group (R's ``ties.method = "min"``,
challengeR's default), both for the within-case ranks and the final ones.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import stats

from lesionbench.stats.settings import CompareSettings

#: Columns of the pairwise one-sided tests (``stats/ranking_significance.tsv``).
SIGNIFICANCE_COLUMNS = ["model", "versus", "statistic", "p", "p_adjusted", "significant"]


def min_rank(scores: np.ndarray) -> np.ndarray:
    """Ranks of ``scores`` along the last axis, 1 = largest score, ties share the smallest rank.

    Args:
        scores: ``(..., k)`` where larger is better.
    """
    return stats.rankdata(-np.asarray(scores, dtype=float), method="min", axis=-1).astype(int)


def _oriented(values: np.ndarray, larger_is_better: bool) -> np.ndarray:
    return values if larger_is_better else -values


def aggregate_then_rank(matrix: pd.DataFrame, larger_is_better: bool = True, aggregate: str = "mean") -> pd.DataFrame:
    """Aggregate each model over the cases, then rank.

    Args:
        matrix: cases x models values (no NaN: see ``stats.frames.metric_matrix``).
        larger_is_better: direction of the metric.
        aggregate: ``"mean"`` or ``"median"``.

    Returns:
        Frame indexed by model with ``value`` (the aggregate) and ``rank``.
    """
    functions = {"mean": np.mean, "median": np.median}
    if aggregate not in functions:
        raise ValueError(f"unknown aggregate {aggregate!r}; valid: {sorted(functions)}")
    values = functions[aggregate](matrix.to_numpy(float), axis=0)
    return pd.DataFrame({"value": values, "rank": min_rank(_oriented(values, larger_is_better))},
                        index=matrix.columns)


def rank_then_aggregate(matrix: pd.DataFrame, larger_is_better: bool = True) -> pd.DataFrame:
    """Rank the models within each case, average the ranks, rank the averages.

    Returns:
        Frame indexed by model with ``value`` (the mean within-case rank) and ``rank``.
    """
    case_ranks = min_rank(_oriented(matrix.to_numpy(float), larger_is_better))
    mean = case_ranks.mean(axis=0)
    return pd.DataFrame({"value": mean, "rank": min_rank(-mean)}, index=matrix.columns)


def holm_adjust(p_values: np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values, ``max_{j <= i} min(1, (m - j + 1) p_(j))`` in sorted
    order.

    Equal to ``statsmodels.stats.multitest.multipletests(p, method="holm")[1]`` (checked in the
    tests); written here because statsmodels runs ``gc.collect()`` on every Holm call (about
    0.1 s in a full process), which would dominate a bootstrap of test-then-rank.
    """
    p_values = np.asarray(p_values, dtype=float)
    m = p_values.size
    order = np.argsort(p_values, kind="stable")
    adjusted = np.minimum(1.0, np.maximum.accumulate(p_values[order] * np.arange(m, 0, -1)))
    out = np.empty(m)
    out[order] = adjusted
    return out


def r_method(differences: np.ndarray, method: str) -> str:
    """scipy Wilcoxon method that reproduces R's ``wilcox.test`` choice when ``method`` is
    ``"auto"``: ``"exact"`` for fewer than 50 pairs without ties or zeros, else ``"asymptotic"``."""
    if method != "auto":
        return method
    magnitudes = np.abs(differences)
    exact = differences.size < 50 and np.all(magnitudes > 0) and np.unique(magnitudes).size == magnitudes.size
    return "exact" if exact else "asymptotic"


def pairwise_significance(matrix: pd.DataFrame, larger_is_better: bool, settings: CompareSettings) -> pd.DataFrame:
    """One-sided paired Wilcoxon test of every ordered pair "model better than versus", Holm
    over all of them (challengeR's significance map).

    The Wilcoxon options (zero handling, exact/normal, continuity) are the settings', except
    that ``method="auto"`` follows R's ``wilcox.test`` (which challengeR calls): exact without
    ties or zero differences for n < 50, else the normal approximation, where scipy would run a
    permutation test for n <= 13 (bootstrap samples repeat cases, so ties are the rule there, and
    thousands of permutation tests would dominate the run time). A pair whose values are
    identical on every case gets p = 1 (no evidence either way).

    Returns:
        Columns :data:`SIGNIFICANCE_COLUMNS`, one row per ordered pair, ``significant`` is
        ``p_adjusted < settings.alpha``.
    """
    alternative = "greater" if larger_is_better else "less"
    rows = []
    for a, b in itertools.permutations(matrix.columns, 2):
        x, y = matrix[a].to_numpy(float), matrix[b].to_numpy(float)
        if np.any(x != y):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", category=UserWarning)
                result = stats.wilcoxon(x, y, zero_method=settings.zero_method, correction=settings.continuity,
                                        alternative=alternative, method=r_method(x - y, settings.method))
            statistic, p = float(result.statistic), float(result.pvalue)
        else:
            statistic, p = float("nan"), 1.0
        rows.append({"model": a, "versus": b, "statistic": statistic, "p": p})
    table = pd.DataFrame(rows, columns=SIGNIFICANCE_COLUMNS[:4])
    table["p_adjusted"] = holm_adjust(table["p"].to_numpy())
    table["significant"] = (table["p_adjusted"] < settings.alpha).to_numpy()
    return table


def test_then_rank(matrix: pd.DataFrame, larger_is_better: bool, settings: CompareSettings,
                   significance: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rank by the number of significant one-sided wins.

    Args:
        matrix: cases x models values.
        larger_is_better: direction of the metric.
        settings: alpha and the Wilcoxon options.
        significance: :func:`pairwise_significance` of the same matrix, if already computed.

    Returns:
        Frame indexed by model with ``value`` (wins) and ``rank``.
    """
    if significance is None:
        significance = pairwise_significance(matrix, larger_is_better, settings)
    wins = significance.groupby("model")["significant"].sum().reindex(matrix.columns, fill_value=0)
    values = wins.to_numpy(dtype=float)
    return pd.DataFrame({"value": values, "rank": min_rank(values)}, index=matrix.columns)


test_then_rank.__test__ = False  # type: ignore[attr-defined]  # not a pytest test

RankingMethod = Callable[[pd.DataFrame, bool, CompareSettings], pd.DataFrame]
#: name -> ranking scheme ``(matrix, larger_is_better, settings) -> frame(value, rank)``.
RANKING_METHODS: dict[str, RankingMethod] = {
    "aggregate_then_rank": lambda m, larger, s: aggregate_then_rank(m, larger, s.ranking_aggregate),
    "rank_then_aggregate": lambda m, larger, s: rank_then_aggregate(m, larger),
    "test_then_rank": lambda m, larger, s: test_then_rank(m, larger, s),
}
