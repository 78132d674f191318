"""Paired Wilcoxon tests, Shapiro-Wilk and multiple-comparison correction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from lesionbench.stats import (
    TEST_COLUMNS,
    CompareSettings,
    MetricsTableError,
    adjust,
    paired_test,
    paired_tests,
)

# Wikipedia, "Wilcoxon signed-rank test", worked example (10 pairs, one zero difference).
WIKI_X2 = np.array([125, 115, 130, 140, 140, 115, 140, 125, 140, 135], dtype=float)
WIKI_X1 = np.array([110, 122, 125, 120, 140, 124, 123, 137, 135, 145], dtype=float)


def frame(name: str, values: dict[str, list[float]], ids: list[str] | None = None, **extra) -> pd.DataFrame:
    n = len(next(iter(values.values())))
    ids = ids or [f"c{i:02d}" for i in range(n)]
    return pd.DataFrame({"case_id": ids, "experiment": name, **values, **extra})


def settings(**kwargs) -> CompareSettings:
    return CompareSettings.from_dict({"reference": "ours", "metrics": ["dice"], **kwargs})


def series(values, ids=None) -> pd.Series:
    ids = ids or [f"c{i:02d}" for i in range(len(values))]
    return pd.Series(np.asarray(values, dtype=float), index=ids)


def test_wikipedia_example_matches_published_and_r_values():
    # Differences 15,-7,5,20,0,-9,17,-12,5,-10: the zero is dropped (n_r = 9), ranks of |d| are
    # 1.5,1.5,3,...,9 so W+ = 27, W- = 18 and the signed-rank sum W = 9 (as Wikipedia states).
    # R: wilcox.test(x2, x1, paired=TRUE) -> V = 27, p = 0.6353 (normal approximation with
    # continuity correction, ties adjusted: sd = sqrt(9*10*19/24 - (2^3-2)/48) = sqrt(71.125),
    # z = (27 - 22.5 - 0.5) / sqrt(71.125) = 0.4743).
    result = paired_test(series(WIKI_X2), series(WIKI_X1), settings(method="asymptotic", continuity=True))
    assert result.statistic == 18.0  # scipy's two-sided statistic: min(W+, W-)
    assert result.p == pytest.approx(0.6353, abs=5e-5)
    assert result.n == 10 and result.n_dropped == 0


@pytest.mark.parametrize("zero_method", ["wilcox", "pratt", "zsplit"])
@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_wilcoxon_equals_scipy(zero_method, alternative):
    rng = np.random.default_rng(3)
    ref = np.round(rng.uniform(0.5, 1.0, 25), 3)
    other = np.round(ref - rng.normal(0.03, 0.05, 25), 3)
    other[[2, 7]] = ref[[2, 7]]  # two zero differences
    cfg = settings(zero_method=zero_method, alternative=alternative)
    result = paired_test(series(ref), series(other), cfg)
    expected = stats.wilcoxon(ref, other, zero_method=zero_method, alternative=alternative, correction=True)
    assert result.statistic == pytest.approx(float(expected.statistic))
    assert result.p == pytest.approx(float(expected.pvalue))


def test_exact_small_sample_hand_computed():
    # All 5 differences positive: W- = 0; exact two-sided p = 2 / 2^5 = 0.0625.
    result = paired_test(series([0.9, 0.8, 0.7, 0.6, 0.5]), series([0.89, 0.78, 0.67, 0.56, 0.45]), settings())
    assert result.statistic == 0.0
    assert result.p == pytest.approx(0.0625)


def test_shapiro_equals_scipy_and_needs_three_pairs():
    rng = np.random.default_rng(1)
    ref, other = rng.uniform(0.6, 0.95, 12), rng.uniform(0.6, 0.95, 12)
    result = paired_test(series(ref), series(other), settings())
    assert result.shapiro_p == pytest.approx(float(stats.shapiro(ref - other).pvalue))
    short = paired_test(series([0.9, 0.8]), series([0.7, 0.75]), settings())
    assert np.isnan(short.shapiro_p) and "Shapiro" in short.note


def test_all_zero_differences_give_nan_p_with_note():
    result = paired_test(series([0.9, 0.8, 0.7]), series([0.9, 0.8, 0.7]), settings())
    assert np.isnan(result.p) and np.isnan(result.statistic)
    assert "all differences are zero" in result.note


def test_alignment_by_case_id_is_order_independent():
    rng = np.random.default_rng(7)
    ids = [f"c{i:02d}" for i in range(15)]
    ref = frame("ours", {"dice": rng.uniform(0.6, 1, 15).tolist()}, ids)
    other = frame("unet", {"dice": rng.uniform(0.5, 1, 15).tolist()}, ids)
    shuffled = other.sample(frac=1.0, random_state=0).reset_index(drop=True)
    a = paired_tests({"ours": ref, "unet": other}, settings())
    b = paired_tests({"ours": ref, "unet": shuffled}, settings())
    assert not shuffled["case_id"].equals(other["case_id"])
    assert a["p"].iloc[0] == pytest.approx(b["p"].iloc[0])
    assert a["wilcoxon_statistic"].iloc[0] == b["wilcoxon_statistic"].iloc[0]
    expected = stats.wilcoxon(ref["dice"], other["dice"])
    assert a["p"].iloc[0] == pytest.approx(float(expected.pvalue))


def test_inner_join_and_nan_pairs_dropped_and_counted():
    ref = frame("ours", {"dice": [0.9, 0.8, np.nan, 0.7, 0.85, 0.6]}, ["a", "b", "c", "d", "e", "f"])
    other = frame("unet", {"dice": [0.8, 0.75, 0.7, np.nan, 0.8, 0.5, 0.9]}, ["a", "b", "c", "d", "e", "f", "z"])
    table = paired_tests({"ours": ref, "unet": other}, settings())
    row = table.iloc[0]
    assert row["n"] == 4 and row["n_dropped"] == 2  # c and d have a NaN; z is not in ours
    expected = stats.wilcoxon([0.9, 0.8, 0.85, 0.6], [0.8, 0.75, 0.8, 0.5])
    assert row["p"] == pytest.approx(float(expected.pvalue))


def test_no_common_cases_names_the_models():
    ref = frame("ours", {"dice": [0.9, 0.8]}, ["a", "b"])
    other = frame("unet", {"dice": [0.9, 0.8]}, ["x", "y"])
    with pytest.raises(MetricsTableError, match="'ours' and 'unet' share no case"):
        paired_tests({"ours": ref, "unet": other}, settings())


def test_bh_hand_computed_and_equal_to_statsmodels():
    p = np.array([0.01, 0.04, 0.03, 0.005])
    # Sorted 0.005, 0.01, 0.03, 0.04 -> p*4/rank = 0.02, 0.02, 0.04, 0.04 (monotone already).
    np.testing.assert_allclose(adjust(p, "fdr_bh"), [0.02, 0.04, 0.04, 0.02])
    np.testing.assert_allclose(adjust(p, "fdr_bh"), multipletests(p, method="fdr_bh")[1])
    with_nan = adjust(np.array([0.01, np.nan, 0.04]), "fdr_bh")
    assert np.isnan(with_nan[1])
    np.testing.assert_allclose(with_nan[[0, 2]], [0.02, 0.04])  # NaN is not in the family


def _four_models(rng):
    ids = [f"c{i:02d}" for i in range(20)]
    frames = {}
    for k, name in enumerate(["ours", "a", "b", "c"]):
        frames[name] = frame(name, {"dice": np.clip(0.9 - 0.03 * k + rng.normal(0, 0.05, 20), 0, 1),
                                    "ppv": np.clip(0.9 - 0.02 * k + rng.normal(0, 0.05, 20), 0, 1)}, ids)
    return frames


def test_correction_family_per_metric_and_table():
    frames = _four_models(np.random.default_rng(11))
    per_metric = paired_tests(frames, settings(metrics=["dice", "ppv"]))
    assert list(per_metric["model"]) == ["a", "b", "c", "a", "b", "c"]
    for metric in ("dice", "ppv"):
        part = per_metric[per_metric["metric"] == metric]
        np.testing.assert_allclose(part["p_adjusted"], multipletests(part["p"], method="fdr_bh")[1])
    table = paired_tests(frames, settings(metrics=["dice", "ppv"], family="table"))
    np.testing.assert_allclose(table["p_adjusted"], multipletests(table["p"], method="fdr_bh")[1])
    assert list(table["significant"]) == list(table["p_adjusted"] < 0.05)
    holm = paired_tests(frames, settings(metrics=["dice"], correction="holm"))
    np.testing.assert_allclose(holm["p_adjusted"], multipletests(holm["p"], method="holm")[1])


def test_subset_auto_uses_has_lesion():
    ids = [f"c{i}" for i in range(8)]
    lesion = [True, True, True, True, True, True, False, False]
    ref = frame("ours", {"dice": [0.9, 0.8, 0.85, 0.7, 0.95, 0.6, 1.0, 1.0]}, ids, has_lesion=lesion)
    other = frame("unet", {"dice": [0.8, 0.7, 0.86, 0.6, 0.9, 0.5, 0.0, 0.0]}, ids, has_lesion=lesion)
    auto = paired_tests({"ours": ref, "unet": other}, settings()).iloc[0]
    everything = paired_tests({"ours": ref, "unet": other}, settings(subset="all")).iloc[0]
    assert auto["n"] == 6 and everything["n"] == 8
    assert auto["p"] == pytest.approx(float(stats.wilcoxon(ref["dice"][:6], other["dice"][:6]).pvalue))


def test_extra_corrections_effect_size_and_interval_columns():
    rng = np.random.default_rng(11)
    ids = [f"c{i:02d}" for i in range(20)]
    ref = frame("ours", {"dice": rng.uniform(0.6, 0.95, 20).tolist(), "ppv": rng.uniform(0.6, 0.95, 20).tolist()}, ids)
    models = {"ours": ref}
    for k, name in enumerate(["unet", "fcn8s", "segnet"]):
        models[name] = frame(name, {"dice": (ref["dice"] - rng.normal(0.02 * k, 0.05, 20)).tolist(),
                                    "ppv": (ref["ppv"] - rng.normal(0.03 * k, 0.05, 20)).tolist()}, ids)
    per_metric = paired_tests(models, settings(metrics=["dice", "ppv"], bootstrap_resamples=300))
    for metric in ("dice", "ppv"):
        rows = per_metric[per_metric["metric"] == metric]
        np.testing.assert_allclose(rows["p_holm"], multipletests(rows["p"], method="holm")[1])
        np.testing.assert_allclose(rows["p_fdr_bh"], multipletests(rows["p"], method="fdr_bh")[1])
        np.testing.assert_allclose(rows["p_adjusted"], rows["p_fdr_bh"])  # the configured correction
    whole = paired_tests(models, settings(metrics=["dice", "ppv"], family="table", correction="holm",
                                          bootstrap_resamples=300))
    np.testing.assert_allclose(whole["p_holm"], multipletests(whole["p"], method="holm")[1])
    np.testing.assert_allclose(whole["p_adjusted"], whole["p_holm"])
    row = per_metric.iloc[0]
    diff = ref["dice"].to_numpy() - models["unet"]["dice"].to_numpy()
    assert row["mean_difference"] == pytest.approx(diff.mean())
    assert row["mean_difference_ci_low"] < diff.mean() < row["mean_difference_ci_high"]
    ranks = stats.rankdata(np.abs(diff))
    assert row["rank_biserial"] == pytest.approx((ranks[diff > 0].sum() - ranks[diff < 0].sum()) / ranks.sum())
    assert list(per_metric.columns) == TEST_COLUMNS
