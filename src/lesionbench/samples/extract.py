"""Training samples of one case, as its layout cuts them (:data:`lesionbench.samples.LAYOUTS`)."""

from __future__ import annotations

import logging
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from lesionbench.io import provenance
from lesionbench.preprocess import load_preprocessed
from lesionbench.samples.layouts import get_layout
from lesionbench.samples.settings import SampleSettings
from lesionbench.samples.store import LABEL_SCALE, write_case_samples
from lesionbench.typing import PathLike

log = logging.getLogger(__name__)


def case_rng(seed: int, case_id: str) -> np.random.Generator:
    """Generator seeded by ``seed`` and a stable hash (CRC-32) of ``case_id``."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(case_id.encode("utf-8"))]))


def extract_samples(npz_path: PathLike, out_dir: PathLike, settings: SampleSettings,
                    labels: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Cut the samples of one preprocessed case and write its samples folder.

    The case id (for the seeded draws) is the file stem of ``npz_path``.

    Args:
        npz_path: ``{R}/preprocessed/{case}.npz``.
        out_dir: ``{R}/samples/{layout}/{case}/`` (receives ``images.npy``, ``masks.npy``,
            ``index.json``; :mod:`lesionbench.samples.store`).
        settings: layout, size and selection.
        labels: the case's labels (``meta/{case}.json``), kept as the index's ``labels`` so
            training can read class targets (``datasets.<d>.classification``).

    Returns:
        The index written: the layout's fields (slice layouts:
        :func:`lesionbench.samples.slice_samples.extract_slices`; ``3d_voi``:
        :func:`lesionbench.samples.voi.extract_voi`) with ``case_id``, ``layout``,
        ``label_scale``, ``settings``, ``provenance`` and the arrays' shapes and hashes.

    Raises:
        FileNotFoundError, lesionbench.preprocess.NpzFileError: the input is missing or bad.
    """
    layout = get_layout(settings.layout)
    data = load_preprocessed(npz_path)
    case_id = Path(npz_path).name.removesuffix(".npz")
    arrays, fields = layout.extract(data, case_id, settings, case_rng(settings.seed, case_id))
    for warning in fields.get("warnings", []):
        log.warning("%s: %s", case_id, warning)
    index = {
        "case_id": case_id,
        "layout": settings.layout,
        **fields,
        "label_scale": LABEL_SCALE,
        "labels": dict(labels or {}),
        "settings": settings.geometry(),
        "provenance": provenance(settings.to_dict(), seed=settings.seed, stage="samples", case=case_id),
    }
    return write_case_samples(out_dir, arrays, index)
