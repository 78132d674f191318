"""The 3D path of the workflow on a tiny phantom (paper 001's protocols): VOIs, the cube
symmetries, a multi-task network with its class, the sliding window, and segmenting a new scan."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.workflow.test_workflow import snakemake

pytestmark = pytest.mark.workflow

CONFIG = {
    "results": "results",
    "datasets": {"voi": {
        "source": {"kind": "phantom", "cases": 6, "test_cases": 1, "seed": 1, "matrix": 64, "slices": 12,
                   "lesion_free_fraction": 0.0, "avm_fraction": 0.5},
        "modality": "CT", "brain_mask": {}, "resampling": {"labels": "nearest"},
        "preprocess": {"spacing": [3.6, 3.6, 3.6], "normalize": "window", "window": [50, 100], "crop_to_brain": True,
                       "crop_margin_mm": 0.0},
        "folds": {"k": 2, "seed": 0, "stratify_by": ["lesion_class"], "val_fraction": 0.3},
        "samples": {"layout": "3d_voi", "voi": [16, 16, 16], "placement": "voi"},
        "augment": {"mode": "offline", "offline": {"set": "cube48"}},
        "classification": {"label": "lesion_class", "positive": "avm"},
        "compare": {"reference": "mlssp", "metrics": ["dice", "sensitivity", "specificity"],
                    "table_styles": ["paper001"]},
    }},
    "experiments": {
        "mlssp": {"dataset": "voi", "network": {"name": "mlssp", "features": [4, 8, 16], "cls_width": 4,
                                                "input_size": [16, 16, 16]},
                  "loss": {"name": "multitask", "alpha": 0.4},
                  "train": {"epochs": 1, "batch_size": 8, "optimizer": {"name": "adam", "lr": 1.0e-3}, "seed": 0}},
        "unet3d_sw": {"dataset": "voi", "network": {"name": "unet", "features": [4, 8, 16]}, "loss": {"name": "dice"},
                      "predict": {"placement": "sliding_window"},
                      "train": {"epochs": 1, "batch_size": 8, "optimizer": {"name": "adam", "lr": 1.0e-3}, "seed": 0}},
    },
    "segment": {"new": {"source": {"kind": "scans", "path": "scans"}, "experiments": ["mlssp"]}},
    "train_threads": 1,
}


@pytest.fixture(scope="module")
def voi_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("voi")
    raw = workdir / "raw"
    made = subprocess.run([sys.executable, "-m", "lesionbench", "phantom", str(raw), "--cases", "1", "--seed", "9",
                           "--matrix", "64", "--slices", "12"], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    shutil.copytree(raw / "dicom" / "ph000", workdir / "scans" / "s1")
    (workdir / "config.yaml").write_text(yaml.safe_dump(CONFIG, sort_keys=False))
    result = snakemake(workdir, workdir / "config.yaml")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-8000:]
    return workdir


def test_the_multitask_network_reports_its_class(voi_run: Path) -> None:
    root = voi_run / "results" / "voi"
    metrics = pd.read_csv(root / "metrics" / "mlssp.tsv", sep="\t")
    assert {"cls_prob", "cls_label"} <= set(metrics.columns) and metrics["cls_prob"].between(0, 1).all()
    assert sorted(metrics["case_id"]) == [f"ph{i:03d}" for i in range(6)]
    assert "cls_prob" not in pd.read_csv(root / "metrics" / "unet3d_sw.tsv", sep="\t").columns
    classification = pd.read_csv(root / "stats" / "main" / "classification.tsv", sep="\t")
    assert classification["model"].tolist() == ["mlssp"] and classification["n"].tolist() == [6]
    assert (root / "stats" / "main" / "auc_tests.tsv").is_file()
    test = pd.read_csv(root / "test" / "metrics" / "mlssp.tsv", sep="\t")
    assert test["case_id"].tolist() == ["ph006"] and "cls_prob" in test.columns
    assert "1 x 1 x 16 x 16 x 16 (one VOI)" in (root / "stats" / "main" / "complexity.md").read_text()


def test_the_sliding_window_and_a_new_scan(voi_run: Path) -> None:
    root = voi_run / "results" / "voi"
    sw = pd.read_csv(root / "metrics" / "unet3d_sw.tsv", sep="\t")
    assert len(sw) == 6 and sw["dice"].between(0, 1).all()
    volumes = pd.read_csv(voi_run / "results" / "new" / "segment" / "mlssp" / "volumes.tsv", sep="\t")
    assert volumes["case"].tolist() == ["s1"] and volumes["class"].iloc[0] in ("avm", "other")
    assert 0.0 <= volumes["class_probability"].iloc[0] <= 1.0
    assert "sliding window" in (voi_run / "results" / "new" / "logs" / "segment" / "mlssp" / "s1.log").read_text()
