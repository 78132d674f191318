"""The samples of one case on disk, read a few rows at a time: ``{R}/samples/{layout}/{case}/``.

A case folder holds ``images.npy`` (float32, e.g. ``(Z, C, H, W)``: every slice of the case at
network size), ``masks.npy`` (uint8 ``(Z, 1, H, W)``: the lesion fraction of each pixel times
:data:`LABEL_SCALE`, 0/255 for nearest-neighbour labels) and ``index.json`` (which rows are samples,
which hold lesion, the fit and spacing, the arrays' SHA-256, provenance), written in that order
and each atomically, so a folder without ``index.json`` is incomplete.

Plain uncompressed ``.npy`` files, so any tool can memory-map them (``np.load(path,
mmap_mode="r")``); the training loader reads rows with ``os.pread`` instead of mapping, so the
pages it touched are not charged to its resident memory and memory does not grow with the
dataset (``benchmarks/training_memory.py``). Chunked compressed stores (zarr) would save disk
on the zeros outside the brain at the cost of decompressing every read; a 2.5D ATLAS case is
about 28 MB uncompressed, so the simpler format was kept.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lesionbench.io import atomic_path, file_sha256, write_json
from lesionbench.typing import PathLike

INDEX_FILE = "index.json"
#: ``masks.npy`` stores ``round(fraction * LABEL_SCALE)`` (quantisation error <= 0.002).
LABEL_SCALE = 255
ARRAY_FILES = {"images": "images.npy", "masks": "masks.npy"}


class SampleStoreError(ValueError):
    """A case's samples folder is incomplete, or its files disagree."""


def write_case_samples(folder: PathLike, arrays: Mapping[str, np.ndarray], index: Mapping[str, Any]) -> dict[str, Any]:
    """Write ``images.npy``, ``masks.npy`` and then ``index.json`` (with shapes and hashes added).

    Returns:
        The index as written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    full = dict(index)
    full["arrays"] = {}
    for key, name in ARRAY_FILES.items():
        array = np.ascontiguousarray(arrays[key])
        with atomic_path(folder / name, suffix=".npy") as tmp:
            np.save(tmp, array, allow_pickle=False)
        full["arrays"][key] = {"file": name, "shape": list(array.shape), "dtype": str(array.dtype),
                               "sha256": file_sha256(folder / name)}
    write_json(folder / INDEX_FILE, full)
    return full


@dataclass(frozen=True)
class NpyRows:
    """Row access to a C-ordered ``.npy`` file without mapping it: ``rows(a, b)`` = ``array[a:b]``."""

    path: Path
    shape: tuple[int, ...]
    dtype: np.dtype
    offset: int

    @classmethod
    def open(cls, path: PathLike) -> NpyRows:
        path = Path(path)
        try:
            with open(path, "rb") as handle:
                version = np.lib.format.read_magic(handle)
                read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                               else np.lib.format.read_array_header_2_0)
                shape, fortran, dtype = read_header(handle)
                offset = handle.tell()
        except FileNotFoundError:
            raise FileNotFoundError(f"{path}: samples array not found") from None
        except ValueError as error:
            raise SampleStoreError(f"{path}: not a .npy file ({error})") from error
        if fortran or dtype.hasobject:
            raise SampleStoreError(f"{path}: expected a C-ordered numeric array")
        expected = offset + int(np.prod(shape)) * dtype.itemsize
        if path.stat().st_size != expected:
            raise SampleStoreError(f"{path}: truncated ({path.stat().st_size} bytes, header says {expected})")
        return cls(path, tuple(int(n) for n in shape), dtype, offset)

    @property
    def row_bytes(self) -> int:
        return int(np.prod(self.shape[1:])) * self.dtype.itemsize

    def rows(self, start: int, stop: int) -> np.ndarray:
        """``array[start:stop]`` (a fresh, writable array), read with one ``pread``."""
        if not 0 <= start <= stop <= self.shape[0]:
            raise IndexError(f"{self.path}: rows {start}:{stop} outside 0:{self.shape[0]}")
        count = (stop - start) * self.row_bytes
        fd = os.open(self.path, os.O_RDONLY)
        try:
            buffer = bytearray(count)
            view, done = memoryview(buffer), 0
            while done < count:
                read = os.preadv(fd, [view[done:]], self.offset + start * self.row_bytes + done)
                if read == 0:
                    raise SampleStoreError(f"{self.path}: unexpected end of file")
                done += read
        finally:
            os.close(fd)
        return np.frombuffer(buffer, dtype=self.dtype).reshape((stop - start, *self.shape[1:]))


class CaseSamples:
    """One case's samples folder: its index and row readers for ``images`` and ``masks``.

    Attributes:
        folder: the case folder.
        index: ``index.json`` as a dict.
        images, masks: :class:`NpyRows` readers.
    """

    def __init__(self, folder: PathLike) -> None:
        self.folder = Path(folder)
        index_path = self.folder / INDEX_FILE
        if not index_path.is_file():
            raise FileNotFoundError(f"{index_path}: samples index not found (incomplete samples folder?)")
        try:
            self.index: dict[str, Any] = json.loads(index_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise SampleStoreError(f"{index_path}: not valid JSON ({error})") from error
        arrays = self.index.get("arrays", {})
        readers = {}
        for key in ARRAY_FILES:
            if key not in arrays:
                raise SampleStoreError(f"{index_path}: no entry for {key!r}")
            reader = NpyRows.open(self.folder / arrays[key]["file"])
            if list(reader.shape) != list(arrays[key]["shape"]) or str(reader.dtype) != arrays[key]["dtype"]:
                raise SampleStoreError(f"{reader.path}: shape {reader.shape} {reader.dtype} differs from the index "
                                       f"({arrays[key]['shape']} {arrays[key]['dtype']})")
            readers[key] = reader
        self.images: NpyRows = readers["images"]
        self.masks: NpyRows = readers["masks"]
        if self.images.shape[0] != self.masks.shape[0] or self.images.shape[2:] != self.masks.shape[2:]:
            raise SampleStoreError(f"{self.folder}: images {self.images.shape} and masks {self.masks.shape} do not match")

    def label_rows(self, start: int, stop: int) -> np.ndarray:
        """``masks[start:stop]`` as float32 lesion fractions in ``[0, 1]``."""
        return self.masks.rows(start, stop).astype(np.float32) / float(self.index.get("label_scale", LABEL_SCALE))

    @property
    def case_id(self) -> str:
        return str(self.index.get("case_id", self.folder.name))

    @property
    def labels(self) -> dict[str, Any]:
        """The case's labels (``meta/{case}.json``), as the samples stage kept them."""
        return dict(self.index.get("labels") or {})

    @property
    def targets(self) -> list[int]:
        """Rows that are samples (2D / 2.5D: target slice indices)."""
        return [int(t) for t in self.index["targets"]]

    @property
    def has_lesion(self) -> list[bool]:
        """Per target: whether its label holds any lesion (at network size)."""
        return [bool(v) for v in self.index["has_lesion"]]

    def content_hash(self) -> str:
        """SHA-256 of the index (which carries the arrays' own hashes)."""
        return hashlib.sha256(json.dumps(self.index, sort_keys=True).encode("utf-8")).hexdigest()
