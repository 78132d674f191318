"""The samples of one fold, streamed from the cases' sample folders and augmented per sample.

Nothing holds a fold in memory: :class:`FoldSamples` lists ``(case, target)`` pairs from the
cases' ``index.json`` files, :class:`SampleDataset` reads one sample at a time
(:class:`lesionbench.samples.CaseSamples`, a few rows by ``pread``) and augments it, and
:class:`EpochBatches` decides what each batch holds. Loader worker processes read and augment
in parallel with the training step.

Determinism: the sampler draws, in the main process, every sample of an epoch together with a
per-draw seed from ``(seed, fold, epoch)``; a worker only applies what it is given, so batches
are identical for any number of workers, and a resumed run repeats an uninterrupted one.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from lesionbench.augment import OFFLINE_SETS, AugmentSettings, OnlineAugmentation, offline_table
from lesionbench.classification.target import UNKNOWN_CLASS, ClassTarget
from lesionbench.folds import FoldsFileError, read_fold
from lesionbench.samples import CaseSamples, Layout, SampleSettings, get_layout
from lesionbench.typing import PathLike


class TrainingDataError(ValueError):
    """The fold's samples are missing, empty or inconsistent."""


@dataclass(frozen=True)
class SplitSamples:
    """The samples of one side of a fold (training or validation).

    Attributes:
        cases: the cases' sample folders, in sorted case order.
        items: ``(N, 2)`` int64 ``[case position, target]`` in case order, targets ascending.
        has_lesion: ``(N,)`` bool, whether the sample's label holds lesion.
        classes: ``(N,)`` int64 class target of each sample's case (``datasets.<d>.classification``:
            1 positive, 0 negative, -1 unknown or no class target).
    """

    cases: tuple[CaseSamples, ...]
    items: np.ndarray
    has_lesion: np.ndarray
    classes: np.ndarray

    def __len__(self) -> int:
        return int(self.items.shape[0])

    @property
    def sample_shape(self) -> tuple[int, ...]:
        """Spatial shape of one sample (``(H, W)`` for slice layouts); ``()`` without cases."""
        return tuple(int(n) for n in self.cases[0].images.shape[2:]) if self.cases else ()


def _split(folder: Path, case_ids: Sequence[str], class_target: ClassTarget | None = None) -> SplitSamples:
    cases = tuple(CaseSamples(folder / case) for case in sorted(case_ids))
    items = [(position, target) for position, case in enumerate(cases) for target in case.targets]
    lesion = [flag for case in cases for flag in case.has_lesion]
    per_case = [UNKNOWN_CLASS if class_target is None else class_target.class_of(case.labels) for case in cases]
    classes = [per_case[position] for position, _ in items]
    return SplitSamples(cases, np.asarray(items, dtype=np.int64).reshape(-1, 2), np.asarray(lesion, dtype=bool),
                        np.asarray(classes, dtype=np.int64))


