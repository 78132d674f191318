"""The augment file check, global Dice, validation and history.tsv."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from lesionbench.training import TrainingDataError, global_dice, load_fold_data, read_history, write_history
from lesionbench.training.data import train_loader, val_loader
from lesionbench.training.loop import validate

from .conftest import write_augment_npz


def test_load_fold_data_shapes(augment_npz: Path) -> None:
    data = load_fold_data(augment_npz)
    assert tuple(data.train_images.shape) == (24, 1, 32, 32) and data.train_masks.dtype == torch.uint8
    assert data.in_channels == 1 and data.sample_shape == (32, 32) and len(data.sha256) == 64


@pytest.mark.parametrize("arrays, message", [
    ({"val_masks": None}, "missing array 'val_masks'"),
    ({"train_masks": np.zeros((4, 2, 8, 8), np.uint8)}, "train_masks shape \\(4, 2, 8, 8\\) does not match"),
    ({"train_masks": np.full((4, 1, 8, 8), 2, np.uint8)}, "train_masks must hold only 0 and 1"),
    ({"val_images": np.full((2, 1, 8, 8), np.nan, np.float32)}, "val_images holds NaN"),
    ({"val_images": np.zeros((0, 1, 8, 8), np.float32), "val_masks": np.zeros((0, 1, 8, 8), np.uint8)},
     "val_images is empty"),
    ({"val_images": np.zeros((2, 1, 9, 8), np.float32), "val_masks": np.zeros((2, 1, 9, 8), np.uint8)},
     "differ in channels or size"),
])
def test_bad_augment_file_names_file_and_problem(tmp_path: Path, arrays: dict, message: str) -> None:
    content = {"train_images": np.zeros((4, 1, 8, 8), np.float32), "train_masks": np.zeros((4, 1, 8, 8), np.uint8),
               "val_images": np.zeros((2, 1, 8, 8), np.float32), "val_masks": np.zeros((2, 1, 8, 8), np.uint8)}
    content.update(arrays)
    path = tmp_path / "fold-1.npz"
    np.savez(path, **{k: v for k, v in content.items() if v is not None})
    with pytest.raises(TrainingDataError, match=f"{re.escape(str(path))}: .*{message}"):
        load_fold_data(path)


def test_missing_and_corrupt_files(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nope.npz: augmented training set not found"):
        load_fold_data(tmp_path / "nope.npz")
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(TrainingDataError, match="bad.npz: cannot be read as .npz"):
        load_fold_data(tmp_path / "bad.npz")


def test_global_dice_hand_computed() -> None:
    assert global_dice(3, 4, 6) == 0.6
    assert global_dice(0, 0, 0) == 1.0
    assert global_dice(0, 5, 0) == 0.0


class _Threshold(torch.nn.Module):
    """Logit +10 where the image is above 0.5, -10 elsewhere: a fixed segmenter."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.where(x[:, :1] > 0.5, 10.0, -10.0)


def test_validate_counts_over_all_slices(tmp_path: Path) -> None:
    path = write_augment_npz(tmp_path / "f.npz", n_train=4, n_val=7)
    data = load_fold_data(path)
    loss = lambda logits, target: (torch.sigmoid(logits) - target).abs().mean()  # noqa: E731
    result = validate(_Threshold(), val_loader(data, 3), loss, torch.device("cpu"), amp=None)
    predicted = data.val_images[:, 0] > 0.5
    reference = data.val_masks[:, 0] > 0
    assert (result.intersection, result.predicted, result.reference) == (
        int((predicted & reference).sum()), int(predicted.sum()), int(reference.sum()))
    assert result.dice == pytest.approx(2 * result.intersection / (result.predicted + result.reference))
    assert result.dice > 0.95


def test_train_loader_order_follows_generator(augment_npz: Path) -> None:
    data = load_fold_data(augment_npz)
    def order(seed: int) -> list[torch.Tensor]:
        return [images for images, _ in train_loader(data, 5, torch.Generator().manual_seed(seed))]
    first, again, other = order(1), order(1), order(2)
    assert [b.shape[0] for b in first] == [5, 5, 5, 5, 4]  # drop_last=False
    assert all(torch.equal(a, b) for a, b in zip(first, again))
    assert not all(torch.equal(a, b) for a, b in zip(first, other))


def test_history_round_trip(tmp_path: Path) -> None:
    rows = [{"epoch": 1, "train_loss": 0.1 + 0.2, "val_loss": math.nan, "val_dice": math.nan, "lr": 4e-5, "seconds": 1.5}]
    write_history(rows, tmp_path / "h.tsv")
    assert (tmp_path / "h.tsv").read_text().splitlines()[0] == "epoch\ttrain_loss\tval_loss\tval_dice\tlr\tseconds"
    back = read_history(tmp_path / "h.tsv")
    assert back[0]["train_loss"] == 0.1 + 0.2 and math.isnan(back[0]["val_dice"]) and back[0]["epoch"] == 1
