"""``lesionbench export-model``: pack an experiment's model bundle into one zip.

Example::

    lesionbench export-model results/phantom/models/unet unet.zip
    lesionbench segment new_scans/ seg/ --model unet.zip

The bundle is verified first (every checkpoint against its SHA-256 in ``model.json``).
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model_dir", metavar="DIR", help="the experiment's model folder, results/{dataset}/models/{experiment}")
    parser.add_argument("out", metavar="OUT.zip", help="the zip to write")


def run(args: argparse.Namespace) -> int:
    from lesionbench.bundle import export_bundle, load_bundle

    path = export_bundle(args.model_dir, args.out)
    manifest = load_bundle(path).manifest
    print(f"{path}: {manifest.experiment} ({manifest.network['name']}), {len(manifest.folds)} fold(s), "
          f"post-processing {manifest.postprocessing.name}")
    return 0
