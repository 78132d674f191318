"""Pack a model bundle into one zip (``lesionbench export-model``)."""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

from lesionbench.bundle.load import load_bundle
from lesionbench.bundle.manifest import MANIFEST
from lesionbench.io import atomic_path
from lesionbench.typing import PathLike


def export_bundle(model_dir: PathLike, out_zip: PathLike) -> Path:
    """Verify the bundle in ``model_dir`` and write ``model.json`` plus its checkpoints to ``out_zip``.

    Only what applying the model needs goes in: the manifest and every fold's ``best.pt``
    (not the resume checkpoints, histories or logs). Checkpoints are stored uncompressed (they do
    not compress), the manifest deflated. The zip is written atomically.

    Raises:
        FileNotFoundError, BundleError: as :func:`lesionbench.bundle.load_bundle`.
    """
    bundle = load_bundle(model_dir)
    out_zip = Path(out_zip)
    with atomic_path(out_zip, suffix=".zip") as tmp, zipfile.ZipFile(tmp, "w") as archive:
        archive.write(bundle.root / MANIFEST, MANIFEST, compress_type=zipfile.ZIP_DEFLATED)
        for entry in bundle.manifest.folds:
            archive.write(bundle.root / PurePosixPath(entry.checkpoint), entry.checkpoint,
                          compress_type=zipfile.ZIP_STORED)
    return out_zip
