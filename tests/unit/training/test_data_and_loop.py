"""The streamed fold (samples folders), batches, loader determinism, global Dice, validation and history."""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from lesionbench.augment import AugmentSettings
from lesionbench.training import EpochBatches, FoldSamples, SampleDataset, TrainingDataError, global_dice
from lesionbench.training import make_loader, read_history, write_history
from lesionbench.training.data import InOrder
from lesionbench.training.loop import validate
from tests.sample_folders import write_case, write_fold


def test_fold_samples_list_every_target_of_the_fold(fold: tuple[Path, Path]) -> None:
    data = FoldSamples.open(*fold, 0)
    assert len(data.train) == 24 and len(data.val) == 8
    assert [case.case_id for case in data.train.cases] == ["c0", "c1", "c2", "c3"]
    assert data.train.items[:7].tolist() == [[0, 0], [0, 1], [0, 2], [0, 3], [0, 4], [0, 5], [1, 0]]
    assert data.train.has_lesion.tolist() == [i % 4 != 3 for i in range(6)] * 4
    assert data.in_channels == 1 and data.sample_shape == (32, 32) and len(data.sha256) == 64
    image, label, cls = SampleDataset(data.train, data.settings)[7]
    stored = np.load(fold[0] / "c1" / "images.npy")[1]
    assert image.dtype == torch.float32 and torch.equal(image, torch.from_numpy(stored))
    assert label.shape == (1, 32, 32) and set(label.unique().tolist()) <= {0.0, 1.0}
    assert cls.dtype == torch.int64 and int(cls) == -1  # no class target: unknown


def test_fold_hash_changes_with_the_data(tmp_path: Path) -> None:
    samples, folds = write_fold(tmp_path / "a", {"a": 3}, {"b": 2})
    before = FoldSamples.open(samples, folds, 0).sha256
    write_case(samples / "a", np.zeros((3, 1, 32, 32), np.float32), np.zeros((3, 1, 32, 32), np.float32))
    assert FoldSamples.open(samples, folds, 0).sha256 != before


def test_missing_case_folder_and_inconsistent_cases_are_named(tmp_path: Path) -> None:
    samples, folds = write_fold(tmp_path / "a", {"a": 3, "b": 3}, {"c": 2})
    shutil.rmtree(samples / "b")
    with pytest.raises(FileNotFoundError, match=re.escape(str(samples / "b" / "index.json"))):
        FoldSamples.open(samples, folds, 0)
    write_case(samples / "b", np.zeros((3, 1, 16, 16), np.float32), np.zeros((3, 1, 16, 16), np.float32))
    with pytest.raises(TrainingDataError, match="extracted with settings"):
        FoldSamples.open(samples, folds, 0)
    (samples / "a" / "images.npy").write_bytes((samples / "a" / "images.npy").read_bytes()[:-10])
    with pytest.raises(ValueError, match="images.npy: truncated"):
        FoldSamples.open(samples, folds, 0)


def test_empty_split_and_bad_folds_file(tmp_path: Path) -> None:
    samples, folds = write_fold(tmp_path / "a", {"a": 3}, {})
    with pytest.raises(TrainingDataError, match="fold 0 has no val samples"):
        FoldSamples.open(samples, folds, 0)
    with pytest.raises(TrainingDataError, match="no fold 3"):
        FoldSamples.open(samples, folds, 3)
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(TrainingDataError, match="bad.json: not a folds file"):
        FoldSamples.open(samples, tmp_path / "bad.json", 0)


def test_epoch_batches_shuffle_per_epoch_and_drop_a_final_batch_of_one() -> None:
    batches = EpochBatches(9, 4, seed=1)
    first = list(batches)
    assert [len(b) for b in first] == [4, 4]  # 4 + 4 + 1: the single one is dropped
    assert len(batches) == 2
    assert list(batches) == first
    batches.set_epoch(2)
    assert list(batches) != first
    assert [len(b) for b in EpochBatches(10, 4, seed=1)] == [4, 4, 2]
    assert [len(b) for b in EpochBatches(9, 1, seed=1)] == [1] * 9
    indices = sorted(i for batch in EpochBatches(12, 4, seed=3) for i, _ in batch)
    assert indices == list(range(12))  # one pass over all items
    assert [len(b) for b in EpochBatches(9, 4, seed=1, max_batches=1)] == [4]


