"""Threshold-free metrics of a probability map: AUC and AP against scikit-learn, the 256-threshold
Dice against a plain 256-pass implementation, and the NaN conventions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lesionbench.metrics import compute_metrics, get_metric
from lesionbench.metrics import probabilistic as pm
from lesionbench.metrics.conventions import THRESHOLD_FREE_METRICS, threshold_free_defined
from lesionbench.metrics.registry import METRIC_NAMES, METRICS, PROBABILITY_METRICS

sklearn_metrics = pytest.importorskip("sklearn.metrics")

SHAPE = (6, 12, 14)
SPACING = (5.0, 0.5, 0.5)


def _case(seed: int, dtype=np.float64, prevalence: float = 0.1, levels: int | None = None):
    """A random map and reference; ``levels`` rounds the map to that many values (ties)."""
    rng = np.random.default_rng(seed)
    ref = rng.random(SHAPE) < prevalence
    prob = np.clip(rng.random(SHAPE) * 0.8 + 0.2 * ref, 0.0, 1.0)  # informative, not separable
    if levels is not None:
        prob = np.round(prob * (levels - 1)) / (levels - 1)
    return prob.astype(dtype), ref


def _separated():
    ref = np.zeros(SHAPE, dtype=bool)
    ref[2:4, 3:8, 4:9] = True
    prob = np.where(ref, 0.9, 0.1) + np.random.default_rng(1).random(SHAPE) * 0.05
    return prob, ref


def _signed_zeros():
    """Three levels, the zeros of the background written as -0.0: one tie group with the lesion's 0.0."""
    ref = _case(7)[1]
    prob = ((np.arange(np.prod(SHAPE)) % 3) / 2.0).reshape(SHAPE)
    prob[(prob == 0) & ~ref] = -0.0
    assert np.signbit(prob).any()
    return prob, ref


