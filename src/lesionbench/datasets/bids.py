"""Finding files in BIDS-style folders (ISLES'22, ATLAS R2.0) by subject and suffix.

BIDS names a file ``sub-<label>[_ses-<label>][_<key>-<value>...]_<suffix>.nii[.gz]``; the
releases differ in folders (``anat/``, ``dwi/``, or none) and in the case of the suffix
(``FLAIR`` vs ``flair``), so files are matched by subject prefix and suffix anywhere below
the subject's folder. Written by hand: pybids would be a heavy dependency for two globs.
"""

from __future__ import annotations

import re
from pathlib import Path

from lesionbench.datasets.base import DatasetError

NIFTI_SUFFIXES = (".nii.gz", ".nii")


def subject_dirs(folder: Path) -> list[Path]:
    """``sub-*`` folders directly in ``folder`` (sorted by name)."""
    return sorted((p for p in folder.glob("sub-*") if p.is_dir()), key=lambda p: p.name)


def split_name(path: Path) -> tuple[dict[str, str], str] | None:
    """``({key: value}, suffix)`` of a BIDS NIfTI file name, or ``None`` if it is not one."""
    name = path.name
    stem = next((name[: -len(ext)] for ext in NIFTI_SUFFIXES if name.endswith(ext)), None)
    if stem is None:
        return None
    parts = stem.split("_")
    entities = {}
    for part in parts[:-1]:
        key, dash, value = part.partition("-")
        if not dash:
            return None
        entities[key] = value
    return entities, parts[-1]


def find_files(folder: Path, subject: str, suffix: str, **entities: str | re.Pattern[str]) -> list[Path]:
    """NIfTI files below ``folder`` of ``subject`` (e.g. ``sub-r001s001``) with ``suffix``.

    Args:
        folder: where to search (recursively).
        subject: the ``sub-<label>`` folder name.
        suffix: BIDS suffix, compared case-insensitively (``flair`` matches ``FLAIR``).
        **entities: required entity values (a string, or a compiled pattern to match).

    Returns:
        Matching files, sorted by name.
    """
    label = subject.removeprefix("sub-")
    found = []
    for path in folder.rglob("*.nii*"):
        parsed = split_name(path)
        if parsed is None or not path.is_file():
            continue
        names, file_suffix = parsed
        if names.get("sub") != label or file_suffix.lower() != suffix.lower():
            continue
        if all(_matches(names.get(key), want) for key, want in entities.items()):
            found.append(path)
    return sorted(found, key=lambda p: p.name)


def find_one(folder: Path, subject: str, suffix: str, what: str, **entities: str | re.Pattern[str]) -> Path:
    """The single file of :func:`find_files`.

    Raises:
        FileNotFoundError: none found (naming the folder and the pattern).
        DatasetError: several found (naming them).
    """
    found = find_files(folder, subject, suffix, **entities)
    if not found:
        raise FileNotFoundError(f"{folder}: no {what} file ({subject}_*_{suffix}.nii[.gz]) found")
    if len(found) > 1:
        raise DatasetError(f"{folder}: {len(found)} {what} files found for {subject}: {[p.name for p in found]}")
    return found[0]


def _matches(value: str | None, want: str | re.Pattern[str]) -> bool:
    if value is None:
        return False
    if isinstance(want, re.Pattern):
        return want.fullmatch(value) is not None
    return value == want
