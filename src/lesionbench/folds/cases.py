"""Case tables (one row per patient: ``case_id`` and labels) read from TSV or JSON files."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from lesionbench.folds.split import FoldsError
from lesionbench.typing import PathLike


def cases_from_tsv(path: PathLike) -> pd.DataFrame:
    """Read a tab-separated sample sheet with a ``case_id`` column (values kept as text)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    if "case_id" not in table.columns:
        raise FoldsError(f"{path}: no case_id column (columns: {list(table.columns)})")
    return table


def cases_from_json(paths: Iterable[PathLike]) -> pd.DataFrame:
    """One row per JSON file: its ``case_id`` and labels.

    Reads both the ingest metadata (``{R}/meta/{case}.json``: ``case_id`` and a ``labels``
    object, of which only the labels are taken) and flat label files such as the phantom's
    ``raw/cases/{case}.json`` (every top-level scalar is a label).

    Raises:
        FileNotFoundError: a file is missing.
        FoldsError: naming the file, if it is not a JSON object with a ``case_id``.
    """
    rows = [_labels_of(Path(path)) for path in paths]
    if not rows:
        raise FoldsError("no case files given")
    return pd.DataFrame(rows)


def _labels_of(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise FoldsError(f"{path}: not valid JSON ({error})") from error
    if not isinstance(data, dict) or "case_id" not in data:
        raise FoldsError(f"{path}: expected a JSON object with a case_id")
    labels = data.get("labels")
    if labels is not None and not isinstance(labels, dict):
        raise FoldsError(f"{path}: labels must be a JSON object, got {type(labels).__name__}")
    source = labels if labels is not None else data
    row = {key: value for key, value in source.items() if isinstance(value, (str, int, float, bool)) or value is None}
    row["case_id"] = str(data["case_id"])
    return row