@dataclass(frozen=True)
class FoldSamples:
    """Training and validation samples of one fold, as stored by the samples stage.

    Attributes:
        train, val: see :class:`SplitSamples`.
        settings: the sample geometry the cases were extracted with (layout, size, fit,
            2.5D offsets, label method), read from their index files.
        sha256: hash of the fold's case lists and every case index (which holds the arrays'
            own SHA-256): part of the resume key.
    """

    train: SplitSamples
    val: SplitSamples
    settings: SampleSettings
    sha256: str

    @classmethod
    def open(cls, samples_dir: PathLike, folds_json: PathLike, fold: int,
             class_target: ClassTarget | None = None) -> FoldSamples:
        """Read the index of every training and validation case of ``fold``.

        ``class_target`` names the case label that multi-task networks classify; without it every
        sample's class is unknown (-1).

        Raises:
            FileNotFoundError: a case's samples folder or the folds file is missing.
            TrainingDataError: naming the file, for a bad folds file, an empty split, or cases
                extracted with different settings or of different sample shapes.
        """
        folder = Path(samples_dir)
        try:
            entry = read_fold(folds_json, fold, ("train", "val"))
        except FoldsFileError as error:
            raise TrainingDataError(str(error)) from error
        train, val = _split(folder, entry["train"], class_target), _split(folder, entry["val"], class_target)
        for name, split in (("train", train), ("val", val)):
            if len(split) == 0:
                raise TrainingDataError(f"{folds_json}: fold {fold} has no {name} samples in {folder}")
        geometry = [case.index.get("settings") for case in (*train.cases, *val.cases)]
        if any(g != geometry[0] for g in geometry):
            odd = next(case for case, g in zip((*train.cases, *val.cases), geometry) if g != geometry[0])
            raise TrainingDataError(f"{odd.folder}: extracted with settings {odd.index.get('settings')}, "
                                    f"other cases with {geometry[0]}")
        shapes = {case.images.shape[1:] for case in (*train.cases, *val.cases)}
        if len(shapes) > 1:
            raise TrainingDataError(f"{folder}: cases of fold {fold} have different sample shapes {sorted(shapes)}")
        digest = hashlib.sha256(json.dumps({"train": sorted(entry["train"]), "val": sorted(entry["val"]),
                                            "cases": [c.content_hash() for c in (*train.cases, *val.cases)]},
                                           sort_keys=True).encode("utf-8")).hexdigest()
        return cls(train, val, SampleSettings.from_dict(geometry[0]), digest)

    @property
    def layout(self) -> Layout:
        return get_layout(self.settings.layout)

    @property
    def in_channels(self) -> int:
        return self.layout.channels(int(self.train.cases[0].images.shape[1]), self.settings)

    @property
    def sample_shape(self) -> tuple[int, ...]:
        """Spatial shape of one sample, ``(H, W)`` for slice layouts."""
        return self.train.sample_shape


class SampleDataset(Dataset):
    """Samples of one split, read on demand and augmented.

    Items are addressed by ``(index, draw_seed)`` (what :class:`EpochBatches` yields) or a plain
    ``index``. With an offline set there are ``len(split) * copies`` indices: index ``i`` is
    sample ``i // copies`` under copy ``i % copies`` of the expansion table.

    Returns per item ``(image (C', *spatial) float32, label (1, *spatial) float32 fraction,
    class int64 scalar)`` (the class of the sample's case; -1 unknown).
    """

    def __init__(self, split: SplitSamples, settings: SampleSettings, augment: AugmentSettings | None = None,
                 fold: int = 0) -> None:
        self.split, self.settings = split, settings
        self.layout = get_layout(settings.layout)
        shape = split.sample_shape
        mode = "none" if augment is None else augment.mode
        self.copies, self.table, self.offline, self.online = 1, None, None, None
        if mode == "offline":
            self.copies = augment.offline.copies
            self.offline = OFFLINE_SETS[augment.offline.set]
            self.table = offline_table(len(split), shape, augment.offline, augment.seed, fold)
        elif mode == "online":
            self.online = OnlineAugmentation(augment.online, len(shape), settings.resampling.labels, shape)

    def __len__(self) -> int:
        return len(self.split) * self.copies

    def has_lesion(self) -> np.ndarray:
        """``(len(self),)`` bool: whether each item's sample holds lesion."""
        return np.repeat(self.split.has_lesion, self.copies)

    def __getitem__(self, key: int | tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        index, draw_seed = (int(key[0]), int(key[1])) if isinstance(key, tuple) else (int(key), 0)
        base, copy = divmod(index, self.copies)
        position, target = (int(v) for v in self.split.items[base])
        image, label = self.layout.read_sample(self.split.cases[position], target, self.settings)
        if self.table is not None and copy:
            image, label = self.offline.apply(image, label, self.table[base, copy])
        elif self.online is not None:
            image, label = self.online(image, label, draw_seed)
        return (torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32)),
                torch.from_numpy(np.ascontiguousarray(label, dtype=np.float32)),
                torch.tensor(int(self.split.classes[base]), dtype=torch.int64))


