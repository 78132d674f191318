"""Sample layouts: how a case's stored samples become network inputs.

A layout names what a sample is and how it is read: ``"2d"`` (one axial slice, paper 000, 002,
004) and ``"2.5d"`` (the slice stacked with its neighbours as channels, paper 003 sections 3.5.1
and 4.4.1). Both store every slice of the case at network size (``images (Z, C, H, W)``) and
list the target slices; the 2.5D stack is gathered from the neighbouring rows when a sample is
read, so no slice is stored four times.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from lesionbench.samples.slices import gather_stacks

if TYPE_CHECKING:
    from lesionbench.samples.settings import SampleSettings
    from lesionbench.samples.store import CaseSamples


@dataclass(frozen=True)
class Layout:
    """One sample layout.

    Attributes:
        name: the ``samples.layout`` value.
        spatial_dims: spatial dimensions of a sample (2 for slices).
        channels: ``(image channels, settings) -> network input channels``.
        read_sample: ``(case samples, target, settings) -> (image (C', H, W) float32,
            label (1, H, W) float32 lesion fraction)``.
        network_inputs: ``(fitted volume (Z, C, H, W), settings) -> (Z, C', H, W)``: the input
            of every slice, for prediction.
    """

    name: str
    spatial_dims: int
    channels: Callable[[int, SampleSettings], int]
    read_sample: Callable[[CaseSamples, int, SampleSettings], tuple[np.ndarray, np.ndarray]]
    network_inputs: Callable[[np.ndarray, SampleSettings], np.ndarray]


def _read_2d(samples: CaseSamples, target: int, settings: SampleSettings) -> tuple[np.ndarray, np.ndarray]:
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
    "2d": Layout("2d", 2, lambda channels, settings: channels, _read_2d,
                 lambda fitted, settings: np.ascontiguousarray(fitted, dtype=np.float32)),
    "2.5d": Layout("2.5d", 2, lambda channels, settings: channels * len(settings.slice_offsets), _read_25d,
                   _inputs_25d),
}


def get_layout(name: str) -> Layout:
    """The layout called ``name``; a ``KeyError`` lists the valid names."""
    if name not in LAYOUTS:
        raise KeyError(f"unknown sample layout {name!r} (valid: {', '.join(sorted(LAYOUTS))})")
    return LAYOUTS[name]


def input_channels(image_channels: int, settings: SampleSettings) -> int:
    """Channels of the network input for an image of ``image_channels`` channels."""
    return get_layout(settings.layout).channels(image_channels, settings)
