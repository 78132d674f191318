"""``lesionbench train``: train one experiment on one fold (docs/file-formats.md, "Train")."""

from __future__ import annotations

import argparse
import dataclasses


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", required=True, metavar="NPZ", help="augmented training set fold-{k}.npz")
    parser.add_argument("--out-dir", required=True, metavar="DIR",
                        help="model folder; receives best.pt, history.tsv and resume/")
    parser.add_argument("--settings", required=True, metavar="JSON",
                        help="the experiment's settings as a JSON string: {network, loss, train, predict}")
    parser.add_argument("--threads", type=int, default=None, metavar="N",
                        help="torch CPU threads (overrides train.threads)")
    parser.add_argument("--device", default="auto", help="auto (CUDA if available), cpu, cuda, cuda:1, ...")


def run(args: argparse.Namespace) -> int:
    from lesionbench.training import ExperimentSettings, train_fold

    settings = ExperimentSettings.from_json(args.settings)
    if args.threads is not None:
        if args.threads < 1:
            raise ValueError(f"--threads: must be >= 1, got {args.threads}")
        settings = dataclasses.replace(settings, train=dataclasses.replace(settings.train, threads=args.threads))
    train_fold(args.data, args.out_dir, settings, device=args.device)
    return 0
