"""train_fold on a tiny synthetic fold: history, best checkpoint, resume, fresh starts."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from lesionbench.losses import create_loss
from lesionbench.networks import create_network
from lesionbench.training import HISTORY_COLUMNS, load_checkpoint, load_fold_data, read_history, train_fold
from lesionbench.training.data import val_loader
from lesionbench.training.loop import validate
from lesionbench.inference import load_model

from .conftest import tiny_settings

NO_TIME = [c for c in HISTORY_COLUMNS if c != "seconds"]


def _rows(history: list[dict]) -> list[tuple]:
    return [tuple(row[c] for c in NO_TIME) for row in history]


def test_three_epochs_history_loss_and_best_checkpoint(augment_npz: Path, tmp_path: Path) -> None:
    out = tmp_path / "model"
    result = train_fold(augment_npz, out, tiny_settings(epochs=3), device="cpu")

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
    assert set(checkpoint) >= {"network", "state_dict", "optimizer", "scheduler", "epoch", "best_val_dice",
                               "settings", "provenance", "rng"}

    # The stored weights reproduce the stored validation Dice.
    model, _ = load_model(out / "best.pt", "cpu")
    data = load_fold_data(augment_npz)
    again = validate(model, val_loader(data, 4), create_loss("dice"), torch.device("cpu"), amp=None)
    assert again.dice == pytest.approx(max(dices), abs=1e-12)
    assert (out / "resume" / "last.pt").is_file()
    assert load_checkpoint(out / "resume" / "last.pt")["epoch"] == 3


def _dropout_unet(name: str, **kwargs: object) -> torch.nn.Module:
    """The real U-Net followed by dropout, so that training draws from the global torch RNG
    (as DropBlock does in paper 000's network) and resuming must restore that RNG."""
    return torch.nn.Sequential(create_network(name, **kwargs), torch.nn.Dropout(0.2))


def test_resume_equals_uninterrupted_run(augment_npz: Path, tmp_path: Path) -> None:
    settings = tiny_settings(epochs=4, schedule={"name": "epoch_decay", "gamma": 0.5})
    run = {"device": "cpu", "network_factory": _dropout_unet}
    straight = train_fold(augment_npz, tmp_path / "straight", settings, **run)

    first = train_fold(augment_npz, tmp_path / "resumed", settings, stop_after_epoch=2, **run)
    assert not first["complete"] and first["epochs_done"] == 2
    assert not (tmp_path / "resumed" / "best.pt").exists()  # outputs appear only when complete
    assert not (tmp_path / "resumed" / "history.tsv").exists()
    second = train_fold(augment_npz, tmp_path / "resumed", settings, **run)
    assert second["complete"] and second["resumed_after"] == 2

    assert _rows(second["history"]) == _rows(straight["history"])
    assert [row["lr"] for row in second["history"]] == [3e-3 * 0.5 ** k for k in range(4)]
    for name in ("best.pt", "resume/last.pt"):
        a = load_checkpoint(tmp_path / "straight" / name)["state_dict"]
        b = load_checkpoint(tmp_path / "resumed" / name)["state_dict"]
        assert a.keys() == b.keys()
        assert all(torch.equal(a[key], b[key]) for key in a), name
    assert _rows(read_history(tmp_path / "resumed" / "history.tsv")) == _rows(straight["history"])


def test_changed_settings_start_fresh(augment_npz: Path, tmp_path: Path) -> None:
    out = tmp_path / "model"
    train_fold(augment_npz, out, tiny_settings(epochs=3, lr=3e-3), device="cpu", stop_after_epoch=1)
    result = train_fold(augment_npz, out, tiny_settings(epochs=2, lr=1e-3), device="cpu")
    assert result["resumed_after"] == 0
    assert [row["epoch"] for row in read_history(out / "history.tsv")] == [1, 2]
    assert [row["lr"] for row in read_history(out / "history.tsv")] == [1e-3, 1e-3]


def test_complete_run_restarts_and_more_epochs_resume(augment_npz: Path, tmp_path: Path) -> None:
    out = tmp_path / "model"
    done = train_fold(augment_npz, out, tiny_settings(epochs=1), device="cpu")
    again = train_fold(augment_npz, out, tiny_settings(epochs=1), device="cpu")
    assert again["resumed_after"] == 0
    assert _rows(again["history"]) == _rows(done["history"])  # exactly repeatable for a seed
    longer = train_fold(augment_npz, out, tiny_settings(epochs=2), device="cpu")
    assert longer["resumed_after"] == 1 and longer["epochs_done"] == 2
    assert _rows(longer["history"])[0] == _rows(done["history"])[0]


def test_val_every_leaves_nan_and_validates_last_epoch(augment_npz: Path, tmp_path: Path) -> None:
    result = train_fold(augment_npz, tmp_path / "m", tiny_settings(epochs=3, val_every=2,
                                                                   max_train_batches_per_epoch=2), device="cpu")
    history = read_history(tmp_path / "m" / "history.tsv")
    assert [math.isnan(row["val_dice"]) for row in history] == [True, False, False]
    assert result["best_epoch"] in (2, 3)
    last = load_checkpoint(tmp_path / "m" / "resume" / "last.pt")
    assert last["scheduler"]["last_epoch"] == 6  # 2 capped batches x 3 epochs


def test_in_channels_from_data_and_contradiction(tmp_path: Path) -> None:
    from .conftest import write_augment_npz

    npz = write_augment_npz(tmp_path / "two.npz", n_train=4, n_val=2, channels=2)
    train_fold(npz, tmp_path / "m", tiny_settings(epochs=1), device="cpu")
    assert load_checkpoint(tmp_path / "m" / "best.pt")["network"]["kwargs"]["in_channels"] == 2
    bad = tiny_settings(epochs=1)
    bad = type(bad).from_dict({**bad.to_dict(), "network": {"name": "unet", "features": [4, 8], "in_channels": 1}})
    with pytest.raises(ValueError, match="network.in_channels: 1 in the settings, but the training samples have in_channels = 2"):
        train_fold(npz, tmp_path / "bad", bad, device="cpu")


def test_amp_true_on_cpu_is_an_error(augment_npz: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="mixed precision needs a CUDA device"):
        train_fold(augment_npz, tmp_path / "m", tiny_settings(epochs=1, amp=True), device="cpu")


def test_three_dimensional_samples(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    images = rng.random((5, 1, 4, 8, 8), dtype=np.float32)
    masks = (images > 0.7).astype(np.uint8)
    np.savez(tmp_path / "vox.npz", train_images=images[:3], train_masks=masks[:3],
             val_images=images[3:], val_masks=masks[3:])
    settings = type(tiny_settings()).from_dict({**tiny_settings(epochs=1).to_dict(),
                                                "network": {"name": "unet", "features": [2, 4]}})
    result = train_fold(tmp_path / "vox.npz", tmp_path / "m", settings, device="cpu")
    checkpoint = load_checkpoint(tmp_path / "m" / "best.pt")
    assert checkpoint["network"]["kwargs"]["spatial_dims"] == 3 and checkpoint["data"]["sample_shape"] == [4, 8, 8]
    assert result["complete"] and 0.0 <= result["best_val_dice"] <= 1.0
