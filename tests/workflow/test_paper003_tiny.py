"""Paper 003's ready tiny configuration end to end (resources/configs/paper003-tiny.yaml): the
ATLAS-like MRI phantom with a held-out test set, 2.5D samples at 96 x 96, the 13 networks of
Tables 3.2 / 4.2 (the 2D baselines on the target slice alone), every table and figure of the set."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import torch

from tests.workflow.test_workflow import REPO, snakemake

pytestmark = pytest.mark.workflow

READY = REPO / "resources" / "configs" / "paper003-tiny.yaml"
DATASET = "atlas_tiny"
#: the reference first, then the set's order
MODELS = ["tsrl_net", "unet", "segnet", "pspnet", "deeplabv3", "unetpp", "acsnet", "attention_unet", "xnet",
          "clcinet", "dunet", "unet3d", "agmr_net"]
TARGET_SLICE_ONLY = {"unet", "segnet", "pspnet", "deeplabv3", "unetpp", "acsnet", "attention_unet", "xnet", "clcinet"}


@pytest.fixture(scope="module")
def paper003_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("paper003")
    shutil.copyfile(READY, workdir / "config.yaml")
    result = snakemake(workdir, workdir / "config.yaml")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-8000:]
    return workdir


@pytest.mark.parametrize("part", ["", "test/"])
def test_every_table_and_figure_of_the_set_is_written(paper003_run: Path, part: str) -> None:
    root = paper003_run / "results" / DATASET / part
    stats = root / "stats" / "paper003"
    table = pd.read_csv(stats / "table_paper003.tsv", sep="\t").set_index("model")
    assert list(table.index) == [f"paper003_{m}" for m in MODELS]
    assert table.loc["paper003_unet", "label"] == "2D U-Net" and table.loc["paper003_tsrl_net", "label"] == "TSRL-Net"
    for column in ("dice", "sensitivity", "iou", "dsc_global"):
        assert table[column].between(0, 1).all(), column
    assert table["ppv"].dropna().between(0, 1).all()  # undefined where a model predicts no lesion
    assert table.loc["paper003_tsrl_net", ["delta_asd", "delta_hd95"]].isna().all()  # the reference
    assert len(pd.read_csv(stats / "tests.tsv", sep="\t")) > 0
    for path in stats.iterdir():
        if path.is_file():
            assert path.stat().st_size > 0, path
    figures = sorted((root / "figures" / "paper003").glob("*.png"))
    assert figures and all(path.stat().st_size > 1000 for path in figures)
    cases = pd.read_csv(root / "metrics" / "paper003_tsrl_net.tsv", sep="\t")["case_id"].tolist()
    assert cases == (["mr008", "mr009"] if part else [f"mr{i:03d}" for i in range(8)])


def test_the_2d_baselines_see_the_target_slice_and_the_others_the_stack(paper003_run: Path) -> None:
    root = paper003_run / "results" / DATASET
    for model in MODELS:
        checkpoint = torch.load(root / "models" / f"paper003_{model}" / "fold-0" / "best.pt", weights_only=True)
        one = model in TARGET_SLICE_ONLY
        assert checkpoint["data"]["samples"]["slice_offsets"] == ([0] if one else [-2, -1, 0, 1]), model
        assert checkpoint["network"]["kwargs"]["in_channels"] == (1 if one else 4), model
        assert checkpoint["epoch"] == checkpoint["best_epoch"] == 1  # the last epoch kept
    complexity = pd.read_csv(root / "stats" / "paper003" / "complexity.tsv", sep="\t").set_index("experiment")
    assert complexity["parameters"].gt(0).all() and len(complexity) == len(MODELS)
    note = (root / "stats" / "paper003" / "complexity.md").read_text()
    sentence = note.split("Input 1 x 4 x 96 x 96 (one slice); 1 x 1 for ", 1)[1].split(".", 1)[0]
    assert sorted(sentence.split(", ")) == sorted(f"paper003_{m}" for m in TARGET_SLICE_ONLY)
