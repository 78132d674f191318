"""Bootstrap ranking stability and the ranking tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from lesionbench.ranking import (
    bootstrap_ranks,
    rank_frequencies,
    rank_metric,
    rank_models,
)
from lesionbench.stats import CompareSettings


def settings(**kwargs) -> CompareSettings:
    return CompareSettings.from_dict({"reference": "A", "ranking_resamples": 200, **kwargs})


def separated() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"A": rng.uniform(0.8, 0.9, 10), "B": rng.uniform(0.5, 0.6, 10), "C": rng.uniform(0.1, 0.2, 10)})


def test_well_separated_models_are_stable():
    boot = bootstrap_ranks(separated(), True, settings())
    assert len(boot) == 200 * 3
    assert (boot["kendall_tau"] == 1.0).all()
    assert boot.groupby("model")["rank"].unique().map(list).to_dict() == {"A": [1], "B": [2], "C": [3]}
    freq = rank_frequencies(boot, ["A", "B", "C"])
    assert freq.to_numpy().tolist() == [[200, 0, 0], [0, 200, 0], [0, 0, 200]]


@pytest.mark.parametrize("method", ["aggregate_then_rank", "rank_then_aggregate", "test_then_rank"])
def test_bootstrap_samples_are_seeded_and_rank_the_drawn_cases(method):
    rng = np.random.default_rng(5)
    matrix = pd.DataFrame({"A": rng.uniform(0.5, 0.9, 8), "B": rng.uniform(0.5, 0.9, 8), "C": rng.uniform(0.5, 0.9, 8)})
    cfg = settings(ranking_method=method, ranking_resamples=20, seed=3)
    boot = bootstrap_ranks(matrix, True, cfg)
    pd.testing.assert_frame_equal(boot, bootstrap_ranks(matrix, True, cfg))
    # Sample 0 redrawn by hand: the same generator, the same draw.
    rows = np.random.default_rng(3).integers(0, 8, size=(20, 8))[0]
    sample = matrix.iloc[rows]
    if method == "aggregate_then_rank":
        expected = stats.rankdata(-sample.mean().to_numpy(), method="min")
    elif method == "rank_then_aggregate":
        expected = stats.rankdata(stats.rankdata(-sample.to_numpy(), method="min", axis=1).mean(axis=0), method="min")
    else:
        expected = None
    first = boot[boot["resample"] == 0]
    if expected is not None:
        assert first["rank"].tolist() == expected.tolist()
    full = {"aggregate_then_rank": stats.rankdata(-matrix.mean().to_numpy(), method="min")}.get(method)
    if full is not None and np.ptp(first["rank"]) > 0:
        assert first["kendall_tau"].iloc[0] == pytest.approx(stats.kendalltau(full, first["rank"]).statistic)


def test_rank_metric_table(tmp_path):
    ids = [f"c{i}" for i in range(10)]
    frames = {m: pd.DataFrame({"case_id": ids, "dice": v, "hd95": 10 * (1 - v)}) for m, v in separated().items()}
    result = rank_metric(frames, "hd95", settings())
    row = result.ranking.set_index("model").loc["A"]
    assert not row["larger_is_better"] and row["rank_aggregate_then_rank"] == 1 and row["significant_wins"] == 2
    assert row["bootstrap_same_rank_fraction"] == 1.0 and row["kendall_tau_median"] == 1.0
    assert (row["bootstrap_rank_low"], row["bootstrap_median_rank"], row["bootstrap_rank_high"]) == (1, 1, 1)
    both = rank_models(frames, settings(ranking_metrics=["dice", "hd95"]))
    assert both.ranking["metric"].tolist() == ["dice"] * 3 + ["hd95"] * 3
    assert set(both.significance["metric"]) == {"dice", "hd95"} and len(both.significance) == 12
    none = rank_models(frames, settings(ranking_metrics=[]))
    assert none.ranking.empty and "rank_test_then_rank" in none.ranking.columns


def test_missing_values_dropped_or_worst():
    ids = ["a", "b", "c"]
    frames = {"A": pd.DataFrame({"case_id": ids, "dice": [0.9, np.nan, 0.9]}),
              "B": pd.DataFrame({"case_id": ids, "dice": [0.8, 0.8, 0.8]})}
    dropped = rank_metric(frames, "dice", settings(ranking_resamples=5)).ranking.set_index("model")
    assert dropped.loc["A", "n"] == 2 and dropped.loc["A", "n_dropped"] == 1
    assert dropped.loc["A", "aggregate"] == pytest.approx(0.9)
    worst = rank_metric(frames, "dice", settings(ranking_resamples=5, ranking_missing="worst")).ranking
    worst = worst.set_index("model")
    # The NaN becomes the worst observed value, 0.8: A's mean (0.9 + 0.8 + 0.9) / 3.
    assert worst.loc["A", "n"] == 3 and worst.loc["A", "aggregate"] == pytest.approx(2.6 / 3)
