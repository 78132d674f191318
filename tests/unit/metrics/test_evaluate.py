import json
import math

import numpy as np
import pandas as pd
import pytest
import SimpleITK as sitk

from lesionbench.cli import main
from lesionbench.io import ImageFileError
from lesionbench.metrics import evaluate_case, evaluate_experiment

SPACING_XYZ = (0.5, 0.5, 5.0)
SHAPE_ZYX = (4, 10, 10)
DIAGONAL = math.sqrt(450.0)  # field of view 5 x 5 x 20 mm
LABELS = {"has_lesion": True, "lesion_class": "other", "near_skull": False, "irregular": True}


def _write(path, array, spacing=SPACING_XYZ):
    image = sitk.GetImageFromArray(array.astype(np.uint8))
    image.SetSpacing(spacing)
    image.SetOrigin((-10.0, 4.0, 2.5))
    path.parent.mkdir(parents=True, exist_ok=True)
    sitk.WriteImage(image, str(path))


def _block(x0=2):
    mask = np.zeros(SHAPE_ZYX, dtype=bool)
    mask[1:3, 2:6, x0 : x0 + 4] = True  # 32 voxels x 1.25 mm^3 = 0.04 mL
    return mask


@pytest.fixture()
def dataset(tmp_path):
    empty = np.zeros(SHAPE_ZYX, dtype=bool)
    cases = {  # case: (fold, prediction, reference)
        "ph001": (0, empty, empty),
        "ph000": (1, _block(x0=3), _block()),
        "ph002": (1, empty, _block()),
    }
    for case, (fold, pred, ref) in cases.items():
        _write(tmp_path / "pred" / f"fold-{fold}" / f"{case}.nii.gz", pred)
        _write(tmp_path / "masks" / f"{case}.nii.gz", ref)
        meta = {"case_id": case, "labels": {"case_id": case, **LABELS}}
        (tmp_path / "meta").mkdir(exist_ok=True)
        (tmp_path / "meta" / f"{case}.json").write_text(json.dumps(meta))
    return tmp_path


def test_evaluate_case_by_hand(dataset):
    row = evaluate_case(dataset / "pred/fold-1/ph000.nii.gz", dataset / "masks/ph000.nii.gz")
    # shift of one voxel along x: TP = 24, FP = FN = 8, TN = 400 - 40.
    assert (row["tp"], row["fp"], row["fn"], row["tn"]) == (24, 8, 8, 360)
    assert row["dice"] == pytest.approx(0.75)
    assert row["iou"] == pytest.approx(0.6)
    assert row["specificity"] == pytest.approx(360 / 368)
    assert row["accuracy"] == pytest.approx(0.96)
    assert row["rvd"] == 0.0
    # every voxel of a 2-slice block is surface; 8 of 32 per direction are 0.5 mm away.
    assert row["hd95"] == pytest.approx(0.5)
    assert row["asd"] == pytest.approx(0.125)
    assert row["ref_volume_ml"] == pytest.approx(0.04)
    # 4 x 4 pixel square, centres 1.5 mm apart: A = B = 1.5 * sqrt(2); C = 2 slices x 5 mm.
    assert row["ref_abc2_ml"] == pytest.approx(4.5 * 10 / 2 / 1000)


def test_evaluate_experiment_writes_expected_table(dataset):
    out = dataset / "metrics" / "unet.tsv"
    evaluate_experiment(
        "unet", [dataset / "pred/fold-0", dataset / "pred/fold-1"], dataset / "masks", dataset / "meta", out
    )
    table = pd.read_csv(out, sep="\t")
    assert list(table.columns) == [
        "case_id", "fold", "experiment", "dice", "iou", "ppv", "sensitivity", "specificity",
        "accuracy", "f1", "rvd", "hd95", "asd", "hd95_nan", "asd_nan", "ref_volume_ml",
        "pred_volume_ml", "ref_abc2_ml", "pred_abc2_ml", "nsd", "lesion_f1", "lesion_count_diff", "ref_empty", "pred_empty",
        "tp", "fp", "fn", "tn", *LABELS,
    ]
    assert list(table.case_id) == ["ph000", "ph001", "ph002"]
    assert list(table.fold) == [1, 0, 1]
    assert set(table.experiment) == {"unet"}
    assert list(table.dice) == pytest.approx([0.75, 1.0, 0.0])
    both_empty = table.iloc[1]
    assert both_empty.ref_empty and both_empty.pred_empty
    assert math.isnan(both_empty.hd95) and math.isnan(both_empty.hd95_nan)
    assert math.isnan(both_empty.rvd)
    missed = table.iloc[2]
    assert missed.sensitivity == 0.0 and math.isnan(missed.ppv) and missed.rvd == 1.0
    assert math.isnan(missed.hd95_nan) and missed.hd95 == pytest.approx(DIAGONAL)
    assert list(table.lesion_class) == ["other"] * 3
    assert list(table.irregular) == [True] * 3


