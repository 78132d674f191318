"""``lesionbench postprocess-select``: choose an experiment's post-processing on cross-validation.

Scores ``none``, ``largest_component`` and ``min_volume`` (each threshold of
``--candidates-ml``) by the mean Dice over the held-out predictions of all folds, and writes
the decision (:mod:`lesionbench.postprocess.select`, after nnU-Net).

Example::

    lesionbench postprocess-select \\
        --predictions results/phantom/predictions/unet/fold-0 results/phantom/predictions/unet/fold-1 \\
        --masks results/phantom/masks --out results/phantom/models/unet/postprocessing.json \\
        [--candidates-ml 0.1 0.5 1 2 5]
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from lesionbench.postprocess.select import DEFAULT_CANDIDATES_ML

    parser.add_argument("--predictions", required=True, nargs="+", metavar="DIR",
                        help="fold prediction folders of {case}.nii.gz (subfolders are ignored)")
    parser.add_argument("--masks", required=True, metavar="DIR", help="reference masks {case}.nii.gz")
    parser.add_argument("--out", required=True, metavar="JSON", help="the decision file to write")
    parser.add_argument("--candidates-ml", nargs="+", type=float, default=list(DEFAULT_CANDIDATES_ML),
                        metavar="ML", help="min_volume thresholds to try, in mL "
                        f"(default {' '.join(f'{v:g}' for v in DEFAULT_CANDIDATES_ML)})")


def run(args: argparse.Namespace) -> int:
    from lesionbench.postprocess import (
        choose_postprocessing,
        collect_cases,
        step_label,
        write_decision,
    )

    decision = choose_postprocessing(collect_cases(args.predictions, args.masks), args.candidates_ml)
    path = write_decision(decision, args.out)
    for entry in decision["candidates"]:
        print(f"{step_label(entry['step']):<22} mean Dice {entry['mean_dice']:.4f}  "
              f"cases changed {entry['cases_changed']}")
    print(f"chosen: {step_label(decision['chosen'])} ({decision['cases']} cases) -> {path}")
    return 0
