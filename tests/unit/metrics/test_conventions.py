import math

import numpy as np
import pytest

from lesionbench.metrics import (
    EmptyConventions, EmptyPolicy, as_policy, compute_metrics, exclusion_reason, worst_distance_mm,
)

SPACING = (5.0, 0.5, 0.5)
SHAPE = (4, 10, 10)
DIAGONAL = math.sqrt(20.0**2 + 5.0**2 + 5.0**2)  # sqrt(450) mm


def _lesion():
    mask = np.zeros(SHAPE, dtype=bool)
    mask[1:3, 2:6, 2:6] = True
    return mask


def test_worst_distance_is_field_of_view_diagonal():
    assert worst_distance_mm(SHAPE, SPACING) == pytest.approx(DIAGONAL)


def test_both_empty_policy_one():
    empty = np.zeros(SHAPE, dtype=bool)
    row = compute_metrics(empty, empty, SPACING, EmptyPolicy.ONE)
    for name in ("dice", "iou", "f1", "ppv", "sensitivity", "specificity", "accuracy"):
        assert row[name] == 1.0, name
    for name in ("rvd", "hd95", "asd", "hd95_nan", "asd_nan"):
        assert math.isnan(row[name]), name
    assert row["ref_empty"] and row["pred_empty"]
    assert row["ref_volume_ml"] == 0.0 and row["ref_abc2_ml"] == 0.0


def test_both_empty_policy_nan():
    empty = np.zeros(SHAPE, dtype=bool)
    row = compute_metrics(empty, empty, SPACING, as_policy("nan"))
    for name in ("dice", "iou", "f1", "ppv", "sensitivity"):
        assert math.isnan(row[name]), name
    assert row["specificity"] == 1.0 and row["accuracy"] == 1.0


def test_reference_empty_prediction_not():
    row = compute_metrics(_lesion(), np.zeros(SHAPE, dtype=bool), SPACING)
    assert (row["dice"], row["iou"], row["f1"], row["ppv"]) == (0.0, 0.0, 0.0, 0.0)
    assert math.isnan(row["sensitivity"])  # 0 / 0: nothing to find
    assert math.isnan(row["rvd"])  # V_ref = 0
    # by default a false alarm gets the worst distance; the raw columns keep NaN
    assert row["hd95"] == pytest.approx(DIAGONAL) and row["asd"] == pytest.approx(DIAGONAL)
    assert math.isnan(row["hd95_nan"]) and math.isnan(row["asd_nan"])
    assert row["ref_empty"] and not row["pred_empty"]
    assert row["specificity"] == pytest.approx(368 / 400)  # TN / (TN + FP), FP = 32


def test_prediction_empty_reference_not():
    row = compute_metrics(np.zeros(SHAPE, dtype=bool), _lesion(), SPACING, EmptyPolicy.NAN)
    assert row["dice"] == 0.0 and row["sensitivity"] == 0.0
    assert math.isnan(row["ppv"])  # 0 / 0: nothing claimed
    assert row["rvd"] == 1.0
    assert row["hd95"] == pytest.approx(DIAGONAL)  # a missed lesion is the worst miss
    assert math.isnan(row["hd95_nan"])


def test_distance_policy_nan_leaves_misses_undefined():
    conventions = EmptyConventions.from_dict({"both": "nan", "distance": "nan"})
    row = compute_metrics(np.zeros(SHAPE, dtype=bool), _lesion(), SPACING, conventions)
    assert math.isnan(row["hd95"]) and math.isnan(row["asd"]) and math.isnan(row["hd95_nan"])
    assert conventions.to_dict() == {"both": "nan", "distance": "nan"}
    with pytest.raises(ValueError, match="evaluate.empty.distance: unknown policy 'zero'; valid: worst, nan"):
        EmptyConventions.from_dict({"distance": "zero"})
    with pytest.raises(ValueError, match=r"evaluate.empty: unknown key\(s\) \['distances'\]"):
        EmptyConventions.from_dict({"distances": "nan"})
    assert [exclusion_reason(*flags) for flags in ((True, True), (True, False), (False, True), (False, False))] == [
        "both masks empty", "reference empty", "prediction empty", ""]


def test_raw_columns_equal_the_metric_when_both_present():
    shifted = np.roll(_lesion(), 1, axis=2)
    row = compute_metrics(shifted, _lesion(), SPACING)
    assert row["hd95_nan"] == row["hd95"] == pytest.approx(0.5)
    assert row["asd_nan"] == row["asd"]


def test_unknown_policy_lists_valid_names():
    with pytest.raises(ValueError, match="unknown empty-mask policy 'zero'; valid: one, nan"):
        as_policy("zero")
