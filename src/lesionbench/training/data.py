"""The augmented training set of one fold, checked and served from memory.

The augment stage writes ``train_images (N, C, H, W) float32``, ``train_masks (N, 1, H, W)
uint8``, ``val_images`` and ``val_masks`` (docs/file-formats.md, "Augment"). The arrays are
held as tensors and batches are taken by fancy indexing (a :class:`~torch.utils.data.BatchSampler`
feeding :class:`~torch.utils.data.TensorDataset` lists of indices), which avoids collating one
sample at a time; nothing is read from disk during training (DESIGN.md, "Compute").
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import BatchSampler, DataLoader, RandomSampler, SequentialSampler, TensorDataset

from lesionbench.typing import PathLike

_KEYS = ("train_images", "train_masks", "val_images", "val_masks")


class TrainingDataError(ValueError):
    """The augment file is missing a key, or its arrays have the wrong shape or type."""


@dataclass(frozen=True)
class FoldData:
    """Training and validation tensors of one fold.

    Attributes:
        train_images: ``(N, C, *spatial)`` float32.
        train_masks: ``(N, 1, *spatial)`` uint8, values 0/1.
        val_images, val_masks: the same for the (not augmented) validation slices.
        sha256: hex digest of the file, part of the resume key.
    """

    train_images: torch.Tensor
    train_masks: torch.Tensor
    val_images: torch.Tensor
    val_masks: torch.Tensor
    sha256: str

    @property
    def in_channels(self) -> int:
        return int(self.train_images.shape[1])

    @property
    def sample_shape(self) -> tuple[int, ...]:
        """Spatial shape of one sample, ``(H, W)`` for 2D layouts."""
        return tuple(int(n) for n in self.train_images.shape[2:])


def file_sha256(path: PathLike, chunk_bytes: int = 1 << 22) -> str:
    """SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


def load_fold_data(path: PathLike) -> FoldData:
    """Read and check an augment ``.npz``.

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        TrainingDataError: naming the file, for a missing key, a wrong dtype/shape, masks
            that are not 0/1, non-finite images, mismatched counts or an empty set.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: augmented training set not found")
    try:
        with np.load(path, allow_pickle=False) as npz:
            files = list(npz.files)
            arrays = {key: npz[key] for key in _KEYS if key in files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise TrainingDataError(f"{path}: cannot be read as .npz ({error})") from error
    missing = [key for key in _KEYS if key not in arrays]
    if missing:
        raise TrainingDataError(f"{path}: missing array {missing[0]!r} (has {', '.join(files) or 'none'})")
    for split in ("train", "val"):
        images, masks = arrays[f"{split}_images"], arrays[f"{split}_masks"]
        if images.ndim not in (4, 5):
            raise TrainingDataError(f"{path}: {split}_images must be (N, C, H, W) or (N, C, D, H, W), got shape {images.shape}")
        if masks.shape != (images.shape[0], 1, *images.shape[2:]):
            raise TrainingDataError(f"{path}: {split}_masks shape {masks.shape} does not match {split}_images {images.shape} (expected one channel)")
        if images.shape[0] == 0:
            raise TrainingDataError(f"{path}: {split}_images is empty (no {split} samples)")
        if not np.issubdtype(images.dtype, np.floating):
            raise TrainingDataError(f"{path}: {split}_images must be floating point, got {images.dtype}")
        if not np.isfinite(images).all():
            raise TrainingDataError(f"{path}: {split}_images holds NaN or infinite values")
        if not np.isin(masks, (0, 1)).all():
            raise TrainingDataError(f"{path}: {split}_masks must hold only 0 and 1")
    if arrays["train_images"].shape[1:] != arrays["val_images"].shape[1:]:
        raise TrainingDataError(f"{path}: train_images {arrays['train_images'].shape} and val_images "
                                f"{arrays['val_images'].shape} differ in channels or size")
    tensors = {
        key: torch.from_numpy(np.ascontiguousarray(value, dtype=np.float32 if "images" in key else np.uint8))
        for key, value in arrays.items()
    }
    return FoldData(**tensors, sha256=file_sha256(path))


def train_loader(data: FoldData, batch_size: int, generator: torch.Generator, pin_memory: bool = False) -> DataLoader:
    """Shuffled training batches ``(images (B, C, H, W) float32, masks (B, 1, H, W) uint8)``.

    The order comes from ``generator`` only (reseed it per epoch for an order that does not
    depend on earlier epochs); the last batch may be smaller (``drop_last=False``).
    """
    dataset = TensorDataset(data.train_images, data.train_masks)
    sampler = BatchSampler(RandomSampler(dataset, generator=generator), batch_size, drop_last=False)
    return DataLoader(dataset, sampler=sampler, batch_size=None, generator=generator, pin_memory=pin_memory)


def val_loader(data: FoldData, batch_size: int, pin_memory: bool = False) -> DataLoader:
    """Validation batches in file order."""
    dataset = TensorDataset(data.val_images, data.val_masks)
    sampler = BatchSampler(SequentialSampler(dataset), batch_size, drop_last=False)
    return DataLoader(dataset, sampler=sampler, batch_size=None, pin_memory=pin_memory)
