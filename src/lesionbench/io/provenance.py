"""Provenance stamped onto every output: package version, settings hash and seed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from lesionbench import __version__


def settings_hash(settings: Any) -> str:
    """Short SHA-256 of the canonical JSON of ``settings`` (order of keys does not matter)."""
    canonical = json.dumps(settings, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def provenance(settings: Any = None, seed: int | None = None, **extra: Any) -> dict[str, Any]:
    """A small dict to store in a JSON sidecar, an ``.npz`` key or a checkpoint."""
    record: dict[str, Any] = {"lesionbench_version": __version__, "settings_hash": settings_hash(settings)}
    if seed is not None:
        record["seed"] = int(seed)
    record.update(extra)
    return record


def file_sha256(path: str | Path, chunk_bytes: int = 1 << 22) -> str:
    """SHA-256 (hex) of a file's content, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()
