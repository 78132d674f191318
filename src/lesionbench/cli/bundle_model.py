"""``lesionbench bundle-model``: write an experiment's ``model.json`` (the workflow's ``bundle_model`` rule).

Example::

    lesionbench bundle-model --model-dir results/phantom/models/unet \\
        --checkpoints results/phantom/models/unet/fold-*/best.pt \\
        --settings bundle_settings.json --postprocessing results/phantom/models/unet/postprocessing.json
"""

from __future__ import annotations

import argparse

from lesionbench.io.settings import load_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model-dir", required=True, metavar="DIR", help="the experiment's model folder")
    parser.add_argument("--checkpoints", required=True, nargs="+", metavar="PT", help="fold-<k>/best.pt of every fold")
    parser.add_argument("--settings", required=True, metavar="JSON",
                        help="inline JSON or a JSON/YAML file: experiment, dataset, label, modality, channels, "
                             "network, ingest, brain_mask, preprocess, samples, predict")
    parser.add_argument("--postprocessing", default=None, metavar="JSON",
                        help="the decision of `lesionbench postprocess-select` (default: none)")
    parser.add_argument("--out", default=None, metavar="JSON", help="where to write (default MODEL_DIR/model.json)")


def run(args: argparse.Namespace) -> int:
    from lesionbench.bundle import write_manifest
    from lesionbench.postprocess import read_decision

    decision = read_decision(args.postprocessing) if args.postprocessing else None
    path = write_manifest(args.model_dir, load_settings(args.settings), args.checkpoints, decision, args.out)
    print(path)
    return 0
