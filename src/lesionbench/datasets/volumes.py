"""Reading a case's images and mask for ingest: 2D slices as one-slice volumes, channels on one grid.

SimpleITK reads every format (NIfTI, NRRD, MHA, PNG, JPEG). What it does not do, and this
module adds: a 2D slice becomes a 3D volume with ``Z = 1`` and 1 mm "pixels" (so metrics
come out in pixels), 8-bit grey slices are scaled to ``[0, 1]``, RGB slices become grey,
channels on other grids are resampled onto the reference channel, and a mask off the
image grid is refused with the numbers that differ.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import SimpleITK as sitk

from lesionbench.io import ImageFileError, same_grid
from lesionbench.typing import PathLike

#: ITU-R BT.601 luma weights, for RGB slices whose channels differ.
LUMA = (0.299, 0.587, 0.114)


@dataclass
class Volume:
    """A 3D float32 image and what reading it changed (for ``meta["warnings"]``; the notes
    do not name the file, whose name may identify a patient)."""

    image: sitk.Image
    planar: bool = False
    warnings: list[str] = field(default_factory=list)


def read_volume(path: PathLike, scale_8bit: bool = True) -> Volume:
    """Read one image file as a 3D float32 volume.

    A 2D slice gets ``Z = 1``, spacing 1 x 1 x 1 mm, origin 0 and identity direction: the
    "pixel" geometry of 2D datasets, whose files carry no physical spacing. An 8-bit 2D slice
    is divided by 255 when ``scale_8bit`` (paper 004's slices are 8-bit grey, not HU); an RGB
    slice becomes grey (its first channel if all are equal, else BT.601 luma, with a warning).

    Raises:
        FileNotFoundError: no such file.
        ImageFileError: naming the file, if it cannot be read or is not 2D/3D.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: image file not found")
    try:
        image = sitk.ReadImage(str(path))
    except RuntimeError as error:
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        raise ImageFileError(f"{path}: cannot be read as an image ({lines[-1] if lines else error})") from error
    warnings: list[str] = []
    if image.GetDimension() not in (2, 3):
        raise ImageFileError(f"{path}: {image.GetDimension()}D image; one 2D or 3D image per file is expected")
    if image.GetDimension() == 3:
        if image.GetNumberOfComponentsPerPixel() != 1:
            raise ImageFileError(f"{path}: 3D image with {image.GetNumberOfComponentsPerPixel()} components per voxel")
        return Volume(sitk.Cast(image, sitk.sitkFloat32), False, warnings)
    array = sitk.GetArrayFromImage(image)  # (Y, X) or (Y, X, components)
    eight_bit = array.dtype == np.uint8
    if array.ndim == 3:
        array, note = _to_grey(array)
        if note:
            warnings.append(note)
    values = array.astype(np.float32)
    if eight_bit and scale_8bit:
        values /= 255.0
    return Volume(planar_volume(values), True, warnings)


def planar_volume(array_yx: np.ndarray) -> sitk.Image:
    """A ``(Y, X)`` array as a 3D image ``(X, Y, 1)`` with 1 mm spacing, origin 0, identity."""
    volume = sitk.GetImageFromArray(np.ascontiguousarray(array_yx)[None])
    volume.SetSpacing((1.0, 1.0, 1.0))
    return volume


def read_mask_volume(path: PathLike) -> tuple[sitk.Image, list[str]]:
    """Read a lesion mask as a 3D uint8 0/1 volume (2D slices as for :func:`read_volume`).

    Non-zero voxels are lesion, except in an 8-bit slice holding more than two values
    (lossy compression, anti-aliasing): that is thresholded at half its maximum, with a warning.

    Raises:
        FileNotFoundError, ImageFileError: as :func:`read_volume`.
    """
    volume = read_volume(path, scale_8bit=False)
    values = sitk.GetArrayViewFromImage(volume.image)
    warnings = list(volume.warnings)
    distinct = np.unique(values)
    if volume.planar and distinct.size > 2:
        threshold = float(distinct.max()) / 2.0
        binary = values > threshold
        warnings.append(f"{distinct.size} distinct values; thresholded at {threshold:g}")
    else:
        binary = values != 0
    mask = sitk.GetImageFromArray(binary.astype(np.uint8))
    mask.CopyInformation(volume.image)
    return mask, warnings


def check_on_grid(mask: sitk.Image, image: sitk.Image, mask_path: PathLike, image_path: PathLike) -> None:
    """Refuse a mask that is not on its image's grid (size, spacing, origin, direction).

    Raises:
        ImageFileError: naming both files and the numbers that differ.
    """
    if same_grid(mask, image):
        return
    differences = []
    for name, get in (("size", "GetSize"), ("spacing", "GetSpacing"), ("origin", "GetOrigin"),
                      ("direction", "GetDirection")):
        a, b = getattr(mask, get)(), getattr(image, get)()
        if not np.allclose(a, b, atol=1e-3):
            shown = (list(a), list(b)) if name == "size" else (_round(a), _round(b))
            differences.append(f"{name} {shown[0]} vs {shown[1]}")
    raise ImageFileError(
        f"{mask_path}: mask is not on the grid of its image {image_path} ({'; '.join(differences)})"
    )


def onto_reference(channels: Mapping[str, sitk.Image], target: sitk.Image,
                   target_name: str) -> tuple[dict[str, sitk.Image], list[str]]:
    """Resample every channel onto the grid of ``target`` (linear, identity transform).

    Channels already on that grid are kept as they are; the outside of a resampled channel's
    extent is filled with its minimum. ISLES'22 FLAIR (0.45 x 0.45 x 5 mm) goes onto the DWI
    grid (2 mm) this way; scanner coordinates are shared, so no registration is needed.

    Args:
        channels: channel name -> 3D image.
        target: the reference grid.
        target_name: how warnings name the reference (a channel name or file name).

    Returns:
        ``(channels in the same order, warnings naming each resampled channel)``.
    """
    out: dict[str, sitk.Image] = {}
    warnings: list[str] = []
    for name, image in channels.items():
        if same_grid(image, target):
            out[name] = image
            continue
        background = float(np.min(sitk.GetArrayViewFromImage(image)))
        out[name] = sitk.Resample(image, target, sitk.Transform(), sitk.sitkLinear, background, sitk.sitkFloat32)
        warnings.append(
            f"channel {name} resampled (linear) from size {list(image.GetSize())}, spacing "
            f"{_round(image.GetSpacing())} mm onto the grid of {target_name} (size {list(target.GetSize())}, "
            f"spacing {_round(target.GetSpacing())} mm)"
        )
    return out, warnings


def _to_grey(array: np.ndarray) -> tuple[np.ndarray, str]:
    """``(Y, X, K)`` colour pixels -> ``(Y, X)`` grey, and a note if the channels differed."""
    colour = array[..., :3] if array.shape[-1] >= 3 else array[..., :1]
    if all(np.array_equal(colour[..., 0], colour[..., k]) for k in range(1, colour.shape[-1])):
        return colour[..., 0], ""
    grey = np.tensordot(colour.astype(np.float64), np.asarray(LUMA[: colour.shape[-1]]), axes=([-1], [0]))
    return np.round(grey).astype(array.dtype), f"colour image ({array.shape[-1]} components) converted to grey (BT.601)"


def _round(values: tuple[float, ...]) -> list[float]:
    return [round(float(v), 4) for v in values]
