"""``lesionbench train`` then ``lesionbench predict``: the workflow's two commands end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import SimpleITK as sitk

from lesionbench.cli import main
from tests.sample_folders import write_fold

SETTINGS = {"network": {"name": "unet", "features": [4, 8]}, "loss": {"name": "dice"},
            "train": {"epochs": 1, "batch_size": 4, "seed": 0, "threads": 1, "workers": 0}}


def test_train_then_predict(case_dir: Path, tmp_path: Path) -> None:
    samples, folds = write_fold(tmp_path / "data", {"a": 4}, {"b": 2}, size=24)
    model = tmp_path / "models" / "fold-0"
    assert main(["train", "--samples", str(samples), "--folds", str(folds), "--fold", "0", "--out-dir", str(model),
                 "--settings", json.dumps(SETTINGS), "--device", "cpu"]) == 0
    common = ["predict", "--checkpoint", str(model / "best.pt"), "--folds", str(case_dir / "folds.json"),
              "--fold", "1", "--preprocessed", str(case_dir / "preprocessed"), "--images", str(case_dir / "images"),
              "--out-dir", str(tmp_path / "pred"), "--device", "cpu"]
    assert main([*common, "--settings", json.dumps({"batch_size": 4, "threshold": 0.5})]) == 0
    for case in ("ph000", "ph001"):
        prediction = sitk.ReadImage(str(tmp_path / "pred" / f"{case}.nii.gz"))
        reference = sitk.ReadImage(str(case_dir / "images" / f"{case}.nii.gz"))
        assert prediction.GetSize() == reference.GetSize()
        assert prediction.GetDirection() == pytest.approx(reference.GetDirection())
        assert prediction.GetPixelID() == sitk.sitkUInt8


def test_predict_reports_wrong_fold(case_dir: Path, tmp_path: Path, capsys) -> None:
    rc = main(["predict", "--checkpoint", str(tmp_path / "best.pt"), "--folds", str(case_dir / "folds.json"),
               "--fold", "7", "--preprocessed", str(case_dir / "preprocessed"), "--images", str(case_dir / "images"),
               "--out-dir", str(tmp_path / "pred")])
    assert rc == 2
    assert "folds.json: no fold 7 (folds: [0, 1])" in capsys.readouterr().err


def test_predict_the_test_set_with_the_fold_ensemble(case_dir: Path, tmp_path: Path, capsys) -> None:
    """``--test-set``: the cases of folds.json's test_set, every given checkpoint averaged."""
    from tests.unit.segment.conftest import write_checkpoint

    folds = json.loads((case_dir / "folds.json").read_text())
    (tmp_path / "folds.json").write_text(json.dumps({**folds, "test_set": ["ph001"]}))
    (tmp_path / "plain.json").write_text(json.dumps(folds))
    checkpoints = [str(write_checkpoint(tmp_path / f"fold-{k}" / "best.pt", seed=k)) for k in range(2)]
    inputs = ["--preprocessed", str(case_dir / "preprocessed"), "--images", str(case_dir / "images"), "--device", "cpu"]
    assert main(["predict", "--checkpoint", *checkpoints, "--folds", str(tmp_path / "folds.json"), "--test-set",
                 *inputs, "--out-dir", str(tmp_path / "ensemble")]) == 0
    assert sorted(p.name for p in (tmp_path / "ensemble").iterdir()) == ["ph001.nii.gz"]
    assert main(["predict", "--checkpoint", *checkpoints, "--folds", str(tmp_path / "plain.json"), "--test-set",
                 *inputs, "--out-dir", str(tmp_path / "none")]) == 2
    assert "plain.json: the dataset has no held-out test set" in capsys.readouterr().err
    assert main(["predict", "--checkpoint", *checkpoints, "--folds", str(tmp_path / "folds.json"), "--fold", "0",
                 *inputs, "--out-dir", str(tmp_path / "x")]) == 2
    assert "--fold 0: one checkpoint (the fold's), got 2" in capsys.readouterr().err
