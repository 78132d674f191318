"""Paper 001's ready tiny configuration end to end (resources/configs/paper001-tiny.yaml): VOIs,
the cube symmetries, the multi-task networks, the CNN classifier, every table and figure of the
set; plus a held-out test case, the sliding-window protocol and segmenting a new scan."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.workflow.test_workflow import REPO, snakemake

pytestmark = pytest.mark.workflow

READY = REPO / "resources" / "configs" / "paper001-tiny.yaml"
DATASET = "ich_avm_tiny"


def _config() -> dict:
    config = yaml.safe_load(READY.read_text())
    config["datasets"][DATASET]["source"]["test_cases"] = 1
    config["experiments"] = {"unet3d_sw": {
        "dataset": DATASET, "network": {"name": "unet", "features": [4, 8, 16]}, "loss": {"name": "dice"},
        "predict": {"placement": "sliding_window"},
        "train": {"epochs": 1, "batch_size": 8, "max_train_batches_per_epoch": 2,
                  "optimizer": {"name": "adam", "lr": 1.0e-3}, "seed": 0}}}
    config["datasets"][DATASET]["compare"] = {"reference": "unet3d_sw", "metrics": ["dice"]}
    config["segment"] = {"new": {"source": {"kind": "scans", "path": "scans"}, "experiments": ["paper001_mlssp_a04"]}}
    return config


@pytest.fixture(scope="module")
def voi_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("voi")
    raw = workdir / "raw"
    made = subprocess.run([sys.executable, "-m", "lesionbench", "phantom", str(raw), "--cases", "1", "--seed", "9",
                           "--matrix", "64", "--slices", "12"], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    shutil.copytree(raw / "dicom" / "ph000", workdir / "scans" / "s1")
    (workdir / "config.yaml").write_text(yaml.safe_dump(_config(), sort_keys=False))
    result = snakemake(workdir, workdir / "config.yaml")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-8000:]
    return workdir


def test_every_table_and_figure_of_the_set_is_written(voi_run: Path) -> None:
    root = voi_run / "results" / DATASET
    table = pd.read_csv(root / "stats" / "paper001" / "table_paper001.tsv", sep="\t").set_index("model")
    assert list(table.index) == ["paper001_mlssp_a04", "paper001_unet3d", "paper001_ynet3d", "paper001_he_mtl3d",
                                 *[f"paper001_mlssp_a0{a}" for a in (3, 5, 6, 7)], "paper001_cnn3d"]
    assert table.drop(index="paper001_cnn3d")["dice"].between(0, 1).all()
    assert pd.isna(table.loc["paper001_cnn3d", "dice"]) and table.loc["paper001_cnn3d", "cls_auc"] >= 0
    assert pd.isna(table.loc["paper001_unet3d", "cls_auc"])
    classification = pd.read_csv(root / "stats" / "paper001" / "classification.tsv", sep="\t")
    assert len(classification) == 8 and (classification["n"] == 8).all()
    assert len(pd.read_csv(root / "stats" / "paper001" / "auc_tests.tsv", sep="\t")) == 7
    assert "paper001_cnn3d" not in set(pd.read_csv(root / "stats" / "paper001" / "tests.tsv", sep="\t")["model"])
    figures = root / "figures" / "paper001"
    for name in ("metric_strip", "mean_bars_dice", "overlays_by_class", "roc_curves", "boxplot_dice",
                 "learning_curves", "complexity"):
        assert (figures / f"{name}.png").stat().st_size > 1000, name
    assert "1 x 1 x 16 x 16 x 16 (one VOI)" in (root / "stats" / "paper001" / "complexity.md").read_text()


def test_the_classifier_writes_its_class_alone(voi_run: Path) -> None:
    root = voi_run / "results" / DATASET
    cnn = pd.read_csv(root / "metrics" / "paper001_cnn3d.tsv", sep="\t")
    assert {"cls_prob", "cls_label"} <= set(cnn.columns) and "dice" not in cnn.columns
    assert sorted(cnn["case_id"]) == [f"ph{i:03d}" for i in range(8)]
    written = (root / "predictions" / "paper001_cnn3d" / "fold-0").iterdir()
    assert sorted(p.name for p in written if not p.name.startswith(".")) == ["classes.tsv"]
    assert not (root / "models" / "paper001_cnn3d" / "model.json").exists()
    mlssp = pd.read_csv(root / "metrics" / "paper001_mlssp_a04.tsv", sep="\t")
    assert mlssp["cls_prob"].between(0, 1).all() and mlssp["dice"].between(0, 1).all()
    test = pd.read_csv(root / "test" / "metrics" / "paper001_cnn3d.tsv", sep="\t")
    assert test["case_id"].tolist() == ["ph008"] and "cls_prob" in test.columns


def test_the_sliding_window_and_a_new_scan(voi_run: Path) -> None:
    root = voi_run / "results" / DATASET
    sw = pd.read_csv(root / "metrics" / "unet3d_sw.tsv", sep="\t")
    assert len(sw) == 8 and sw["dice"].between(0, 1).all()
    assert "cls_prob" not in sw.columns
    volumes = pd.read_csv(voi_run / "results" / "new" / "segment" / "paper001_mlssp_a04" / "volumes.tsv", sep="\t")
    assert volumes["case"].tolist() == ["s1"] and volumes["class"].iloc[0] in ("AVM", "other")
    assert 0.0 <= volumes["class_probability"].iloc[0] <= 1.0
    log = voi_run / "results" / "new" / "logs" / "segment" / "paper001_mlssp_a04" / "s1.log"
    assert "sliding window" in log.read_text()
