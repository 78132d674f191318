"""Load a model bundle (a folder or an exported zip), refusing one that is tampered or incompatible.

Loading checks, before any network is built: the manifest parses (:class:`Manifest`), its
``bundle_format`` is the one this package reads, the package version that wrote it is
compatible with this one (:func:`compatible_version`), and every checkpoint's SHA-256 equals
the manifest's, so a checkpoint replaced or damaged after training is refused with a message
naming it.
"""

from __future__ import annotations

import json
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from lesionbench import __version__
from lesionbench.bundle.manifest import BUNDLE_FORMAT, MANIFEST, Manifest
from lesionbench.config import SettingsError
from lesionbench.io import file_sha256
from lesionbench.typing import PathLike


class BundleError(ValueError):
    """A model bundle cannot be used: missing, tampered or from an incompatible version."""


def _release(version: str) -> tuple[int, ...]:
    match = re.match(r"^(\d+)\.(\d+)(?:\.(\d+))?", version)
    if match is None:
        raise BundleError(f"unreadable package version {version!r}")
    return tuple(int(part or 0) for part in match.groups())


def compatible_version(written_by: str, running: str = __version__) -> bool:
    """Whether this package (``running``) can apply a bundle written by version ``written_by``.

    Semantic versioning: the same major version, and a release not newer than the running one
    (a newer release may use networks or options this one lacks). Before 1.0 the minor version
    is the breaking one, so ``0.x`` bundles need the same ``x``.
    """
    bundle, this = _release(written_by), _release(running)
    same_series = bundle[:2] == this[:2] if this[0] == 0 else bundle[0] == this[0]
    return same_series and bundle <= this


@dataclass(frozen=True)
class Bundle:
    """A verified bundle: its folder (a zip is unpacked into a temporary folder) and manifest."""

    root: Path
    manifest: Manifest
    source: Path

    def checkpoints(self, folds: str | list[int] | tuple[int, ...] | None = None) -> list[Path]:
        """The checkpoint files of the chosen folds (default: the manifest's ``predict.folds``).

        Raises:
            BundleError: a chosen fold is not in the bundle.
        """
        chosen = self.manifest.predict.folds if folds is None else folds
        available = {entry.fold: entry for entry in self.manifest.folds}
        indices = sorted(available) if chosen == "all" else list(chosen)
        missing = [fold for fold in indices if fold not in available]
        if missing:
            raise BundleError(f"{self.source}: no fold(s) {missing} (the bundle has folds {sorted(available)})")
        return [self.root / PurePosixPath(available[fold].checkpoint) for fold in indices]


def read_manifest(path: PathLike) -> Manifest:
    """Parse and check a ``model.json`` (format and version, not the checkpoints).

    Raises:
        FileNotFoundError: no such file.
        BundleError: not JSON, another bundle format, an incompatible version or a bad field,
            naming the file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: model bundle manifest not found")
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BundleError(f"{path}: not a model bundle manifest ({error})") from None
    if not isinstance(data, dict):
        raise BundleError(f"{path}: not a model bundle manifest (a JSON {type(data).__name__})")
    if data.get("bundle_format") != BUNDLE_FORMAT:
        raise BundleError(f"{path}: bundle format {data.get('bundle_format')!r}; this lesionbench reads format "
                          f"{BUNDLE_FORMAT}")
    written_by = str(data.get("lesionbench_version", ""))
    if not compatible_version(written_by):
        raise BundleError(f"{path}: written by lesionbench {written_by}, incompatible with this lesionbench "
                          f"{__version__} (same major version, and not newer, needed; 0.x: same minor)")
    try:
        return Manifest.from_dict(data)
    except SettingsError as error:
        raise BundleError(f"{path}: {error}") from None


def verify_checkpoints(root: Path, manifest: Manifest, source: Path) -> None:
    """Refuse a bundle whose checkpoint is missing or whose SHA-256 differs from the manifest's.

    Raises:
        BundleError: naming the checkpoint.
    """
    for entry in manifest.folds:
        path = root / PurePosixPath(entry.checkpoint)
        if not path.is_file():
            raise BundleError(f"{source}: checkpoint {entry.checkpoint} of fold {entry.fold} is missing")
        digest = file_sha256(path)
        if digest != entry.sha256:
            raise BundleError(f"{source}: checkpoint {entry.checkpoint} of fold {entry.fold} does not match its "
                              f"SHA-256 in {MANIFEST} (got {digest[:12]}..., expected {entry.sha256[:12]}...): "
                              "it was changed after the bundle was written")


def load_bundle(path: PathLike, unpack_dir: PathLike | None = None) -> Bundle:
    """Open and verify a bundle: ``models/{experiment}/``, its ``model.json``, or an exported zip.

    Args:
        path: the bundle folder, its manifest, or a zip written by :func:`export_bundle`.
        unpack_dir: where a zip is unpacked (default: a new temporary folder, left for the
            process's lifetime).

    Raises:
        FileNotFoundError: nothing at ``path``.
        BundleError: not a bundle, tampered, or incompatible, naming the file.
    """
    source = Path(path)
    if not source.exists():
        raise FileNotFoundError(f"{source}: no model bundle there")
    if source.is_file() and zipfile.is_zipfile(source):
        root = Path(unpack_dir) if unpack_dir is not None else Path(tempfile.mkdtemp(prefix="lesionbench-bundle-"))
        _unzip(source, root)
    else:
        root = source.parent if source.is_file() else source
    manifest = read_manifest(root / MANIFEST)
    verify_checkpoints(root, manifest, source)
    return Bundle(root, manifest, source)


def _unzip(archive: Path, root: Path) -> None:
    """Extract a bundle zip, refusing absolute paths and ``..`` (a zip-slip)."""
    with zipfile.ZipFile(archive) as handle:
        for name in handle.namelist():
            member = PurePosixPath(name)
            if member.is_absolute() or ".." in member.parts:
                raise BundleError(f"{archive}: member {name!r} would unpack outside the bundle")
        if MANIFEST not in handle.namelist():
            raise BundleError(f"{archive}: not a model bundle (no {MANIFEST} at its top)")
        handle.extractall(root)
