import numpy as np
import pytest

from lesionbench.metrics import METRICS, CaseMasks, compute_metrics, get_metric


def test_registry_order_is_the_tsv_column_order():
    assert list(METRICS) == [
        "dice", "iou", "ppv", "sensitivity", "specificity", "accuracy", "f1", "rvd", "hd95",
        "asd", "hd95_nan", "asd_nan", "ref_volume_ml", "pred_volume_ml", "ref_abc2_ml",
        "pred_abc2_ml", "nsd", "lesion_f1", "lesion_count_diff",
    ]


def test_unknown_metric_lists_names():
    with pytest.raises(KeyError, match="unknown metric 'hd100'; valid: dice, iou"):
        get_metric("hd100")


def test_compute_named_metrics_only():
    pred = np.zeros((2, 3, 3), dtype=bool)
    ref = pred.copy()
    pred[0, :2, :2] = True  # 4 voxels
    ref[0, :2, :1] = True  # 2 voxels, both inside pred
    row = compute_metrics(pred, ref, (2.0, 1.0, 1.0), names=["dice", "rvd", "pred_volume_ml"])
    assert row["dice"] == pytest.approx(4 / 6)
    assert row["rvd"] == pytest.approx(1.0)  # |4 - 2| / 2
    assert row["pred_volume_ml"] == pytest.approx(8 / 1000)
    assert "hd95" not in row and row["tp"] == 2


def test_case_checks_spacing_and_shape():
    with pytest.raises(ValueError, match="not 3 positive values"):
        CaseMasks(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)), (1.0, 0.0, 1.0))
    with pytest.raises(ValueError, match="differs from reference shape"):
        CaseMasks(np.zeros((2, 2, 2)), np.zeros((2, 2, 3)), (1.0, 1.0, 1.0))
