"""Checkpoints: the dict layout of docs/file-formats.md ("Train"), RNG states and resuming.

A checkpoint is ``{"network": {"name", "kwargs"}, "state_dict", "optimizer", "scheduler",
"epoch", "best_val_dice", "settings", "provenance", "rng"}`` plus the resume fields
``"scaler"``, ``"training_hash"``, ``"best_epoch"``, ``"history"`` and ``"data"`` (in_channels,
sample shape, file hash). Everything in it is a tensor or a plain Python value, so it loads
with ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import logging
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from lesionbench.io import atomic_path
from lesionbench.typing import PathLike

log = logging.getLogger(__name__)


class CheckpointError(ValueError):
    """A checkpoint file cannot be read or lacks a required entry."""


def seed_everything(seed: int) -> None:
    """Seed Python's ``random``, numpy's global generator and torch (CPU and all CUDA devices)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def capture_rng() -> dict[str, Any]:
    """The global RNG states of Python, numpy, torch and CUDA, as plain values and tensors."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": {"kind": kind, "keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
                  "has_gauss": int(has_gauss), "cached_gaussian": float(cached)},
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng(state: dict[str, Any]) -> None:
    """Inverse of :func:`capture_rng`."""
    random.setstate(_as_tuple(state["python"]))
    numpy = state["numpy"]
    np.random.set_state((numpy["kind"], numpy["keys"].numpy().astype(np.uint32), numpy["pos"],
                         numpy["has_gauss"], numpy["cached_gaussian"]))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available() and len(state["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(state["cuda"])


def _as_tuple(value: Any) -> Any:
    """Nested lists back to the nested tuples ``random.setstate`` expects."""
    return tuple(_as_tuple(v) for v in value) if isinstance(value, (list, tuple)) else value


def save_checkpoint(checkpoint: dict[str, Any], path: PathLike) -> None:
    """Write ``checkpoint`` with :func:`torch.save`, atomically."""
    with atomic_path(path, suffix=".pt") as tmp:
        torch.save(checkpoint, tmp)


def load_checkpoint(path: PathLike, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Read a checkpoint written by :func:`save_checkpoint` (``weights_only=True``).

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        CheckpointError: naming the file, if it cannot be read or lacks ``network``/``state_dict``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: checkpoint not found")
    try:
        checkpoint = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as error:  # torch.load raises many types for a damaged file (struct.error, ...)
        raise CheckpointError(f"{path}: cannot be read as a checkpoint ({error})") from error
    if not isinstance(checkpoint, dict):
        raise CheckpointError(f"{path}: not a lesionbench checkpoint (a {type(checkpoint).__name__})")
    for key in ("network", "state_dict"):
        if key not in checkpoint:
            raise CheckpointError(f"{path}: not a lesionbench checkpoint (no {key!r} entry)")
    network = checkpoint["network"]
    if not isinstance(network, dict) or not isinstance(network.get("name"), str) or not isinstance(network.get("kwargs"), dict):
        raise CheckpointError(f"{path}: 'network' must be {{'name': str, 'kwargs': dict}}")
    return checkpoint


def resumable_checkpoint(path: PathLike, training_hash: str, data_sha256: str, epochs: int) -> dict[str, Any] | None:
    """The checkpoint at ``path`` if training should continue from it, else ``None``.

    Continue only when it exists, was written for the same settings (``training_hash``) and
    the same data, and has at most ``epochs`` epochs done (exactly ``epochs``: the run is
    complete and is reused as it is, so a rerun that changes nothing the weights depend on
    retrains nothing). An unreadable file is logged and ignored (training starts afresh and
    overwrites it).
    """
    path = Path(path)
    if not path.is_file():
        return None
    try:
        checkpoint = load_checkpoint(path)
    except CheckpointError as error:
        log.warning("ignoring unreadable resume checkpoint: %s", error)
        return None
    if checkpoint.get("training_hash") != training_hash:
        log.info("%s: written for other settings; starting afresh", path)
        return None
    if checkpoint.get("data", {}).get("sha256") != data_sha256:
        log.info("%s: written for other training data; starting afresh", path)
        return None
    done = int(checkpoint.get("epoch", 0))
    if done > epochs:
        log.info("%s: trained for %d epochs, more than the %d asked; starting afresh", path, done, epochs)
        return None
    if done == epochs and not (path.parent / "best.pt").is_file():
        log.info("%s: complete but its best.pt is missing; starting afresh", path)
        return None
    log.info("%s: %s after epoch %d of %d", path, "complete, reused" if done == epochs else "resuming", done, epochs)
    return checkpoint