CASES = {
    "random_float64": lambda: _case(0),
    "random_float32": lambda: _case(1, np.float32),
    "ties_3_levels": lambda: _case(2, levels=3),
    "ties_11_levels": lambda: _case(3, np.float32, levels=11),
    "separated": _separated,
    "inverted": lambda: (1.0 - _separated()[0], _separated()[1]),
    "constant": lambda: (np.full(SHAPE, 0.3), _case(4)[1]),
    "rare_lesion": lambda: _case(5, prevalence=0.005),
    "mostly_lesion": lambda: _case(6, prevalence=0.9),
    "negative_zero": _signed_zeros,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_auc_and_ap_match_scikit_learn(name):
    prob, ref = CASES[name]()
    y, s = ref.ravel(), prob.ravel()
    assert pm.auc(prob, ref) == pytest.approx(sklearn_metrics.roc_auc_score(y, s), abs=1e-9)
    assert pm.average_precision(prob, ref) == pytest.approx(sklearn_metrics.average_precision_score(y, s), abs=1e-9)


def test_known_values():
    prob, ref = _separated()
    assert pm.auc(prob, ref) == 1.0 and pm.average_precision(prob, ref) == pytest.approx(1.0)
    assert pm.auc(1.0 - prob, ref) == 0.0
    constant = np.full(SHAPE, 0.7)
    assert pm.auc(constant, ref) == 0.5  # one tie group: every pair counts 1/2
    assert pm.average_precision(constant, ref) == pytest.approx(ref.mean())  # the prevalence
    # A hand-sized case: scores (lesion) 0.8, 0.4 | (background) 0.4, 0.1.
    prob = np.array([0.8, 0.4, 0.4, 0.1]).reshape(1, 1, 4)
    ref = np.array([True, True, False, False]).reshape(1, 1, 4)
    assert pm.auc(prob, ref) == pytest.approx((1 + 1 + 1 + 0.5) / 4)
    assert pm.average_precision(prob, ref) == pytest.approx(0.5 * 1.0 + 0.5 * (2 / 3))


@pytest.mark.parametrize("name", ["random_float64", "ties_3_levels", "separated"])
def test_region_restricts_the_voxels(name):
    prob, ref = CASES[name]()
    region = np.zeros(SHAPE, dtype=bool)
    region[1:5, 2:10, 1:13] = True
    y, s = ref[region], prob[region]
    assert pm.auc(prob, ref, region) == pytest.approx(sklearn_metrics.roc_auc_score(y, s), abs=1e-9)
    assert pm.average_precision(prob, ref, region) == pytest.approx(
        sklearn_metrics.average_precision_score(y, s), abs=1e-9)
    np.testing.assert_allclose(pm.dice_curve256(prob, ref, region), _dice_curve_256_passes(prob, ref, region),
                               rtol=0, atol=1e-12)


def _dice_curve_256_passes(prob, ref, region=None):
    """The protocol written out: min-max normalise, then one pass per threshold k / 255 with >=."""
    region = np.ones(prob.shape, dtype=bool) if region is None else region
    values = prob[region].astype(np.float64)
    labels = ref[region]
    low, high = values.min(), values.max()
    normalised = np.zeros_like(values) if high == low else (values - low) / (high - low)
    curve = []
    for k in range(256):
        predicted = normalised >= k / 255
        tp = np.count_nonzero(predicted & labels)
        curve.append(0.0 if tp == 0 else 2 * tp / (labels.sum() + predicted.sum()))
    return np.array(curve)


def _exact_levels():
    """A map that hits every threshold exactly (values k / 255), lesion where k >= 128."""
    levels = np.arange(np.prod(SHAPE)) % 256
    prob = (levels / 255.0).reshape(SHAPE)
    return prob, (levels >= 128).reshape(SHAPE)


DICE_CASES = {**CASES, "exact_levels": _exact_levels,
              "offset_scale": lambda: (3.0 + 7.0 * _case(8)[0], _case(8)[1])}  # any scores: min-max normalised


@pytest.mark.parametrize("name", sorted(DICE_CASES))
def test_dice_256_matches_256_passes(name):
    prob, ref = DICE_CASES[name]()
    expected = _dice_curve_256_passes(prob, ref)
    curve = pm.dice_curve256(prob, ref)
    assert curve.shape == (256,)
    np.testing.assert_allclose(curve, expected, rtol=0, atol=1e-12)
    assert pm.dice_mean256(prob, ref) == pytest.approx(expected.mean(), abs=1e-12)
    assert pm.dice_max256(prob, ref) == pytest.approx(expected.max(), abs=1e-12)


def test_dice_256_thresholds_are_inclusive():
    prob, ref = _exact_levels()
    curve = pm.dice_curve256(prob, ref)
    assert curve[128] == 1.0  # v >= 128/255 is exactly the lesion; with > it would be curve[127]
    assert curve[127] < 1.0 and curve[129] < 1.0
    assert curve[0] == pytest.approx(2 * ref.sum() / (ref.sum() + ref.size))  # t = 0 predicts every voxel
    assert pm.dice_max256(prob, ref) == 1.0
    np.testing.assert_array_equal(pm.THRESHOLDS_256, np.arange(256) / 255)


def test_constant_map_normalises_to_zero():
    ref = _case(4)[1]
    curve = pm.dice_curve256(np.full(SHAPE, 0.3), ref)
    assert curve[0] == pytest.approx(2 * ref.sum() / (ref.sum() + ref.size)) and not curve[1:].any()
    np.testing.assert_array_equal(pm.min_max_normalise(np.full(4, 2.5)), np.zeros(4))
    assert pm.min_max_normalise(np.array([2.0, 3.0, 7.0]))[-1] == 1.0


def test_empty_reference_is_nan():
    prob = _case(0)[0]
    empty = np.zeros(SHAPE, dtype=bool)
    assert all(math.isnan(v) for v in pm.probabilistic_metrics(prob, empty).values())
    region = np.zeros(SHAPE, dtype=bool)  # nothing scored at all
    assert all(math.isnan(v) for v in pm.probabilistic_metrics(prob, _case(0)[1], region).values())
    assert np.isnan(pm.dice_curve256(prob, empty, region)).all()


def test_full_reference_leaves_only_auc_undefined():
    prob = _case(0)[0]
    full = np.ones(SHAPE, dtype=bool)
    row = pm.probabilistic_metrics(prob, full)
    assert math.isnan(row["auc"])
    assert row["ap"] == 1.0 and row["dice_max256"] == 1.0  # t = 0 predicts every voxel
    assert 0.0 < row["dice_mean256"] < 1.0


def test_conventions_decide_definedness():
    assert THRESHOLD_FREE_METRICS == set(PROBABILITY_METRICS)
    for name in THRESHOLD_FREE_METRICS:
        assert not threshold_free_defined(name, 0, 10)
        assert threshold_free_defined(name, 3, 10)
        assert threshold_free_defined(name, 3, 0) is (name != "auc")
    with pytest.raises(KeyError, match="not a threshold-free metric"):
        threshold_free_defined("dice", 1, 1)


def test_bad_inputs():
    prob, ref = _case(0)
    with pytest.raises(ValueError, match="differs from reference shape"):
        pm.auc(prob[:-1], ref)
    with pytest.raises(ValueError, match="region shape"):
        pm.auc(prob, ref, ref[:-1])
    prob[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="1 NaN or infinite"):
        pm.average_precision(prob, ref)


def test_one_sort_gives_all_four():
    prob, ref = _case(3, levels=11)
    scores = pm.distinct_scores(prob, ref)
    assert scores.values.size == 11 and scores.totals.sum() == ref.size and scores.n_positive == ref.sum()
    assert pm.probabilistic_metrics(prob, ref) == {
        "auc": pm.auc(prob, ref), "ap": pm.average_precision(prob, ref),
        "dice_mean256": pm.dice_mean256(prob, ref), "dice_max256": pm.dice_max256(prob, ref)}


def test_registry_adds_the_columns_only_with_a_map():
    prob, ref = _case(0)
    pred = prob >= 0.5
    without = compute_metrics(pred, ref, SPACING)
    assert not set(PROBABILITY_METRICS) & set(without)
    row = compute_metrics(pred, ref, SPACING, prob=prob)
    names = [key for key in row if key in METRIC_NAMES]
    assert names == [*METRICS, *PROBABILITY_METRICS] == list(METRIC_NAMES)[:len(names)]  # then the VOI metrics
    assert row["auc"] == pytest.approx(sklearn_metrics.roc_auc_score(ref.ravel(), prob.ravel()), abs=1e-9)
    assert compute_metrics(pred, ref, SPACING, names=["dice", "ap"], prob=prob).keys() >= {"dice", "ap"}
    with pytest.raises(ValueError, match=r"\['auc'\] need a probability map"):
        compute_metrics(pred, ref, SPACING, names=["dice", "auc"])
    with pytest.raises(KeyError, match="needs a probability map"):
        get_metric("auc")


def test_configuration_accepts_the_names():
    from lesionbench.figures.settings import FigureSettings
    from lesionbench.stats.settings import CompareSettings, SettingsError

    names = list(PROBABILITY_METRICS)
    settings = CompareSettings.from_dict({"reference": "unet", "metrics": names, "ranking_metrics": ["auc"]})
    assert settings.metrics == tuple(names) and settings.metric_label("auc") == "AUC"
    assert FigureSettings.from_dict({"reference": "unet", "metrics": names}).metrics == tuple(names)
    with pytest.raises(SettingsError, match="unknown metric 'auroc'"):
        CompareSettings.from_dict({"reference": "unet", "metrics": ["auroc"]})