def _evaluate_cli(dataset, fold: str, *options: str) -> pd.DataFrame:
    out = dataset / "unet_cli.tsv"
    rc = main(["evaluate", "--experiment", "unet", "--predictions", str(dataset / "pred" / fold),
               "--masks", str(dataset / "masks"), "--meta", str(dataset / "meta"), "--out", str(out), *options])
    assert rc == 0
    return pd.read_csv(out, sep="\t").set_index("case_id")


def test_nan_policy_through_cli(dataset):
    table = _evaluate_cli(dataset, "fold-0", "--empty-policy", "nan")
    assert list(table.index) == ["ph001"]
    assert math.isnan(table.dice["ph001"]) and table.specificity["ph001"] == 1.0


def test_distance_policy_through_cli(dataset):
    missed = _evaluate_cli(dataset, "fold-1", "--empty", '{"distance": "nan"}').loc["ph002"]
    assert math.isnan(missed.hd95) and math.isnan(missed.hd95_nan) and missed.sensitivity == 0.0


def test_grid_mismatch_names_both_files(dataset):
    pred = dataset / "pred/fold-1/ph000.nii.gz"
    _write(pred, _block(), spacing=(0.6, 0.5, 5.0))
    ref = dataset / "masks/ph000.nii.gz"
    with pytest.raises(ImageFileError, match="is not on the grid of") as info:
        evaluate_case(pred, ref)
    assert str(pred) in str(info.value) and str(ref) in str(info.value)


def test_missing_reference_and_meta(dataset):
    (dataset / "masks/ph002.nii.gz").unlink()
    with pytest.raises(FileNotFoundError, match="ph002.nii.gz: mask file not found"):
        evaluate_experiment("unet", [dataset / "pred/fold-1"], dataset / "masks", dataset / "meta", dataset / "o.tsv")
    (dataset / "meta/ph001.json").write_text(json.dumps({"case_id": "ph001"}))
    with pytest.raises(ValueError, match="ph001.json: has no 'labels' object"):
        evaluate_experiment("unet", [dataset / "pred/fold-0"], dataset / "masks", dataset / "meta", dataset / "o.tsv")
    assert not (dataset / "o.tsv").exists()


def test_bad_folders(dataset, capsys):
    bad = dataset / "pred" / "first"
    bad.mkdir()
    with pytest.raises(ValueError, match="must be named fold-<k>"):
        evaluate_experiment("unet", [bad], dataset / "masks", dataset / "meta", dataset / "o.tsv")
    twice = dataset / "pred" / "fold-2"
    twice.mkdir()
    (twice / "ph001.nii.gz").write_bytes((dataset / "pred/fold-0/ph001.nii.gz").read_bytes())
    with pytest.raises(ValueError, match="ph001 is also predicted in"):
        evaluate_experiment(
            "unet", [dataset / "pred/fold-0", twice], dataset / "masks", dataset / "meta", dataset / "o.tsv"
        )
    empty = dataset / "pred" / "fold-3"
    empty.mkdir()
    rc = main([
        "evaluate", "--experiment", "unet", "--predictions", str(empty), "--masks", str(dataset / "masks"),
        "--meta", str(dataset / "meta"), "--out", str(dataset / "o.tsv"),
    ])
    assert rc == 2
    assert "no .nii.gz prediction in this folder" in capsys.readouterr().err


PROBABILITY_COLUMNS = ["auc", "ap", "dice_mean256", "dice_max256"]


def _write_probability(path, array, spacing=SPACING_XYZ):
    image = sitk.GetImageFromArray(array.astype(np.float32))
    image.SetSpacing(spacing)
    image.SetOrigin((-10.0, 4.0, 2.5))
    path.parent.mkdir(parents=True, exist_ok=True)
    sitk.WriteImage(image, str(path))


def _probability(seed: int) -> np.ndarray:
    """A map that scores the reference block higher than the background, with noise."""
    rng = np.random.default_rng(seed)
    return np.clip(0.6 * _block() + 0.5 * rng.random(SHAPE_ZYX), 0.0, 1.0).astype(np.float32)


@pytest.fixture()
def with_probabilities(dataset):
    for fold, case, seed in ((1, "ph000", 0), (1, "ph002", 1), (0, "ph001", 2)):
        _write_probability(dataset / "pred" / f"fold-{fold}" / "probabilities" / f"{case}.nii.gz", _probability(seed))
    return dataset


