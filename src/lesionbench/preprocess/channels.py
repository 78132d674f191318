"""Multi-channel images on one grid: a 4D NIfTI ``(X, Y, Z, C)``, one 3D volume per channel.

A multi-channel case (ISLES'22 DWI + ADC + FLAIR) is written by ingest as one 4D NIfTI whose
fourth axis is the channel, the convention of the Medical Segmentation Decathlon (its
BraTS task stores four MRI sequences that way); a one-channel image stays a plain 3D volume,
so CT cases are unchanged. The 3D geometry (origin, spacing, direction) is that of every
channel; the fourth axis has spacing 1 and origin 0.

Written on SimpleITK (``JoinSeries`` / ``Extract``); its ``Cast`` does not accept 4D images,
so the reader asks the file reader for float32 directly.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import SimpleITK as sitk

from lesionbench.io import ImageFileError, same_grid
from lesionbench.typing import PathLike


def join_channels(channels: Sequence[sitk.Image]) -> sitk.Image:
    """One 3D image per channel -> a 4D image ``(X, Y, Z, C)`` (a single channel stays 3D).

    Args:
        channels: 3D images on one grid (size, spacing, origin, direction).

    Raises:
        ValueError: no channel, a channel that is not 3D, or channels on different grids.
    """
    if not channels:
        raise ValueError("join_channels: no channel given")
    for index, channel in enumerate(channels):
        if channel.GetDimension() != 3:
            raise ValueError(f"join_channels: channel {index} is {channel.GetDimension()}D, expected 3D")
        if not same_grid(channel, channels[0]):
            raise ValueError(f"join_channels: channel {index} is not on the grid of channel 0")
    floats = [sitk.Cast(c, sitk.sitkFloat32) if c.GetPixelID() != sitk.sitkFloat32 else c for c in channels]
    if len(floats) == 1:
        return floats[0]
    for channel in floats[1:]:
        channel.CopyInformation(floats[0])  # within tolerance: one exact geometry
    return sitk.JoinSeries(floats)


def split_channels(image: sitk.Image) -> list[sitk.Image]:
    """Inverse of :func:`join_channels`: a 3D image -> ``[image]``; 4D -> its 3D channels.

    Raises:
        ValueError: the image is neither 3D nor 4D.
    """
    if image.GetDimension() == 3:
        return [image]
    if image.GetDimension() != 4:
        raise ValueError(f"expected a 3D or 4D image, got {image.GetDimension()}D")
    x, y, z, count = image.GetSize()
    return [sitk.Extract(image, [x, y, z, 0], [0, 0, 0, c]) for c in range(count)]


def read_channels(path: PathLike) -> list[sitk.Image]:
    """Read ``{R}/images/{case}.nii.gz`` as float32 3D channels (one for CT).

    Raises:
        ImageFileError: naming the file, if it cannot be read, is not 3D/4D, or a channel is
            NaN everywhere.
    """
    try:
        image = sitk.ReadImage(str(path), sitk.sitkFloat32)
    except RuntimeError as error:
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        raise ImageFileError(f"{path}: cannot be read as an image ({lines[-1] if lines else error})") from error
    try:
        channels = split_channels(image)
    except ValueError as error:
        raise ImageFileError(f"{path}: {error}") from error
    for index, channel in enumerate(channels):
        array = sitk.GetArrayViewFromImage(channel)
        if array.size and np.isnan(array).all():
            raise ImageFileError(f"{path}: every voxel of channel {index} is NaN")
    return channels


def reference_grid(path: PathLike) -> sitk.Image:
    """The 3D grid of an image file (its first channel): what predictions are resampled onto."""
    return read_channels(path)[0]
