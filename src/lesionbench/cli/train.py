"""``lesionbench train``: train one experiment on one fold (docs/file-formats.md, "Train").

Example::

    lesionbench train --samples results/phantom/samples/2d --folds results/phantom/folds.json --fold 0 \\
        --out-dir results/phantom/models/unet/fold-0 --settings experiment.json
"""

from __future__ import annotations

import argparse

from lesionbench.io.settings import load_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--samples", required=True, metavar="DIR",
                        help="the samples folder {R}/samples/{layout}, one subfolder per case")
    parser.add_argument("--folds", required=True, metavar="JSON", help="folds.json (the fold's train and val cases)")
    parser.add_argument("--fold", required=True, type=int, metavar="K", help="fold number")
    parser.add_argument("--out-dir", required=True, metavar="DIR",
                        help="model folder; receives best.pt, history.tsv and resume/")
    parser.add_argument("--settings", required=True, metavar="JSON",
                        help="the experiment's settings as inline JSON or a JSON file: "
                             "{network, loss, train, augment, foreground_fraction}")
    parser.add_argument("--threads", type=int, default=None, metavar="N",
                        help="torch CPU threads (overrides train.threads)")
    parser.add_argument("--device", default="auto", help="auto (CUDA if available), cpu, cuda, cuda:1, ...")


def run(args: argparse.Namespace) -> int:
    from lesionbench.training import ExperimentSettings, train_fold

    settings = ExperimentSettings.from_dict(load_settings(args.settings))
    if args.threads is not None:
        if args.threads < 1:
            raise ValueError(f"--threads: must be >= 1, got {args.threads}")
        settings = settings.model_copy(update={"train": settings.train.model_copy(update={"threads": args.threads})})
    train_fold(args.samples, args.folds, args.fold, args.out_dir, settings, device=args.device)
    return 0
