"""Ranking stability under bootstrap resampling of the cases (challengeR, "bootstrap").

Each of ``CompareSettings.ranking_resamples`` samples draws the cases with replacement
(``numpy.random.default_rng(seed).integers``), ranks the models with the configured scheme,
and compares that ranking with the ranking on all cases by Kendall's tau
(``scipy.stats.kendalltau``, tau-b, which handles tied ranks). A tau near 1 on most samples
means the ranking does not depend on which cases happened to be in the test set. The rank
distribution per model feeds the blob plot.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from lesionbench.ranking.methods import RANKING_METHODS, min_rank
from lesionbench.stats.settings import CompareSettings

#: Columns of ``stats/ranking_bootstrap.tsv`` (without the ``metric`` column added by compare).
BOOTSTRAP_COLUMNS = ["resample", "model", "rank", "kendall_tau"]


def bootstrap_ranks(matrix: pd.DataFrame, larger_is_better: bool, settings: CompareSettings,
                    method: str | None = None, resamples: int | None = None) -> pd.DataFrame:
    """Rank the models on bootstrap samples of the cases.

    Args:
        matrix: cases x models values (no NaN).
        larger_is_better: direction of the metric.
        settings: seed, resamples, aggregate, test options.
        method: ranking scheme (default ``settings.ranking_method``).
        resamples: number of samples (default ``settings.ranking_resamples``).

    Returns:
        Long frame, columns :data:`BOOTSTRAP_COLUMNS`: one row per (sample, model) with the
        model's rank in that sample and the sample's Kendall tau against the full ranking (NaN
        when either ranking is all ties).
    """
    method = method or settings.ranking_method
    resamples = resamples or settings.ranking_resamples
    rank = RANKING_METHODS[method]
    full = rank(matrix, larger_is_better, settings)["rank"].to_numpy()
    rng = np.random.default_rng(settings.seed)
    n = len(matrix)
    samples = rng.integers(0, n, size=(resamples, n))
    if method == "aggregate_then_rank":
        # Vectorised: (B, n, k) -> aggregate over cases -> ranks per sample.
        values = matrix.to_numpy(float)[samples]
        aggregate = values.mean(axis=1) if settings.ranking_aggregate == "mean" else np.median(values, axis=1)
        ranks = min_rank(aggregate if larger_is_better else -aggregate)
    else:
        ranks = np.stack([rank(matrix.iloc[rows].reset_index(drop=True), larger_is_better, settings)["rank"]
                          .to_numpy() for rows in samples])
    taus = np.array([_kendall(full, r) for r in ranks])
    k = matrix.shape[1]
    return pd.DataFrame({"resample": np.repeat(np.arange(resamples), k),
                         "model": np.tile(np.asarray(matrix.columns, dtype=object), resamples),
                         "rank": ranks.ravel(), "kendall_tau": np.repeat(taus, k)}, columns=BOOTSTRAP_COLUMNS)


def rank_frequencies(bootstrap: pd.DataFrame, models: list[str]) -> pd.DataFrame:
    """Models x ranks (1..k) table of how often each model got each rank in the samples."""
    k = len(models)
    counts = pd.crosstab(bootstrap["model"], bootstrap["rank"]).reindex(index=models, columns=range(1, k + 1),
                                                                         fill_value=0)
    return counts.fillna(0).astype(int)


def _kendall(a: np.ndarray, b: np.ndarray) -> float:
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(stats.kendalltau(a, b).statistic)
