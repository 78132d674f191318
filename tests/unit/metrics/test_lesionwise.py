"""Lesion-wise F1, lesion count difference and normalised surface Dice against hand cases and MONAI."""

import math

import numpy as np
import pytest
import torch
from monai.metrics import compute_surface_dice

from lesionbench.metrics import compute_metrics
from lesionbench.metrics.distance import surface_distances
from lesionbench.metrics.lesionwise import lesion_count_difference, lesion_counts, lesion_f1, normalized_surface_dice

SHAPE = (6, 20, 20)
SPACING = (3.0, 0.5, 0.5)


def _box(mask, z, y, x):
    mask[z[0]:z[1], y[0]:y[1], x[0]:x[1]] = True


def test_detection_counts_on_a_hand_case():
    ref = np.zeros(SHAPE, bool)
    pred = np.zeros(SHAPE, bool)
    _box(ref, (0, 2), (0, 3), (0, 3))      # lesion A: found
    _box(ref, (3, 5), (10, 13), (10, 13))  # lesion B: missed
    ref[5, 18, 18] = True                  # lesion C (one voxel): found by a large prediction
    _box(pred, (1, 2), (2, 5), (2, 5))     # overlaps A at (1, 2, 2)
    _box(pred, (4, 6), (15, 19), (15, 19))  # covers C
    pred[0, 10, 0] = True                  # false alarm 1
    _box(pred, (3, 4), (0, 2), (17, 20))   # false alarm 2
    counts = lesion_counts(pred, ref)
    assert counts == (3, 4, 2, 1, 2)
    assert lesion_f1(counts) == pytest.approx(2 * 2 / (2 * 2 + 2 + 1))
    assert lesion_count_difference(counts) == 1.0


def test_diagonal_neighbours_are_one_lesion():
    ref = np.zeros(SHAPE, bool)
    ref[1, 1, 1] = ref[2, 2, 2] = True  # corner-connected: one lesion with full connectivity
    assert lesion_counts(ref, ref).ref_lesions == 1


def test_one_predicted_lesion_spanning_two_references_detects_both():
    ref = np.zeros(SHAPE, bool)
    _box(ref, (0, 1), (0, 2), (0, 2))
    _box(ref, (0, 1), (0, 2), (4, 6))
    pred = np.zeros(SHAPE, bool)
    _box(pred, (0, 1), (0, 2), (0, 6))
    counts = lesion_counts(pred, ref)
    assert (counts.detected, counts.missed, counts.false_alarms) == (2, 0, 0)
    assert lesion_f1(counts) == 1.0 and lesion_count_difference(counts) == 1.0


def test_empty_cases_follow_the_conventions():
    empty = np.zeros(SHAPE, bool)
    lesion = empty.copy()
    _box(lesion, (1, 3), (4, 8), (4, 8))
    both = compute_metrics(empty, empty, SPACING, "one")
    assert both["lesion_f1"] == 1.0 and both["nsd"] == 1.0 and both["lesion_count_diff"] == 0.0
    nan = compute_metrics(empty, empty, SPACING, "nan")
    assert math.isnan(nan["lesion_f1"]) and math.isnan(nan["nsd"])
    for pred, ref in ((empty, lesion), (lesion, empty)):
        row = compute_metrics(pred, ref, SPACING, "one")
        assert row["lesion_f1"] == 0.0 and row["nsd"] == 0.0 and row["lesion_count_diff"] == 1.0


def test_nsd_on_a_hand_case():
    """Two 1-voxel-thick squares, one shifted by one voxel (0.5 mm): every surface voxel is within 0.5 mm."""
    ref = np.zeros((1, 20, 20), bool)
    pred = np.zeros((1, 20, 20), bool)
    _box(ref, (0, 1), (5, 10), (5, 10))
    _box(pred, (0, 1), (5, 10), (6, 11))
    d = surface_distances(pred, ref, (1.0, 0.5, 0.5))
    assert normalized_surface_dice(d, 0.5) == 1.0
    # with a zero tolerance only the shared surface voxels count
    shared = sum(int((x == 0).sum()) for x in d)
    assert normalized_surface_dice(d, 0.0) == pytest.approx(shared / sum(x.size for x in d))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("tolerance", [0.0, 1.0, 2.0, 4.5])
def test_nsd_matches_monai_compute_surface_dice(seed, tolerance):
    rng = np.random.default_rng(seed)
    from scipy import ndimage

    def blob():
        field = ndimage.gaussian_filter(rng.normal(size=(12, 24, 24)), 2.0)
        return field > np.quantile(field, 0.85)

    pred, ref = blob(), blob()
    spacing = (2.0, 0.8, 0.8)
    ours = compute_metrics(pred, ref, spacing, names=["nsd"], nsd_tolerance_mm=tolerance)["nsd"]
    to_tensor = lambda m: torch.from_numpy(np.stack([~m, m]))[None].float()  # noqa: E731  (B, C, Z, Y, X)
    monai = compute_surface_dice(to_tensor(pred), to_tensor(ref), class_thresholds=[tolerance], spacing=spacing)
    assert ours == pytest.approx(float(monai[0, 0]), abs=1e-6)


def test_a_negative_tolerance_is_refused():
    lesion = np.ones((2, 2, 2), bool)
    with pytest.raises(ValueError, match="tolerance"):
        compute_metrics(lesion, lesion, (1, 1, 1), nsd_tolerance_mm=-1.0)
