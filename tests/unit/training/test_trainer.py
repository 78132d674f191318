"""train_fold on a tiny synthetic fold of samples folders: history, best checkpoint, resume, fresh starts."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from lesionbench.losses import create_loss
from lesionbench.networks import create_network
from lesionbench.inference import load_model
from lesionbench.training import HISTORY_COLUMNS, FoldSamples, SampleDataset, load_checkpoint, read_history, train_fold
from lesionbench.training.data import InOrder, make_loader
from lesionbench.training.loop import validate
from lesionbench.training.trainer import batch_loss
from tests.sample_folders import write_fold

from .conftest import tiny_settings

NO_TIME = [c for c in HISTORY_COLUMNS if c != "seconds"]


def _rows(history: list[dict]) -> list[tuple]:
    return [tuple(row[c] for c in NO_TIME) for row in history]


def test_three_epochs_history_loss_and_best_checkpoint(fold: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "model"
    result = train_fold(*fold, 0, out, tiny_settings(epochs=3), device="cpu")

    history = read_history(out / "history.tsv")
    assert [row["epoch"] for row in history] == [1, 2, 3]
    assert list(history[0]) == list(HISTORY_COLUMNS)
    assert _rows(history) == _rows(result["history"])  # the TSV round-trips exactly
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    assert all(row["lr"] == 3e-3 for row in history)  # constant schedule
    assert all(0.0 <= row["val_dice"] <= 1.0 and row["seconds"] > 0 for row in history)

    dices = [row["val_dice"] for row in history]
    best_epoch = int(np.argmax(dices)) + 1  # argmax keeps the first of ties
    checkpoint = load_checkpoint(out / "best.pt")
    assert result["best_epoch"] == checkpoint["epoch"] == best_epoch
    assert checkpoint["best_val_dice"] == max(dices)
    assert checkpoint["network"] == {"name": "unet", "kwargs": {"features": [4, 8, 16], "in_channels": 1,
                                                                "spatial_dims": 2, "out_channels": 1}}
    assert checkpoint["data"]["sample_shape"] == [32, 32]
    assert checkpoint["data"]["samples"] == {"layout": "2d", "size": [32, 32], "fit": "pad", "voi": [64, 64, 64],
                                             "slice_offsets": [-2, -1, 0, 1], "stack_padding": "zeros",
                                             "resampling": {"labels": "soft", "antialias": True}}
    assert set(checkpoint) >= {"network", "state_dict", "optimizer", "scheduler", "epoch", "best_val_dice",
                               "settings", "provenance", "rng"}

    # The stored weights reproduce the stored validation Dice.
    model, _ = load_model(out / "best.pt", "cpu")
    data = FoldSamples.open(*fold, 0)
    val = SampleDataset(data.val, data.settings)
    loss = batch_loss(create_loss("dice"), torch.device("cpu"))
    again = validate(model, make_loader(val, InOrder(len(val), 4)), loss, torch.device("cpu"), amp=None)
    assert again.dice == pytest.approx(max(dices), abs=1e-12)
    assert (out / "resume" / "last.pt").is_file()
    assert load_checkpoint(out / "resume" / "last.pt")["epoch"] == 3


def _dropout_unet(name: str, **kwargs: object) -> torch.nn.Module:
    """The real U-Net followed by dropout, so that training draws from the global torch RNG
    (as DropBlock does in paper 000's network) and resuming must restore that RNG."""
    return torch.nn.Sequential(create_network(name, **kwargs), torch.nn.Dropout(0.2))


@pytest.mark.parametrize("augment", [None, {"mode": "online"}, {"mode": "offline", "offline": {"copies": 2}}])
def test_resume_equals_uninterrupted_run(fold: tuple[Path, Path], tmp_path: Path, augment: dict | None) -> None:
    settings = tiny_settings(epochs=4, schedule={"name": "epoch_decay", "gamma": 0.5}, augment=augment)
    run = {"device": "cpu", "network_factory": _dropout_unet}
    straight = train_fold(*fold, 0, tmp_path / "straight", settings, **run)

    first = train_fold(*fold, 0, tmp_path / "resumed", settings, stop_after_epoch=2, **run)
    assert not first["complete"] and first["epochs_done"] == 2
    assert not (tmp_path / "resumed" / "best.pt").exists()  # outputs appear only when complete
    assert not (tmp_path / "resumed" / "history.tsv").exists()
    second = train_fold(*fold, 0, tmp_path / "resumed", settings, **run)
    assert second["complete"] and second["resumed_after"] == 2

    assert _rows(second["history"]) == _rows(straight["history"])
    assert [row["lr"] for row in second["history"]] == [3e-3 * 0.5 ** k for k in range(4)]
    for name in ("best.pt", "resume/last.pt"):
        a = load_checkpoint(tmp_path / "straight" / name)["state_dict"]
        b = load_checkpoint(tmp_path / "resumed" / name)["state_dict"]
        assert a.keys() == b.keys()
        assert all(torch.equal(a[key], b[key]) for key in a), name
    assert _rows(read_history(tmp_path / "resumed" / "history.tsv")) == _rows(straight["history"])


def test_changed_settings_start_fresh(fold: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "model"
    train_fold(*fold, 0, out, tiny_settings(epochs=3, lr=3e-3), device="cpu", stop_after_epoch=1)
    result = train_fold(*fold, 0, out, tiny_settings(epochs=2, lr=1e-3), device="cpu")
    assert result["resumed_after"] == 0
    assert [row["epoch"] for row in read_history(out / "history.tsv")] == [1, 2]
    assert [row["lr"] for row in read_history(out / "history.tsv")] == [1e-3, 1e-3]


def test_complete_run_is_reused_and_more_epochs_resume(fold: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "model"
    done = train_fold(*fold, 0, out, tiny_settings(epochs=1), device="cpu")
    # the same settings again (e.g. after a prediction-only change): nothing is retrained
    again = train_fold(*fold, 0, out, tiny_settings(epochs=1), device="cpu")
    assert again["resumed_after"] == 1 and again["complete"]
    assert _rows(again["history"]) == _rows(done["history"])
    fresh = train_fold(*fold, 0, tmp_path / "other", tiny_settings(epochs=1), device="cpu")
    assert _rows(fresh["history"]) == _rows(done["history"])  # exactly repeatable for a seed
    longer = train_fold(*fold, 0, out, tiny_settings(epochs=2), device="cpu")
    assert longer["resumed_after"] == 1 and longer["epochs_done"] == 2
    assert _rows(longer["history"])[0] == _rows(done["history"])[0]


def test_val_every_leaves_nan_and_validates_last_epoch(fold: tuple[Path, Path], tmp_path: Path) -> None:
    result = train_fold(*fold, 0, tmp_path / "m", tiny_settings(epochs=3, val_every=2,
                                                                max_train_batches_per_epoch=2), device="cpu")
    history = read_history(tmp_path / "m" / "history.tsv")
    assert [math.isnan(row["val_dice"]) for row in history] == [True, False, False]
    assert result["best_epoch"] in (2, 3)
    last = load_checkpoint(tmp_path / "m" / "resume" / "last.pt")
    assert last["scheduler"]["last_epoch"] == 6  # 2 capped batches x 3 epochs


def test_in_channels_from_data_and_contradiction(tmp_path: Path) -> None:
    samples, folds = write_fold(tmp_path / "two", {"a": 4}, {"b": 2}, channels=2)
    train_fold(samples, folds, 0, tmp_path / "m", tiny_settings(epochs=1), device="cpu")
    assert load_checkpoint(tmp_path / "m" / "best.pt")["network"]["kwargs"]["in_channels"] == 2
    bad = tiny_settings(epochs=1)
    bad = type(bad).from_dict({**bad.to_dict(), "network": {"name": "unet", "features": [4, 8], "in_channels": 1}})
    with pytest.raises(ValueError, match="network.in_channels: 1 in the settings, but the training samples have in_channels = 2"):
        train_fold(samples, folds, 0, tmp_path / "bad", bad, device="cpu")


def test_amp_true_on_cpu_is_an_error(fold: tuple[Path, Path], tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="mixed precision needs a CUDA device"):
        train_fold(*fold, 0, tmp_path / "m", tiny_settings(epochs=1, amp=True), device="cpu")


@pytest.mark.parametrize("network", [
    {"name": "deeplabv3", "backbone": "resnet18", "backbone_widths": [8, 16, 32, 64], "aspp_channels": 16},
    {"name": "pspnet", "backbone": "resnet18", "backbone_widths": [8, 16, 32, 64], "head_channels": 16},
])
def test_batch_norm_networks_train_when_a_batch_of_one_would_remain(tmp_path: Path, network: dict) -> None:
    """9 training samples in batches of 4 leave one: the loader drops it, so BatchNorm over the
    networks' 1 x 1 pooled features never sees a single sample."""
    samples, folds = write_fold(tmp_path / "odd", {"a": 5, "b": 4}, {"c": 3})
    settings = tiny_settings(epochs=1)
    settings = type(settings).from_dict({**settings.to_dict(), "network": network})
    result = train_fold(samples, folds, 0, tmp_path / "m", settings, device="cpu")
    assert result["complete"] and math.isfinite(result["history"][0]["train_loss"])
    assert load_checkpoint(tmp_path / "m" / "resume" / "last.pt")["scheduler"]["last_epoch"] == 2  # 9 // 4 batches


def test_the_last_epoch_can_be_the_checkpoint(fold: tuple[Path, Path], tmp_path: Path) -> None:
    """``train.checkpoint: last`` (paper 001 selects no epoch on validation): best.pt is epoch 3."""
    result = train_fold(*fold, 0, tmp_path / "m", tiny_settings(epochs=3, lr=3e-2, checkpoint="last"), device="cpu")
    assert result["best_epoch"] == 3
    assert load_checkpoint(tmp_path / "m" / "best.pt")["epoch"] == 3
