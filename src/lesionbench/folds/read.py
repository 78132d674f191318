"""Reading one fold of ``folds.json`` (docs/file-formats.md, "Folds"): training, prediction."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lesionbench.typing import PathLike


class FoldsFileError(ValueError):
    """``folds.json`` cannot be read, has no such fold, or a fold lacks a case list."""


def read_fold(folds_json: PathLike, fold: int, lists: tuple[str, ...] = ("train", "val", "test")) -> dict[str, Any]:
    """The entry of fold ``fold``, with each of ``lists`` checked to be a list of case ids.

    Raises:
        FileNotFoundError: if the file is missing. FoldsFileError: naming the file, if it is
            not valid JSON, has no fold ``fold`` or a list is not a list of strings.
    """
    path = Path(folds_json)
    try:
        folds = _read(path)["folds"]
    except (KeyError, TypeError) as error:
        raise FoldsFileError(f"{path}: not a folds file ({error!r})") from error
    for entry in folds:
        if isinstance(entry, Mapping) and entry.get("fold") == fold:
            for name in lists:
                cases = entry.get(name)
                if not isinstance(cases, list) or not all(isinstance(case, str) for case in cases):
                    raise FoldsFileError(f"{path}: fold {fold} has no list of {name} case ids")
            return dict(entry)
    available = [entry.get("fold") for entry in folds if isinstance(entry, Mapping)]
    raise FoldsFileError(f"{path}: no fold {fold} (folds: {available})")


def read_test_set(folds_json: PathLike) -> list[str]:
    """The held-out test set of ``folds.json`` (``"test_set"``; empty when the dataset has none).

    Raises:
        FileNotFoundError: if the file is missing. FoldsFileError: naming the file, if it is
            not valid JSON or ``test_set`` is not a list of case ids.
    """
    path = Path(folds_json)
    data = _read(path)
    cases = data.get("test_set", []) if isinstance(data, Mapping) else None
    if not isinstance(cases, list) or not all(isinstance(case, str) for case in cases):
        raise FoldsFileError(f"{path}: test_set is not a list of case ids")
    return list(cases)


def _read(path: Path) -> Any:
    """The parsed JSON of a folds file.

    Raises:
        FileNotFoundError: if it is missing. FoldsFileError: naming it, if it is not JSON.
    """
    if not path.is_file():
        raise FileNotFoundError(f"{path}: folds file not found")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise FoldsFileError(f"{path}: not a folds file ({error!r})") from error
