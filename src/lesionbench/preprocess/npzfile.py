"""Reading and writing the ``.npz`` files passed between stages, atomically and checked.

Kept small and generic (preprocessed volumes, samples and augmented folds all use it); it
could move to :mod:`lesionbench.io`.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from lesionbench.io import atomic_path
from lesionbench.typing import PathLike


class NpzFileError(ValueError):
    """An ``.npz`` file cannot be read or lacks a required array."""


def write_npz(path: PathLike, arrays: Mapping[str, Any], compress: bool = True) -> None:
    """Write ``arrays`` to ``path`` atomically (no pickled objects)."""
    save = np.savez_compressed if compress else np.savez
    with atomic_path(path, suffix=".npz") as tmp, open(tmp, "wb") as handle:
        save(handle, **{key: np.asarray(value) for key, value in arrays.items()})


def read_npz(path: PathLike, required: Iterable[str] = ()) -> dict[str, np.ndarray]:
    """Load every array of an ``.npz`` file into memory.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        NpzFileError: naming the file, if it is not a readable npz or misses ``required`` keys.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise NpzFileError(f"{path}: cannot be read as an npz file ({error})") from error
    missing = [key for key in required if key not in arrays]
    if missing:
        raise NpzFileError(f"{path}: missing array(s) {missing}; found {sorted(arrays)}")
    return arrays


def json_scalar(value: Any) -> np.ndarray:
    """A 0-d string array holding ``value`` as JSON (how provenance is stored in an npz)."""
    return np.array(json.dumps(value, sort_keys=True, default=str))


def parse_json_scalar(array: np.ndarray) -> Any:
    """Inverse of :func:`json_scalar`."""
    return json.loads(str(array[()]))
