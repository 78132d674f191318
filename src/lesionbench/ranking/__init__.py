"""Model rankings as the MICCAI challenges report them (challengeR's analyses):
aggregate-then-rank, rank-then-aggregate, test-then-rank, bootstrap stability with Kendall's
tau, and the pairwise significance map."""

from lesionbench.ranking.analysis import (
    RANKING_COLUMNS,
    Rankings,
    rank_metric,
    rank_models,
)
from lesionbench.ranking.bootstrap import (
    BOOTSTRAP_COLUMNS,
    bootstrap_ranks,
    rank_frequencies,
)
from lesionbench.ranking.methods import (
    RANKING_METHODS,
    SIGNIFICANCE_COLUMNS,
    aggregate_then_rank,
    holm_adjust,
    min_rank,
    pairwise_significance,
    rank_then_aggregate,
    test_then_rank,
)

__all__ = [
    "BOOTSTRAP_COLUMNS", "RANKING_COLUMNS", "RANKING_METHODS", "SIGNIFICANCE_COLUMNS", "Rankings",
    "aggregate_then_rank", "bootstrap_ranks", "holm_adjust", "min_rank", "pairwise_significance", "rank_frequencies",
    "rank_metric", "rank_models", "rank_then_aggregate", "test_then_rank",
]