def test_foreground_fraction_fills_each_batch() -> None:
    has_lesion = np.zeros(100, dtype=bool)
    has_lesion[:5] = True  # 5 % of the samples hold lesion
    batches = list(EpochBatches(100, 10, seed=0, has_lesion=has_lesion, foreground_fraction=0.3))
    assert len(batches) == 10 and all(len(b) == 10 for b in batches)
    shares = [sum(has_lesion[i] for i, _ in batch) / 10 for batch in batches]
    assert min(shares) >= 0.3  # at least the forced 3 of 10, plus what the random draws bring
    plain = [i for batch in EpochBatches(100, 10, seed=0, has_lesion=has_lesion) for i, _ in batch]
    assert sorted(plain) == list(range(100))
    no_lesion = list(EpochBatches(20, 4, seed=0, has_lesion=np.zeros(20, bool), foreground_fraction=0.5))
    assert sorted(i for b in no_lesion for i, _ in b) == list(range(20))  # nothing to oversample


def _epoch_batches(fold: tuple[Path, Path], workers: int, augment: AugmentSettings) -> list[torch.Tensor]:
    data = FoldSamples.open(*fold, 0)
    dataset = SampleDataset(data.train, data.settings, augment, 0)
    sampler = EpochBatches(len(dataset), 5, seed=3, augment_seed=augment.seed)
    loader = make_loader(dataset, sampler, workers)
    out = []
    for epoch in (1, 2):
        sampler.set_epoch(epoch)
        out += [torch.cat([images.flatten(1), labels.flatten(1)], 1) for images, labels, _ in loader]
    return out


@pytest.mark.parametrize("mode", ["online", "offline"])
def test_batches_are_identical_with_and_without_worker_processes(fold: tuple[Path, Path], mode: str) -> None:
    augment = AugmentSettings.from_dict({"mode": mode, "seed": 5, "online": {"gamma": {"prob": 0.5},
                                                                          "affine": {"prob": 0.5}}})
    in_process = _epoch_batches(fold, 0, augment)
    two_workers = _epoch_batches(fold, 2, augment)
    assert len(in_process) == len(two_workers) == 2 * (len(in_process) // 2)
    assert all(torch.equal(a, b) for a, b in zip(in_process, two_workers))
    half = len(in_process) // 2
    assert not all(torch.equal(a, b) for a, b in zip(in_process[:half], in_process[half:]))  # epochs differ


def test_global_dice_hand_computed() -> None:
    assert global_dice(3, 4, 6) == 0.6
    assert global_dice(0, 0, 0) == 1.0
    assert global_dice(0, 5, 0) == 0.0


class _Threshold(torch.nn.Module):
    """Logit +10 where the image is above 0.5, -10 elsewhere: a fixed segmenter."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.where(x[:, :1] > 0.5, 10.0, -10.0)


def test_validate_counts_over_all_slices(tmp_path: Path) -> None:
    samples, folds = write_fold(tmp_path / "f", {"a": 4}, {"b": 4, "c": 3})
    data = FoldSamples.open(samples, folds, 0)
    val = SampleDataset(data.val, data.settings)
    loss = lambda logits, target: (torch.sigmoid(logits) - target.mask).abs().mean()  # noqa: E731
    result = validate(_Threshold(), make_loader(val, InOrder(len(val), 3)), loss, torch.device("cpu"), amp=None)
    images = torch.stack([val[i][0] for i in range(len(val))])
    labels = torch.stack([val[i][1] for i in range(len(val))])
    predicted, reference = images[:, 0] > 0.5, labels[:, 0] >= 0.5
    assert (result.intersection, result.predicted, result.reference) == (
        int((predicted & reference).sum()), int(predicted.sum()), int(reference.sum()))
    assert result.dice == pytest.approx(2 * result.intersection / (result.predicted + result.reference))
    assert result.dice > 0.95


def test_history_round_trip(tmp_path: Path) -> None:
    rows = [{"epoch": 1, "train_loss": 0.1 + 0.2, "val_loss": math.nan, "val_dice": math.nan, "lr": 4e-5, "seconds": 1.5}]
    write_history(rows, tmp_path / "h.tsv")
    assert (tmp_path / "h.tsv").read_text().splitlines()[0] == "epoch\ttrain_loss\tval_loss\tval_dice\tlr\tseconds"
    back = read_history(tmp_path / "h.tsv")
    assert back[0]["train_loss"] == 0.1 + 0.2 and math.isnan(back[0]["val_dice"]) and back[0]["epoch"] == 1
