"""``lesionbench augment``: the augmented training set and the validation set of one fold.

Example (the case id of each samples file is its file name without ``.npz``)::

    lesionbench augment --samples results/phantom/samples/2d/*.npz --folds results/phantom/folds.json \\
        --fold 0 --out results/phantom/augmented/2d/fold-0.npz \\
        --settings '{"copies": 4, "rotations": [0, 1, 2, 3], "max_shift_fraction": 0.1, "seed": 0}'
"""

from __future__ import annotations

import argparse

from lesionbench.io.settings import load_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--samples", nargs="+", required=True, metavar="NPZ",
                        help="per-case samples files {R}/samples/{layout}/{case}.npz")
    parser.add_argument("--folds", required=True, help="folds.json")
    parser.add_argument("--fold", type=int, required=True, help="fold number")
    parser.add_argument("--out", required=True, help="output npz, {R}/augmented/{layout}/fold-{k}.npz")
    parser.add_argument("--settings", default="{}", metavar="JSON",
                        help="augment settings as inline JSON (copies, rotations, max_shift_fraction, seed)")


def run(args: argparse.Namespace) -> int:
    from lesionbench.augment import AugmentSettings, build_fold, samples_by_case

    settings = AugmentSettings.from_dict(load_settings(args.settings))
    build_fold(samples_by_case(args.samples), args.folds, args.fold, args.out, settings)
    return 0
