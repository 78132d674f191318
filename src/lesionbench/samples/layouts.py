"""Sample layouts: how a case's stored samples become network inputs.

A layout names what a sample is, how it is cut and how it is read: ``"2d"`` (one axial slice,
paper 000, 002, 004) and ``"2.5d"`` (the slice stacked with its neighbours as channels, paper 003
sections 3.5.1 and 4.4.1) store every slice of the case at network size (``images (Z, C, H, W)``)
and list the target slices; the 2.5D stack is gathered from the neighbouring rows when a sample
is read, so no slice is stored four times. ``"3d_voi"`` (paper 001, section 3.2 (4)) stores one
VOI per case (``images (1, C, D, H, W)``) around the reference lesion.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from lesionbench.samples.slice_samples import extract_slices
from lesionbench.samples.slices import gather_stacks
from lesionbench.samples.voi import extract_voi

if TYPE_CHECKING:
    from lesionbench.samples.settings import SampleSettings
    from lesionbench.samples.store import CaseSamples


@dataclass(frozen=True)
class Layout:
    """One sample layout.

    Attributes:
        name: the ``samples.layout`` value.
        spatial_dims: spatial dimensions of a sample (2 for slices, 3 for VOIs).
        channels: ``(image channels, settings) -> network input channels``.
        extract: ``(preprocessed npz, case id, settings, rng) -> (arrays, index fields)``: the
            case's stored samples (:func:`lesionbench.samples.extract_samples` writes them).
        read_sample: ``(case samples, target, settings) -> (image (C', *spatial) float32,
            label (1, *spatial) float32 lesion fraction)``.
        network_inputs: slice layouts: ``(fitted volume (Z, C, H, W), settings) -> (Z, C', H, W)``,
            the input of every slice, for prediction; ``None`` for volume layouts (predicted by
            :mod:`lesionbench.inference.volume3d`).
    """

    name: str
    spatial_dims: int
    channels: Callable[[int, SampleSettings], int]
    extract: Callable[..., tuple[dict[str, np.ndarray], dict[str, object]]]
    read_sample: Callable[[CaseSamples, int, SampleSettings], tuple[np.ndarray, np.ndarray]]
    network_inputs: Callable[[np.ndarray, SampleSettings], np.ndarray] | None


def _read_row(samples: CaseSamples, target: int, settings: SampleSettings) -> tuple[np.ndarray, np.ndarray]:
    return samples.images.rows(target, target + 1)[0], samples.label_rows(target, target + 1)[0]


def _read_25d(samples: CaseSamples, target: int, settings: SampleSettings) -> tuple[np.ndarray, np.ndarray]:
    depth = samples.images.shape[0]
    offsets = settings.slice_offsets
    first = min(max(target + min(offsets), 0), depth - 1)
    last = max(min(target + max(offsets), depth - 1), 0)
    window = samples.images.rows(first, last + 1)
    image = gather_stacks(window, first, depth, [target], offsets, settings.stack_padding)[0]
    return image, samples.label_rows(target, target + 1)[0]


def _inputs_25d(fitted: np.ndarray, settings: SampleSettings) -> np.ndarray:
    depth = fitted.shape[0]
    return gather_stacks(fitted, 0, depth, range(depth), settings.slice_offsets, settings.stack_padding)


#: layout name -> :class:`Layout` (``samples.layout``).
LAYOUTS: dict[str, Layout] = {
    "2d": Layout("2d", 2, lambda channels, settings: channels, extract_slices, _read_row,
                 lambda fitted, settings: np.ascontiguousarray(fitted, dtype=np.float32)),
    "2.5d": Layout("2.5d", 2, lambda channels, settings: channels * len(settings.slice_offsets), extract_slices,
                   _read_25d, _inputs_25d),
    "3d_voi": Layout("3d_voi", 3, lambda channels, settings: channels, extract_voi, _read_row, None),
}


def get_layout(name: str) -> Layout:
    """The layout called ``name``; a ``KeyError`` lists the valid names."""
    if name not in LAYOUTS:
        raise KeyError(f"unknown sample layout {name!r} (valid: {', '.join(sorted(LAYOUTS))})")
    return LAYOUTS[name]


def input_channels(image_channels: int, settings: SampleSettings) -> int:
    """Channels of the network input for an image of ``image_channels`` channels."""
    return get_layout(settings.layout).channels(image_channels, settings)
