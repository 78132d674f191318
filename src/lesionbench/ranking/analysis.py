"""All ranking analyses of a dataset's models, per ranking metric (what ``compare`` writes).

For every metric of ``CompareSettings.ranking_metrics``: the three rankings side by side
(``ranking.tsv``), the bootstrap rank distributions and Kendall taus of the configured scheme
(``ranking_bootstrap.tsv``), and the one-sided pairwise tests behind test-then-rank
(``ranking_significance.tsv``, the significance map). Cases are the statistics' case rule;
a missing value is handled by ``ranking_missing``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd

from lesionbench.ranking.bootstrap import BOOTSTRAP_COLUMNS, bootstrap_ranks
from lesionbench.ranking.methods import (
    SIGNIFICANCE_COLUMNS,
    aggregate_then_rank,
    pairwise_significance,
    rank_then_aggregate,
    test_then_rank,
)
from lesionbench.stats.frames import metric_matrix, order_models
from lesionbench.stats.settings import CompareSettings

#: Columns of ``stats/ranking.tsv``.
RANKING_COLUMNS = [
    "metric", "model", "label", "larger_is_better", "n", "n_dropped", "aggregate", "rank_aggregate_then_rank",
    "mean_case_rank", "rank_rank_then_aggregate", "significant_wins", "rank_test_then_rank", "bootstrap_method",
    "bootstrap_median_rank", "bootstrap_rank_low", "bootstrap_rank_high", "bootstrap_same_rank_fraction",
    "kendall_tau_median", "kendall_tau_mean",
]


class Rankings(NamedTuple):
    """The three tables of :func:`rank_models`, each with a leading ``metric`` column."""

    ranking: pd.DataFrame
    bootstrap: pd.DataFrame
    significance: pd.DataFrame


def rank_metric(frames: Mapping[str, pd.DataFrame], metric: str, settings: CompareSettings) -> Rankings:
    """Rankings of one metric (see the module docstring)."""
    models = order_models(list(frames), settings.reference)
    larger = settings.larger_is_better(metric)
    matrix = metric_matrix(frames, metric, settings.subset, models, settings.ranking_missing, larger)
    significance = pairwise_significance(matrix, larger, settings)
    ranked = {
        "aggregate_then_rank": aggregate_then_rank(matrix, larger, settings.ranking_aggregate),
        "rank_then_aggregate": rank_then_aggregate(matrix, larger),
        "test_then_rank": test_then_rank(matrix, larger, settings, significance),
    }
    boot = bootstrap_ranks(matrix, larger, settings)
    by_model = boot.groupby("model")["rank"]
    full = ranked[settings.ranking_method]["rank"]
    taus = boot.drop_duplicates("resample")["kendall_tau"]
    tail = 100.0 * (1.0 - settings.confidence) / 2.0
    rows = []
    for model in models:
        ranks = by_model.get_group(model).to_numpy()
        rows.append({
            "metric": metric, "model": model, "label": settings.label(model), "larger_is_better": larger,
            "n": len(matrix), "n_dropped": matrix.attrs["n_dropped"],
            "aggregate": ranked["aggregate_then_rank"].loc[model, "value"],
            "rank_aggregate_then_rank": ranked["aggregate_then_rank"].loc[model, "rank"],
            "mean_case_rank": ranked["rank_then_aggregate"].loc[model, "value"],
            "rank_rank_then_aggregate": ranked["rank_then_aggregate"].loc[model, "rank"],
            "significant_wins": int(ranked["test_then_rank"].loc[model, "value"]),
            "rank_test_then_rank": ranked["test_then_rank"].loc[model, "rank"],
            "bootstrap_method": settings.ranking_method, "bootstrap_median_rank": float(np.median(ranks)),
            "bootstrap_rank_low": float(np.percentile(ranks, tail)),
            "bootstrap_rank_high": float(np.percentile(ranks, 100.0 - tail)),
            "bootstrap_same_rank_fraction": float(np.mean(ranks == full[model])),
            "kendall_tau_median": float(np.nanmedian(taus)) if taus.notna().any() else np.nan,
            "kendall_tau_mean": float(np.nanmean(taus)) if taus.notna().any() else np.nan,
        })
    ranking = pd.DataFrame(rows, columns=RANKING_COLUMNS)
    order = np.lexsort((np.arange(len(models)), ranking[f"rank_{settings.ranking_method}"].to_numpy()))
    boot.insert(0, "metric", metric)
    significance.insert(0, "metric", metric)
    return Rankings(ranking.iloc[order].reset_index(drop=True), boot, significance)


def rank_models(frames: Mapping[str, pd.DataFrame], settings: CompareSettings) -> Rankings:
    """:func:`rank_metric` for every metric of ``settings.ranking_metrics``, concatenated."""
    parts = [rank_metric(frames, metric, settings) for metric in settings.ranking_metrics]
    empty = Rankings(pd.DataFrame(columns=RANKING_COLUMNS), pd.DataFrame(columns=["metric", *BOOTSTRAP_COLUMNS]),
                     pd.DataFrame(columns=["metric", *SIGNIFICANCE_COLUMNS]))
    if not parts:
        return empty
    return Rankings(*(pd.concat([getattr(p, name) for p in parts], ignore_index=True) for name in Rankings._fields))
