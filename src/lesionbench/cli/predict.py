"""``lesionbench predict``: predict the held-out cases of one fold (docs/file-formats.md, "Predict").

The model is applied with the sample geometry stored in its checkpoint (layout, network input
size, fit); ``--settings`` holds only how to predict.
"""

from __future__ import annotations

import argparse

from lesionbench.io.settings import load_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--checkpoint", required=True, metavar="PT", help="best.pt of the fold's model")
    parser.add_argument("--folds", required=True, metavar="JSON", help="folds.json")
    parser.add_argument("--fold", required=True, type=int, metavar="K", help="fold index")
    parser.add_argument("--preprocessed", required=True, metavar="DIR", help="folder of preprocessed {case}.npz")
    parser.add_argument("--images", required=True, metavar="DIR", help="folder of original images {case}.nii.gz")
    parser.add_argument("--out-dir", required=True, metavar="DIR", help="receives {case}.nii.gz per test case")
    parser.add_argument("--settings", default="{}", metavar="JSON",
                        help="the experiment's predict section as inline JSON or a JSON/YAML file: {batch_size, threshold, tta, "
                             "save_probabilities}")
    parser.add_argument("--device", default="auto", help="auto (CUDA if available), cpu, cuda, cuda:1, ...")


def run(args: argparse.Namespace) -> int:
    from lesionbench.inference import PredictSettings, predict_fold

    settings = PredictSettings.from_dict(load_settings(args.settings))
    predict_fold(args.checkpoint, args.folds, args.fold, args.preprocessed, args.images, args.out_dir,
                 settings, device=args.device)
    return 0
