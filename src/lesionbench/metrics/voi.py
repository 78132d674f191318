"""The VOI crops of a prediction folder (``voi/{case}.npz``) and the metrics scored on them.

Paper 001 (Zhao et al. 2022, sections 3.4-3.5) reports DSC, sensitivity, specificity and PPV on
the 64 x 64 x 64 VOI around the hematoma, not on the whole scan (where specificity is ~1). For
``3d_voi`` models, predict writes beside each label map ``voi/{case}.npz`` (docs/file-formats.md,
"Predictions"), on the preprocessed grid:

- ``pred``: ``(D, H, W)`` uint8 0/1, the thresholded probability cropped to the VOI;
- ``ref``: ``(D, H, W)`` uint8 0/1, the reference cropped identically (the VOI of the samples stage);
- ``voi_start``: ``(z0, y0, x0)`` int64, the VOI's first voxel in the cropped preprocessed grid
  (negative: zero-padded before the volume);
- ``voi_size``: ``(D, H, W)`` int64, the VOI size in voxels;
- ``spacing_mm``: ``(z, y, x)`` float64, the preprocessed voxel spacing in mm.

This module only reads and writes the format (no torch); the crops are made by
:mod:`lesionbench.inference.voi`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lesionbench.metrics.conventions import EmptyConventions, EmptyPolicy
from lesionbench.metrics.registry import compute_voi_metrics
from lesionbench.typing import PathLike

#: Subfolder of a prediction folder holding the VOI crops.
VOI_DIR = "voi"
#: Arrays of a ``voi/{case}.npz``.
VOI_KEYS: tuple[str, ...] = ("pred", "ref", "voi_start", "voi_size", "spacing_mm")
_NIFTI_SUFFIX = ".nii.gz"


class VoiFileError(ValueError):
    """A ``voi/{case}.npz`` that is not a valid VOI crop (the message names the file)."""


@dataclass(frozen=True)
class VoiCase:
    """One case's prediction and reference inside its VOI, on the preprocessed grid.

    Attributes:
        pred: ``(D, H, W)`` uint8 0/1 prediction.
        ref: ``(D, H, W)`` uint8 0/1 reference.
        voi_start: ``(z0, y0, x0)`` first voxel of the VOI in the cropped preprocessed grid.
        voi_size: ``(D, H, W)`` VOI size in voxels.
        spacing_mm: ``(z, y, x)`` voxel spacing in mm.
    """

    pred: np.ndarray
    ref: np.ndarray
    voi_start: tuple[int, int, int]
    voi_size: tuple[int, int, int]
    spacing_mm: tuple[float, float, float]

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays of the npz (:data:`VOI_KEYS`)."""
        return {"pred": np.asarray(self.pred, dtype=np.uint8), "ref": np.asarray(self.ref, dtype=np.uint8),
                "voi_start": np.asarray(self.voi_start, dtype=np.int64),
                "voi_size": np.asarray(self.voi_size, dtype=np.int64),
                "spacing_mm": np.asarray(self.spacing_mm, dtype=np.float64)}


def voi_path(pred_path: PathLike) -> Path:
    """``voi/{case}.npz`` beside the label map ``pred_path`` (``{case}.nii.gz``)."""
    pred_path = Path(pred_path)
    return pred_path.parent / VOI_DIR / f"{pred_path.name.removesuffix(_NIFTI_SUFFIX)}.npz"


def write_voi(path: PathLike, case: VoiCase) -> Path:
    """Write ``case`` to ``path`` atomically (compressed npz, no pickled objects); returns ``path``."""
    from lesionbench.preprocess.npzfile import write_npz

    write_npz(path, case.arrays())
    return Path(path)


def read_voi(path: PathLike) -> VoiCase:
    """Read and check a ``voi/{case}.npz``.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        VoiFileError: naming the file, if it is unreadable, misses an array, or its arrays
            disagree (shapes other than ``voi_size``, values other than 0/1).
    """
    from lesionbench.preprocess.npzfile import NpzFileError, read_npz

    try:
        data = read_npz(path, VOI_KEYS)
    except NpzFileError as error:
        raise VoiFileError(str(error)) from None
    size = tuple(int(n) for n in np.asarray(data["voi_size"]).ravel())
    start = tuple(int(n) for n in np.asarray(data["voi_start"]).ravel())
    spacing = tuple(float(s) for s in np.asarray(data["spacing_mm"]).ravel())
    if len(size) != 3 or len(start) != 3 or len(spacing) != 3:
        raise VoiFileError(f"{path}: voi_size, voi_start and spacing_mm must hold 3 values (z, y, x)")
    for key in ("pred", "ref"):
        array = np.asarray(data[key])
        if array.shape != size:
            raise VoiFileError(f"{path}: {key} has shape {array.shape}, but voi_size is {size}")
        if not np.isin(array, (0, 1)).all():
            raise VoiFileError(f"{path}: {key} holds values other than 0 and 1")
    return VoiCase(np.asarray(data["pred"], dtype=np.uint8), np.asarray(data["ref"], dtype=np.uint8),
                   start, size, spacing)


def voi_metrics(path: PathLike,
                conventions: EmptyConventions | EmptyPolicy | str = EmptyConventions()) -> dict[str, float]:
    """The VOI metrics (:func:`lesionbench.metrics.registry.compute_voi_metrics`) of one ``voi/{case}.npz``.

    Specificity inside the VOI depends on the VOI size (more background voxels -> higher
    specificity): compare it only across models evaluated on the same VOIs.

    Raises:
        FileNotFoundError, VoiFileError: see :func:`read_voi`.
    """
    case = read_voi(path)
    try:
        return compute_voi_metrics(case.pred, case.ref, case.spacing_mm, conventions)
    except ValueError as error:
        raise VoiFileError(f"{path}: {error}") from None