class EpochBatches(Sampler):
    """Batches of ``(index, draw_seed)`` for one epoch at a time (call :meth:`set_epoch`).

    Without ``foreground_fraction`` an epoch is one shuffled pass over all items. With it,
    every batch holds ``round(foreground_fraction * batch_size)`` items drawn from those with
    lesion and the rest from all items (both with replacement; nnU-Net's oversampling of
    foreground patches), for ``ceil(N / batch_size)`` full batches. A final batch of one is dropped
    when ``batch_size > 1``: batch normalisation over a single sample fails for networks with
    1 x 1 pooled features (PSPNet's pyramid, DeepLabv3's image pooling).
    """

    def __init__(self, n: int, batch_size: int, seed: int, augment_seed: int = 0, fold: int = 0,
                 has_lesion: np.ndarray | None = None, foreground_fraction: float | None = None,
                 max_batches: int | None = None) -> None:
        if n < 1 or batch_size < 1:
            raise ValueError(f"EpochBatches: need at least one item and batch_size >= 1 (got {n}, {batch_size})")
        self.n, self.batch_size, self.seed, self.augment_seed, self.fold = n, batch_size, seed, augment_seed, fold
        self.foreground = None if has_lesion is None else np.flatnonzero(np.asarray(has_lesion, dtype=bool))
        self.foreground_fraction = foreground_fraction
        if foreground_fraction is not None and (self.foreground is None or self.foreground.size == 0):
            self.foreground_fraction = None  # no lesion sample to oversample: plain shuffling
        self.max_batches = max_batches
        self.epoch = 1

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def _order(self) -> np.ndarray:
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, self.epoch]))
        if self.foreground_fraction is None:
            return rng.permutation(self.n)
        batches = math.ceil(self.n / self.batch_size)
        forced = int(round(self.foreground_fraction * self.batch_size))
        order = np.empty((batches, self.batch_size), dtype=np.int64)
        order[:, :forced] = rng.choice(self.foreground, size=(batches, forced))
        order[:, forced:] = rng.integers(0, self.n, size=(batches, self.batch_size - forced))
        return order.reshape(-1)

    def _batches(self) -> list[np.ndarray]:
        order = self._order()
        draws = np.random.default_rng(np.random.SeedSequence([self.augment_seed, self.fold, self.epoch]))
        seeds = draws.integers(0, 2**62, size=order.size)
        pairs = np.stack([order, seeds], axis=1)
        batches = [pairs[i:i + self.batch_size] for i in range(0, len(pairs), self.batch_size)]
        if self.batch_size > 1 and len(batches) > 1 and len(batches[-1]) == 1:
            batches.pop()
        if self.max_batches is not None:
            batches = batches[:self.max_batches]
        return batches

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        for batch in self._batches():
            yield [(int(i), int(s)) for i, s in batch]

    def __len__(self) -> int:
        return len(self._batches())


class InOrder(Sampler):
    """Validation: every item once, in order, in batches of ``batch_size``."""

    def __init__(self, n: int, batch_size: int) -> None:
        self.n, self.batch_size = n, batch_size

    def __iter__(self) -> Iterator[list[int]]:
        for start in range(0, self.n, self.batch_size):
            yield list(range(start, min(start + self.batch_size, self.n)))

    def __len__(self) -> int:
        return math.ceil(self.n / self.batch_size)


def _worker_init(worker_id: int) -> None:
    """Loader workers compute with one thread each (the training step has the others)."""
    torch.set_num_threads(1)


def make_loader(dataset: Dataset, sampler: Sampler, workers: int = 0, pin_memory: bool = False) -> DataLoader:
    """A loader over ``dataset`` with ``sampler`` yielding whole batches; ``workers`` processes."""
    return DataLoader(dataset, batch_sampler=sampler, num_workers=workers, pin_memory=pin_memory,
                      worker_init_fn=_worker_init if workers else None, persistent_workers=workers > 0)
