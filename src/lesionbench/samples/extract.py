"""Training samples of one case: a registry of layouts (2D slices, 2.5D slice stacks)."""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

from lesionbench.io import provenance
from lesionbench.preprocess import load_preprocessed
from lesionbench.preprocess.npzfile import json_scalar, write_npz
from lesionbench.samples.layout_2d import extract_2d
from lesionbench.samples.layout_25d import extract_25d
from lesionbench.samples.settings import SampleSettings
from lesionbench.samples.slicing import to_network_slices, to_network_stacks
from lesionbench.typing import PathLike

log = logging.getLogger(__name__)

#: ``(preprocessed arrays, settings, rng) -> {"images", "masks", "slice_index", "has_lesion"}``
Extractor = Callable[[Mapping[str, np.ndarray], SampleSettings, np.random.Generator], dict[str, np.ndarray]]

#: layout name -> extractor (``SampleSettings.layout``).
LAYOUTS: dict[str, Extractor] = {"2d": extract_2d, "2.5d": extract_25d}

#: ``(volume (C, Z, Y, X), settings) -> (Z, C', H, W)``: the network input of every slice.
NetworkInput = Callable[[np.ndarray, SampleSettings], np.ndarray]

#: layout name -> forward map used at prediction time (one input per axial slice).
NETWORK_INPUTS: dict[str, NetworkInput] = {
    "2d": lambda volume, settings: to_network_slices(volume, settings.size),
    "2.5d": lambda volume, settings: to_network_stacks(volume, settings.size, settings.slice_offsets),
}


def network_inputs(volume_czyx: np.ndarray, settings: SampleSettings) -> np.ndarray:
    """The network input of every axial slice of a preprocessed volume, for ``settings.layout``.

    Args:
        volume_czyx: ``(C, Z, Y, X)`` preprocessed image.
        settings: layout, ``size`` and (2.5D) ``slice_offsets``.

    Returns:
        ``(Z, C', H, W)`` float32; ``C' = C`` (2D) or ``C * len(slice_offsets)`` (2.5D).
        :func:`lesionbench.samples.from_network_slices` maps the ``(Z, H, W)`` output back.
    """
    return NETWORK_INPUTS[settings.layout](volume_czyx, settings)


def input_channels(image_channels: int, settings: SampleSettings) -> int:
    """Channels of the network input for an image of ``image_channels`` channels."""
    return image_channels * (len(settings.slice_offsets) if settings.layout == "2.5d" else 1)

#: Keys of ``{R}/samples/{layout}/{case}.npz`` (docs/file-formats.md), plus ``provenance``.
SAMPLE_KEYS = ("images", "masks", "slice_index", "has_lesion")


def case_rng(seed: int, case_id: str) -> np.random.Generator:
    """Generator seeded by ``seed`` and a stable hash (CRC-32) of ``case_id``."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(case_id.encode("utf-8"))]))


def extract_samples(npz_path: PathLike, out_npz: PathLike, settings: SampleSettings) -> dict[str, np.ndarray]:
    """Cut the samples of one preprocessed case and write them to ``out_npz``.

    The case id (for the seeded draw) is the file stem of ``npz_path``.

    Args:
        npz_path: ``{R}/preprocessed/{case}.npz``.
        out_npz: ``{R}/samples/{layout}/{case}.npz``.
        settings: layout, size and slice selection.

    Returns:
        The arrays written (see :func:`lesionbench.samples.layout_2d.extract_2d` and
        :func:`lesionbench.samples.layout_25d.extract_25d`).

    Raises:
        FileNotFoundError, lesionbench.preprocess.NpzFileError: the input is missing or bad.
    """
    data = load_preprocessed(npz_path)
    case_id = Path(npz_path).name.removesuffix(".npz")
    arrays = LAYOUTS[settings.layout](data, settings, case_rng(settings.seed, case_id))
    arrays["provenance"] = json_scalar(
        provenance(settings.to_dict(), seed=settings.seed, stage="samples", case=case_id)
    )
    write_npz(out_npz, arrays)
    log.info("%s: %d samples (%d with lesion)", case_id, len(arrays["slice_index"]), int(arrays["has_lesion"].sum()))
    return arrays
