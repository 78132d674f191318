"""``history.tsv``: one row per epoch, read by the learning-curve figure.

Columns ``epoch, train_loss, val_loss, val_dice, lr, seconds`` (docs/file-formats.md, "Train").
``lr`` is the learning rate of the epoch's first iteration; ``seconds`` is the wall time of
training plus validation; ``val_loss`` and ``val_dice`` are ``nan`` in epochs without
validation (``train.val_every > 1``). Floats are written with 17 significant digits, so reading
the file back gives the exact values.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from lesionbench.io import write_text
from lesionbench.typing import PathLike

HISTORY_COLUMNS: tuple[str, ...] = ("epoch", "train_loss", "val_loss", "val_dice", "lr", "seconds")


def _format(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    value = float(value)
    return "nan" if math.isnan(value) else repr(value)


def write_history(rows: Sequence[Mapping[str, Any]], path: PathLike) -> None:
    """Write ``rows`` (dicts with :data:`HISTORY_COLUMNS`) as a TSV, atomically."""
    lines = ["\t".join(HISTORY_COLUMNS)]
    lines += ["\t".join(_format(row[column]) for column in HISTORY_COLUMNS) for row in rows]
    write_text(path, "\n".join(lines) + "\n")


def read_history(path: PathLike) -> list[dict[str, float]]:
    """Read a ``history.tsv`` back (``epoch`` as int, the rest as float).

    Raises:
        FileNotFoundError: if missing. ValueError: naming the file, if the header is not
            :data:`HISTORY_COLUMNS`.
    """
    path = Path(path)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        if tuple(reader.fieldnames or ()) != HISTORY_COLUMNS:
            raise ValueError(f"{path}: header {reader.fieldnames} is not {list(HISTORY_COLUMNS)}")
        return [{key: (int(value) if key == "epoch" else float(value)) for key, value in row.items()}
                for row in reader]
