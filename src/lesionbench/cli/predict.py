"""``lesionbench predict``: predict the held-out cases of one fold, or the test set with the fold ensemble.

Examples::

    lesionbench predict --checkpoint models/unet/fold-0/best.pt --folds folds.json --fold 0 \\
        --preprocessed preprocessed --images images --out-dir predictions/unet/fold-0
    lesionbench predict --checkpoint models/unet/fold-*/best.pt --folds folds.json --test-set \\
        --preprocessed preprocessed --images images --out-dir test/predictions/unet/ensemble

The models are applied with the sample geometry stored in their checkpoints (layout, network
input size, fit); ``--settings`` holds only how to predict (docs/file-formats.md, "Predict").
With ``--test-set`` the cases are ``folds.json``'s ``test_set`` and the probabilities of every
given checkpoint are averaged.
"""

from __future__ import annotations

import argparse

from lesionbench.io.settings import load_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--checkpoint", required=True, nargs="+", metavar="PT",
                        help="best.pt of the fold's model (with --test-set: of every fold of the ensemble)")
    parser.add_argument("--folds", required=True, metavar="JSON", help="folds.json")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--fold", type=int, metavar="K", help="predict fold K's test cases with its model")
    which.add_argument("--test-set", action="store_true", help="predict the held-out test set with the ensemble")
    parser.add_argument("--preprocessed", required=True, metavar="DIR", help="folder of preprocessed {case}.npz")
    parser.add_argument("--images", required=True, metavar="DIR", help="folder of original images {case}.nii.gz")
    parser.add_argument("--out-dir", required=True, metavar="DIR", help="receives {case}.nii.gz per predicted case")
    parser.add_argument("--settings", default="{}", metavar="JSON",
                        help="the experiment's predict section as inline JSON or a JSON/YAML file: {batch_size, "
                             "threshold, tta, save_probabilities}")
    parser.add_argument("--device", default="auto", help="auto (CUDA if available), cpu, cuda, cuda:1, ...")


def run(args: argparse.Namespace) -> int:
    from lesionbench.folds import read_test_set
    from lesionbench.inference import PredictSettings, predict_ensemble, predict_fold

    settings = PredictSettings.from_dict(load_settings(args.settings))
    if args.test_set:
        cases = read_test_set(args.folds)
        if not cases:
            raise ValueError(f"{args.folds}: the dataset has no held-out test set (test_set is empty)")
        predict_ensemble(args.checkpoint, cases, args.preprocessed, args.images, args.out_dir, settings,
                         device=args.device)
        return 0
    if len(args.checkpoint) != 1:
        raise ValueError(f"--fold {args.fold}: one checkpoint (the fold's), got {len(args.checkpoint)}")
    predict_fold(args.checkpoint[0], args.folds, args.fold, args.preprocessed, args.images, args.out_dir,
                 settings, device=args.device)
    return 0
