"""``lesionbench train`` on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from lesionbench.cli import main
from lesionbench.training import load_checkpoint, read_history

SETTINGS = {"network": {"name": "unet", "features": [4, 8]}, "loss": {"name": "dice"},
            "train": {"epochs": 2, "batch_size": 8, "optimizer": {"name": "adam", "lr": 1e-3}, "seed": 3, "workers": 0},
            "augment": {"mode": "online"}}


def test_train_command_writes_outputs(fold: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "models" / "unet" / "fold-0"
    settings = tmp_path / "unet.json"
    settings.write_text(json.dumps(SETTINGS))
    rc = main(["train", "--samples", str(fold[0]), "--folds", str(fold[1]), "--fold", "0", "--out-dir", str(out),
               "--settings", str(settings), "--threads", "1", "--device", "cpu"])
    assert rc == 0
    assert [row["epoch"] for row in read_history(out / "history.tsv")] == [1, 2]
    checkpoint = load_checkpoint(out / "best.pt")
    assert checkpoint["settings"]["train"]["threads"] == 1 and checkpoint["network"]["name"] == "unet"


def test_train_command_reports_bad_settings(fold: tuple[Path, Path], tmp_path: Path, capsys) -> None:
    bad = {**SETTINGS, "train": {**SETTINGS["train"], "optimizer": {"name": "adam", "lr": 1e-3, "momentum": 0.9}}}
    rc = main(["train", "--samples", str(fold[0]), "--folds", str(fold[1]), "--fold", "0",
               "--out-dir", str(tmp_path / "m"), "--settings", json.dumps(bad)])
    assert rc == 2
    assert "lesionbench train: error: train.optimizer.momentum: not an option of 'adam'" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()


def test_yaml_settings_file_and_the_debug_traceback(fold: tuple[Path, Path], tmp_path: Path, capsys,
                                                     monkeypatch) -> None:
    settings = tmp_path / "unet.yaml"
    settings.write_text(yaml.safe_dump({**SETTINGS, "train": {**SETTINGS["train"], "epochs": 1}}))
    out = tmp_path / "m"
    args = ["train", "--samples", str(fold[0]), "--folds", str(fold[1]), "--fold", "0", "--out-dir", str(out),
            "--settings", str(settings), "--device", "cpu"]
    assert main(args) == 0 and [row["epoch"] for row in read_history(out / "history.tsv")] == [1]
    bad = [*args[:-4], "--fold", "9", "--out-dir", str(tmp_path / "n"), "--settings", str(settings)]
    assert main(bad) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert main(["--debug", *bad]) == 2
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and err.rstrip().endswith("no fold 9 (folds: [0])")
    monkeypatch.setenv("LESIONBENCH_DEBUG", "1")
    assert main(bad) == 2 and "Traceback" in capsys.readouterr().err
