"""Build one fold's training set: gather the cases' samples, expand the training part."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from lesionbench.augment.settings import AugmentSettings
from lesionbench.augment.transforms import RandomRotTranslate
from lesionbench.io import provenance
from lesionbench.preprocess.npzfile import json_scalar, read_npz, write_npz
from lesionbench.samples import SAMPLE_KEYS
from lesionbench.typing import PathLike

log = logging.getLogger(__name__)


class AugmentError(ValueError):
    """The fold cannot be built (missing cases, inconsistent sample shapes, bad folds file)."""


def samples_by_case(paths: Sequence[PathLike]) -> dict[str, PathLike]:
    """Case id -> samples file, the case id being the file name without ``.npz``.

    Raises:
        AugmentError: two files name the same case.
    """
    by_case: dict[str, PathLike] = {}
    for path in paths:
        case = Path(path).name.removesuffix(".npz")
        if case in by_case:
            raise AugmentError(f"two samples files for case {case!r}: {by_case[case]} and {path}")
        by_case[case] = path
    return by_case


def read_fold(folds_json: PathLike, fold: int) -> dict[str, Any]:
    """The entry of fold ``fold`` in a folds file (docs/file-formats.md, "Folds")."""
    path = Path(folds_json)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        folds = json.loads(path.read_text(encoding="utf-8"))["folds"]
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise AugmentError(f"{path}: not a folds file ({error})") from error
    for entry in folds:
        if entry.get("fold") == fold:
            return entry
    raise AugmentError(f"{path}: no fold {fold} (folds: {[entry.get('fold') for entry in folds]})")


def build_fold(
    sample_npzs: Mapping[str, PathLike],
    folds_json: PathLike,
    fold: int,
    out_npz: PathLike,
    settings: AugmentSettings,
) -> dict[str, np.ndarray]:
    """Write the augmented training set and the untouched validation set of one fold.

    Each training sample (cases in sorted order, samples in file order) is followed by
    ``copies - 1`` randomly rotated (n x 90 degrees) and translated versions (paper 000,
    section 1.2); the draws use a generator seeded by ``(settings.seed, fold)``.

    Args:
        sample_npzs: case id -> ``{R}/samples/{layout}/{case}.npz``; may include cases
            outside the fold (they are ignored).
        folds_json: ``{R}/folds.json``.
        fold: fold number.
        out_npz: ``{R}/augmented/{layout}/fold-{k}.npz``.
        settings: expansion factor, rotations, shift and seed.

    Returns:
        ``train_images`` float32 ``(copies * N, C, H, W)``, ``train_masks`` uint8
        ``(copies * N, 1, H, W)``, ``val_images``, ``val_masks`` (not augmented), and
        ``train_case_ids`` / ``val_case_ids`` (one per sample), ``provenance``.

    Raises:
        AugmentError: a fold case has no samples file, sample sizes differ, or odd
            rotations are asked for non-square samples.
    """
    entry = read_fold(folds_json, fold)
    train_ids, val_ids = sorted(entry["train"]), sorted(entry["val"])
    missing = sorted(set(train_ids + val_ids) - set(sample_npzs))
    if missing:
        raise AugmentError(f"fold {fold} of {folds_json}: no samples file for case(s) {missing}")
    train = _gather({case: sample_npzs[case] for case in train_ids})
    val = _gather({case: sample_npzs[case] for case in val_ids})
    shapes = {images.shape[1:] for images in (train[0], val[0]) if images.shape[0]}
    if len(shapes) > 1:
        raise AugmentError(f"fold {fold}: training and validation samples differ in shape {sorted(shapes)}")
    height, width = train[0].shape[-2:]
    if height != width and any(k % 2 for k in settings.rotations):
        raise AugmentError(f"fold {fold}: odd quarter turns need square samples, got {height} x {width}")

    images, masks, case_ids = _expand(*train, settings, np.random.default_rng(np.random.SeedSequence([settings.seed, fold])))
    arrays = {
        "train_images": images, "train_masks": masks, "train_case_ids": case_ids,
        "val_images": val[0], "val_masks": val[1], "val_case_ids": val[2],
        "provenance": json_scalar(provenance(settings.to_dict(), seed=settings.seed, stage="augment", fold=fold)),
    }
    write_npz(out_npz, arrays)
    log.info("fold %d: %d training samples (x%d), %d validation samples", fold, len(images), settings.copies, len(val[0]))
    return arrays


def _gather(paths: Mapping[str, PathLike]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Concatenate the samples of several cases: images, masks and the case id per sample."""
    images, masks, ids = [], [], []
    shape: tuple[int, ...] | None = None
    for case, path in paths.items():
        data = read_npz(path, SAMPLE_KEYS)
        if data["images"].ndim != 4 or data["masks"].shape != (data["images"].shape[0], 1, *data["images"].shape[2:]):
            raise AugmentError(f"{path}: images {data['images'].shape} and masks {data['masks'].shape} do not match")
        if shape is not None and data["images"].shape[1:] != shape:
            raise AugmentError(f"{path}: samples of shape {data['images'].shape[1:]}, other cases have {shape}")
        shape = data["images"].shape[1:]
        images.append(data["images"].astype(np.float32, copy=False))
        masks.append(data["masks"].astype(np.uint8, copy=False))
        ids.append(np.full(len(data["images"]), case))
    if not images:
        return np.zeros((0, 1, 1, 1), np.float32), np.zeros((0, 1, 1, 1), np.uint8), np.zeros(0, dtype=str)
    return np.concatenate(images), np.concatenate(masks), np.concatenate(ids)


def _expand(
    images: np.ndarray, masks: np.ndarray, case_ids: Sequence[str], settings: AugmentSettings, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each sample followed by ``copies - 1`` random rigid versions of it."""
    transform = RandomRotTranslate(settings.rotations, settings.max_shift_fraction)
    copies = settings.copies
    out_images = np.empty((len(images) * copies, *images.shape[1:]), dtype=np.float32)
    out_masks = np.empty((len(masks) * copies, *masks.shape[1:]), dtype=np.uint8)
    for index in range(len(images)):
        base = index * copies
        out_images[base], out_masks[base] = images[index], masks[index]
        for copy in range(1, copies):
            out_images[base + copy], out_masks[base + copy] = transform(images[index], masks[index], rng)
    return out_images, out_masks, np.repeat(np.asarray(case_ids), copies)
