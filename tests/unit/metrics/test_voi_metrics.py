"""Metrics inside the VOI (paper 001, sections 3.4-3.5): the ``voi/{case}.npz`` files and their columns."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import SimpleITK as sitk

from lesionbench.metrics import evaluate_experiment
from lesionbench.metrics.registry import (
    METRIC_NAMES,
    METRICS,
    PROBABILITY_METRICS,
    VOI_METRICS,
    compute_voi_metrics,
    get_metric,
)
from lesionbench.metrics.voi import VOI_DIR, VoiCase, VoiFileError, read_voi, voi_metrics, voi_path, write_voi

SPACING_ZYX = (1.0, 1.0, 1.0)
VOI_COLUMNS = ["dice_voi", "sensitivity_voi", "specificity_voi", "ppv_voi"]


def _small() -> tuple[np.ndarray, np.ndarray]:
    """A (2, 3, 4) VOI: reference 4 voxels, prediction 5 voxels, 3 of them shared."""
    ref = np.zeros((2, 3, 4), dtype=np.uint8)
    pred = np.zeros((2, 3, 4), dtype=np.uint8)
    ref[0, 0, 0:4] = 1
    pred[0, 0, 1:4] = 1
    pred[1, 2, 2:4] = 1
    return pred, ref


def test_voi_metrics_by_hand():
    pred, ref = _small()
    row = compute_voi_metrics(pred, ref, SPACING_ZYX)
    # TP 3, FP 2, FN 1, TN 24 - 6 = 18.
    assert list(row) == VOI_COLUMNS
    assert row["dice_voi"] == pytest.approx(6 / 9)
    assert row["sensitivity_voi"] == pytest.approx(3 / 4)
    assert row["specificity_voi"] == pytest.approx(18 / 20)
    assert row["ppv_voi"] == pytest.approx(3 / 5)


def test_specificity_grows_with_the_voi_size_the_others_do_not():
    pred, ref = _small()
    small = compute_voi_metrics(pred, ref, SPACING_ZYX)
    # the same lesion and prediction in a (4, 6, 8) VOI: 192 - 6 = 186 true negatives.
    big_pred, big_ref = (np.pad(a, ((1, 1), (1, 2), (2, 2))) for a in (pred, ref))
    big = compute_voi_metrics(big_pred, big_ref, SPACING_ZYX)
    assert big["specificity_voi"] == pytest.approx(186 / 188) and big["specificity_voi"] > small["specificity_voi"]
    for name in ("dice_voi", "sensitivity_voi", "ppv_voi"):
        assert big[name] == pytest.approx(small[name])


def test_empty_masks_follow_the_whole_grid_conventions():
    empty = np.zeros((2, 3, 4), dtype=np.uint8)
    lesion = _small()[1]
    both = compute_voi_metrics(empty, empty, SPACING_ZYX)
    assert (both["dice_voi"], both["sensitivity_voi"], both["ppv_voi"], both["specificity_voi"]) == (1, 1, 1, 1)
    nan = compute_voi_metrics(empty, empty, SPACING_ZYX, "nan")
    assert math.isnan(nan["dice_voi"]) and nan["specificity_voi"] == 1.0
    missed = compute_voi_metrics(empty, lesion, SPACING_ZYX)
    assert missed["dice_voi"] == 0.0 and missed["sensitivity_voi"] == 0.0 and math.isnan(missed["ppv_voi"])
    with pytest.raises(ValueError, match="differs from reference shape"):
        compute_voi_metrics(empty, np.zeros((2, 3, 5)), SPACING_ZYX)


def test_the_names_are_registered_after_the_others():
    assert list(METRIC_NAMES) == [*METRICS, *PROBABILITY_METRICS, *VOI_COLUMNS] and list(VOI_METRICS) == VOI_COLUMNS
    with pytest.raises(KeyError, match="scored on the VOI crop"):
        get_metric("dice_voi")


def test_configuration_accepts_the_names_with_their_labels():
    from lesionbench.figures.settings import FigureSettings
    from lesionbench.stats.settings import CompareSettings

    settings = CompareSettings.from_dict({"reference": "unet", "metrics": VOI_COLUMNS, "ranking_metrics": ["dice_voi"]})
    assert [settings.metric_label(m) for m in VOI_COLUMNS] == [
        "DSC (VOI)", "Sensitivity (VOI)", "Specificity (VOI)", "PPV (VOI)"]
    assert FigureSettings.from_dict({"reference": "unet", "metrics": VOI_COLUMNS}).metrics == tuple(VOI_COLUMNS)


def _case(pred: np.ndarray, ref: np.ndarray) -> VoiCase:
    return VoiCase(pred, ref, (-1, 2, 3), pred.shape, (4.0, 1.0, 1.0))


def test_voi_file_round_trip_and_errors(tmp_path):
    pred, ref = _small()
    path = voi_path(tmp_path / "fold-0" / "ph000.nii.gz")
    assert path == tmp_path / "fold-0" / VOI_DIR / "ph000.npz"
    write_voi(path, _case(pred, ref))
    case = read_voi(path)
    np.testing.assert_array_equal(case.pred, pred)
    np.testing.assert_array_equal(case.ref, ref)
    assert (case.voi_start, case.voi_size, case.spacing_mm) == ((-1, 2, 3), (2, 3, 4), (4.0, 1.0, 1.0))
    assert voi_metrics(path)["dice_voi"] == pytest.approx(6 / 9)
    write_voi(path, _case(pred, ref[:, :, :3]))
    with pytest.raises(VoiFileError, match=r"ph000.npz: ref has shape \(2, 3, 3\), but voi_size is \(2, 3, 4\)"):
        read_voi(path)
    np.savez(path, pred=pred)
    with pytest.raises(VoiFileError, match=r"ph000.npz: missing array\(s\) \['ref', 'voi_start'"):
        read_voi(path)


# --- evaluate -------------------------------------------------------------------------------------

SHAPE_ZYX = (4, 10, 10)
LABELS = {"has_lesion": True}


def _write_mask(path, array):
    image = sitk.GetImageFromArray(array.astype(np.uint8))
    image.SetSpacing((0.5, 0.5, 5.0))
    path.parent.mkdir(parents=True, exist_ok=True)
    sitk.WriteImage(image, str(path))


@pytest.fixture()
def dataset(tmp_path):
    """Two folds of one case each: label maps, references, meta files (no VOI crops)."""
    block = np.zeros(SHAPE_ZYX, dtype=bool)
    block[1:3, 2:6, 2:6] = True
    for fold, case in ((0, "ph000"), (1, "ph001")):
        _write_mask(tmp_path / "pred" / f"fold-{fold}" / f"{case}.nii.gz", block)
        _write_mask(tmp_path / "masks" / f"{case}.nii.gz", block)
        (tmp_path / "meta").mkdir(exist_ok=True)
        (tmp_path / "meta" / f"{case}.json").write_text(json.dumps({"case_id": case, "labels": LABELS}))
    return tmp_path


def _evaluate(dataset) -> pd.DataFrame:
    folders = [dataset / "pred" / "fold-0", dataset / "pred" / "fold-1"]
    return evaluate_experiment("m", folders, dataset / "masks", dataset / "meta", dataset / "metrics.tsv")


def _with_crops(dataset) -> None:
    pred, ref = _small()
    write_voi(dataset / "pred/fold-0" / VOI_DIR / "ph000.npz", _case(pred, ref))
    write_voi(dataset / "pred/fold-1" / VOI_DIR / "ph001.npz", _case(ref, ref))


def test_evaluate_adds_exactly_the_four_columns_before_the_flags(dataset):
    plain = list(_evaluate(dataset).columns)
    assert not set(VOI_COLUMNS) & set(plain)
    _with_crops(dataset)
    table = _evaluate(dataset)
    columns = list(table.columns)
    assert [c for c in columns if c not in plain] == VOI_COLUMNS
    assert columns.index("ref_empty") - len(VOI_COLUMNS) == columns.index("dice_voi")
    assert columns[columns.index("dice_voi") - 1] == "lesion_count_diff"
    rows = pd.read_csv(dataset / "metrics.tsv", sep="\t").set_index("case_id")
    assert rows.loc["ph000", "dice_voi"] == pytest.approx(6 / 9)
    assert rows.loc["ph000", "specificity_voi"] == pytest.approx(0.9)
    assert rows.loc["ph001", VOI_COLUMNS].tolist() == [1.0, 1.0, 1.0, 1.0]
    assert rows.loc["ph000", "dice"] == 1.0  # the whole grid is scored as before


def test_a_missing_crop_is_named(dataset):
    _with_crops(dataset)
    (dataset / "pred/fold-1" / VOI_DIR / "ph001.npz").unlink()
    with pytest.raises(FileNotFoundError, match=r"fold-1/voi/ph001.npz: VOI crop not found; .*fold-0/voi holds"):
        _evaluate(dataset)


def test_a_label_may_not_take_a_voi_column_name(dataset):
    (dataset / "meta" / "ph000.json").write_text(json.dumps({"case_id": "ph000", "labels": {"dice_voi": 1}}))
    with pytest.raises(ValueError, match="label 'dice_voi' clashes with a metrics column"):
        _evaluate(dataset)