def test_probability_maps_add_the_threshold_free_columns(with_probabilities):
    from lesionbench.metrics.probabilistic import probabilistic_metrics

    dataset = with_probabilities
    out = dataset / "metrics" / "unet.tsv"
    evaluate_experiment("unet", [dataset / "pred/fold-0", dataset / "pred/fold-1"], dataset / "masks",
                        dataset / "meta", out)
    table = pd.read_csv(out, sep="\t").set_index("case_id")
    columns = list(table.columns)
    assert columns[columns.index("lesion_count_diff") + 1 : columns.index("ref_empty")] == PROBABILITY_COLUMNS
    for case, seed in (("ph000", 0), ("ph002", 1)):
        expected = probabilistic_metrics(_probability(seed), _block())
        assert [table.loc[case, c] for c in PROBABILITY_COLUMNS] == pytest.approx([expected[c] for c in PROBABILITY_COLUMNS])
    assert table.loc["ph000", "auc"] > 0.9  # the block scores higher
    assert all(math.isnan(table.loc["ph001", c]) for c in PROBABILITY_COLUMNS)  # empty reference
    assert table.loc["ph001", "dice"] == 1.0  # the label-map metrics are unchanged


def test_probability_maps_through_cli(with_probabilities):
    with_maps = _evaluate_cli(with_probabilities, "fold-1")
    assert set(PROBABILITY_COLUMNS) <= set(with_maps.columns)
    assert list(with_maps.index) == ["ph000", "ph002"]


def test_no_probability_maps_no_columns(dataset):
    assert not set(PROBABILITY_COLUMNS) & set(_evaluate_cli(dataset, "fold-1").columns)


def test_missing_or_mismatched_probability_map(with_probabilities):
    dataset = with_probabilities
    folds = [dataset / "pred/fold-0", dataset / "pred/fold-1"]
    missing = dataset / "pred/fold-1/probabilities/ph002.nii.gz"
    missing.unlink()
    with pytest.raises(FileNotFoundError, match="ph002.nii.gz: probability map not found") as info:
        evaluate_experiment("unet", folds, dataset / "masks", dataset / "meta", dataset / "o.tsv")
    assert "probabilities holds probability maps" in str(info.value)
    _write_probability(missing, _probability(1), spacing=(0.6, 0.5, 5.0))
    with pytest.raises(ImageFileError, match="ph002.nii.gz is not on the grid of"):
        evaluate_experiment("unet", folds, dataset / "masks", dataset / "meta", dataset / "o.tsv")
    for path in (dataset / "pred/fold-1/probabilities").iterdir():  # one fold without maps, the other with
        path.unlink()
    (dataset / "pred/fold-1/probabilities").rmdir()
    with pytest.raises(FileNotFoundError, match="fold-1/probabilities/ph000.nii.gz: probability map not found"):
        evaluate_experiment("unet", folds, dataset / "masks", dataset / "meta", dataset / "o.tsv")
    assert not (dataset / "o.tsv").exists()


def test_probability_label_is_reserved(dataset):
    (dataset / "meta/ph001.json").write_text(json.dumps({"labels": {"auc": 0.5}}))
    with pytest.raises(ValueError, match="label 'auc' clashes with a metrics column"):
        evaluate_experiment("unet", [dataset / "pred/fold-0"], dataset / "masks", dataset / "meta", dataset / "o.tsv")


def test_compare_asking_for_auc_without_maps_names_table_and_column(dataset, capsys):
    tables = []
    for name in ("unet", "fcn8s"):
        tables.append(dataset / f"{name}.tsv")
        evaluate_experiment(name, [dataset / "pred/fold-1"], dataset / "masks", dataset / "meta", tables[-1])
    rc = main(["compare", "--metrics", *map(str, tables), "--out-dir", str(dataset / "stats"),
               "--settings", json.dumps({"reference": "unet", "metrics": ["dice", "auc"]})])
    assert rc == 2
    error = capsys.readouterr().err
    assert "experiment 'unet': no 'auc' column" in error and "Traceback" not in error
    assert not (dataset / "stats").exists()


def test_probabilities_folder_is_the_one_predict_writes():
    pytest.importorskip("torch")
    from lesionbench.inference import predict
    from lesionbench.metrics.evaluate import PROBABILITIES_DIR

    assert predict.PROBABILITIES_DIR == PROBABILITIES_DIR
    assert predict.probability_path("fold-0/ph000.nii.gz").as_posix() == f"fold-0/{PROBABILITIES_DIR}/ph000.nii.gz"


def test_a_test_sets_ensemble_folder(dataset):
    """Predictions of a held-out test set live in ``ensemble/``; their fold column says so."""
    ensemble = dataset / "pred" / "ensemble"
    ensemble.mkdir()
    (ensemble / "ph001.nii.gz").write_bytes((dataset / "pred/fold-0/ph001.nii.gz").read_bytes())
    table = evaluate_experiment("unet", [ensemble], dataset / "masks", dataset / "meta", dataset / "test.tsv")
    assert list(table["fold"]) == ["ensemble"] and list(table["case_id"]) == ["ph001"]
