"""A multi-task 3D network end to end: VOIs with class labels -> training -> class probabilities
beside the predictions -> ``cls_prob`` / ``cls_label`` in the metrics table (paper 001)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import SimpleITK as sitk

from lesionbench.classification.target import ClassTarget
from lesionbench.inference import CLASSES_TSV, PredictSettings, predict_ensemble, predict_fold
from lesionbench.inference.volume3d import PlacementError, reference_lesion
from lesionbench.metrics.evaluate import evaluate_experiment
from lesionbench.samples import SampleSettings, extract_samples
from lesionbench.training import ExperimentSettings, FoldSamples, train_fold

from tests.preprocessed_files import write_preprocessed

SHAPE = (20, 22, 24)
CASES = {"a0": "avm", "a1": "avm", "a2": "avm", "o0": "other", "o1": "other", "o2": "other", "u0": None}
TARGET = {"label": "lesion_class", "positive": "avm"}


def _case(root: Path, case: str, lesion_class: str | None, index: int) -> None:
    """A bright cube of lesion; AVM cases are brighter (a learnable class)."""
    image = np.full((1, *SHAPE), 0.3, dtype=np.float32)
    mask = np.zeros(SHAPE, dtype=np.uint8)
    z, y, x = 4 + index % 3, 5 + index % 4, 6 + index % 5
    mask[z:z + 6, y:y + 6, x:x + 6] = 1
    image[0][mask == 1] = 0.9 if lesion_class == "avm" else 0.6
    write_preprocessed(root / "preprocessed" / f"{case}.npz", image, mask, spacing=(1.0, 1.0, 1.0))
    reference = sitk.GetImageFromArray(np.zeros(SHAPE, dtype=np.int16))
    (root / "images").mkdir(parents=True, exist_ok=True)
    sitk.WriteImage(reference, str(root / "images" / f"{case}.nii.gz"))
    masks = sitk.GetImageFromArray(mask)
    (root / "masks").mkdir(parents=True, exist_ok=True)
    sitk.WriteImage(masks, str(root / "masks" / f"{case}.nii.gz"))
    (root / "meta").mkdir(parents=True, exist_ok=True)
    (root / "meta" / f"{case}.json").write_text(json.dumps({"labels": {"lesion_class": lesion_class}}))
    settings = SampleSettings.from_dict({"layout": "3d_voi", "voi": [16, 16, 16]})
    extract_samples(root / "preprocessed" / f"{case}.npz", root / "samples" / case, settings,
                    {"lesion_class": lesion_class})


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mtl")
    for index, (case, lesion_class) in enumerate(CASES.items()):
        _case(root, case, lesion_class, index)
    folds = {"k": 1, "seed": 0, "stratify_by": [], "provenance": {}, "test_set": ["u0"],
             "folds": [{"fold": 0, "train": ["a0", "a1", "o0", "o1"], "val": ["a2", "o2"], "test": ["a2", "o2"]}]}
    (root / "folds.json").write_text(json.dumps(folds))
    return root


def _settings() -> ExperimentSettings:
    return ExperimentSettings.from_dict({
        "network": {"name": "mlssp", "features": [4, 8, 16], "cls_width": 4, "input_size": [16, 16, 16]},
        "loss": {"name": "multitask", "alpha": 0.4},
        "train": {"epochs": 3, "batch_size": 2, "optimizer": {"name": "adam", "lr": 3e-3}, "seed": 0, "threads": 1,
                  "workers": 0},
        "classification": TARGET,
    })


def test_class_targets_come_from_the_case_labels(data: Path) -> None:
    fold = FoldSamples.open(data / "samples", data / "folds.json", 0, ClassTarget.from_dict(TARGET))
    assert fold.train.classes.tolist() == [1, 1, 0, 0] and fold.val.classes.tolist() == [1, 0]
    assert FoldSamples.open(data / "samples", data / "folds.json", 0).train.classes.tolist() == [-1] * 4
    assert ClassTarget.from_dict(TARGET).class_of({"lesion_class": None}) == -1


def test_mlssp_trains_and_its_class_reaches_the_metrics(data: Path, tmp_path: Path) -> None:
    result = train_fold(data / "samples", data / "folds.json", 0, tmp_path / "model", _settings(), device="cpu")
    history = result["history"]
    assert [row["epoch"] for row in history] == [1, 2, 3] and all(np.isfinite(r["train_loss"]) for r in history)
    predictions = tmp_path / "predictions" / "fold-0"
    predict_fold(tmp_path / "model" / "best.pt", data / "folds.json", 0, data / "preprocessed", data / "images",
                 predictions, PredictSettings.from_dict({"tta": "flips"}), device="cpu")
    classes = pd.read_csv(predictions / CLASSES_TSV, sep="\t")
    assert classes["case_id"].tolist() == ["a2", "o2"] and classes["cls_prob"].between(0, 1).all()
    table = evaluate_experiment("mlssp", [predictions], data / "masks", data / "meta", tmp_path / "m.tsv",
                                class_target=ClassTarget.from_dict(TARGET))
    assert table["cls_label"].tolist() == [1, 0]
    assert table["cls_prob"].tolist() == pytest.approx(classes["cls_prob"].tolist())
    with pytest.raises(ValueError, match="names no classification target"):
        evaluate_experiment("mlssp", [predictions], data / "masks", data / "meta", tmp_path / "x.tsv")
    # the held-out case without a class label: predicted with the sliding window, no reference needed
    ensemble = tmp_path / "test"
    predict_ensemble([tmp_path / "model" / "best.pt"], ["u0"], data / "preprocessed", data / "images", ensemble,
                     PredictSettings.from_dict({"placement": "sliding_window"}), device="cpu")
    assert pd.read_csv(ensemble / CLASSES_TSV, sep="\t")["case_id"].tolist() == ["u0"]
    label = sitk.GetArrayFromImage(sitk.ReadImage(str(ensemble / "u0.nii.gz")))
    assert label.shape == SHAPE


def test_the_cnn_classifier_trains_on_the_class_alone(data: Path, tmp_path: Path) -> None:
    settings = ExperimentSettings.from_dict({
        "network": {"name": "cnn3d", "features": [4], "cls_width": 4, "input_size": [16, 16, 16]},
        "loss": {"name": "class_ce"},
        "train": {"epochs": 3, "batch_size": 2, "optimizer": {"name": "adam", "lr": 3e-3}, "seed": 0, "threads": 1,
                  "workers": 0, "checkpoint": "best"},
        "classification": TARGET,
    })
    result = train_fold(data / "samples", data / "folds.json", 0, tmp_path / "model", settings, device="cpu")
    history = pd.read_csv(result["history_tsv"], sep="\t")
    assert history["val_dice"].isna().all() and np.isfinite(history["val_loss"]).all()
    # no segmentation output: the best checkpoint is the epoch of the lowest validation loss
    assert result["best_epoch"] == int(history.loc[history["val_loss"].idxmin(), "epoch"])
    predictions = tmp_path / "predictions" / "fold-0"
    written = predict_fold(tmp_path / "model" / "best.pt", data / "folds.json", 0, data / "preprocessed",
                           data / "images", predictions, PredictSettings.from_dict({}), device="cpu")
    assert written == [] and sorted(p.name for p in predictions.iterdir()) == [CLASSES_TSV]
    classes = pd.read_csv(predictions / CLASSES_TSV, sep="\t")
    assert classes["case_id"].tolist() == ["a2", "o2"] and classes["cls_prob"].between(0, 1).all()
    table = evaluate_experiment("cnn3d", [predictions], data / "masks", data / "meta", tmp_path / "m.tsv",
                                class_target=ClassTarget.from_dict(TARGET))
    assert list(table.columns[:5]) == ["case_id", "fold", "experiment", "cls_prob", "cls_label"]
    assert "dice" not in table.columns and table["cls_label"].tolist() == [1, 0]
    # the held-out case without a class label is classified on its reference lesion's VOI
    predict_ensemble([tmp_path / "model" / "best.pt"], ["u0"], data / "preprocessed", data / "images",
                     tmp_path / "test", PredictSettings.from_dict({}), device="cpu")
    assert pd.read_csv(tmp_path / "test" / CLASSES_TSV, sep="\t")["case_id"].tolist() == ["u0"]
    with pytest.raises(PlacementError, match="classifies the VOI on the reference lesion"):
        reference_lesion(np.zeros(SHAPE, dtype=np.uint8))
