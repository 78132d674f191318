"""``lesionbench evaluate``: per-case metrics of one experiment (docs/file-formats.md, "Evaluate").

Probability maps need no option: where a prediction folder has a ``probabilities/`` subfolder
(predict with ``save_probabilities``), the threshold-free metrics ``auc``, ``ap``,
``dice_mean256`` and ``dice_max256`` are added, and every case must then have its map. Likewise
VOI crops (``voi/{case}.npz``, written by predict for ``3d_voi`` models) add ``dice_voi``,
``sensitivity_voi``, ``specificity_voi`` and ``ppv_voi`` (inside the VOI, paper 001).
"""

from __future__ import annotations

import argparse

from lesionbench.metrics.conventions import EmptyPolicy


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--experiment", required=True, help="experiment name (the 'experiment' column)")
    parser.add_argument(
        "--predictions", required=True, nargs="+", metavar="DIR",
        help="prediction folders, one per fold, named fold-<k>, holding {case}.nii.gz; where they hold "
             "probabilities/{case}.nii.gz (predict's save_probabilities), the columns auc, ap, dice_mean256 and "
             "dice_max256 are added; where they hold voi/{case}.npz (3d_voi models), dice_voi, sensitivity_voi, "
             "specificity_voi and ppv_voi",
    )
    parser.add_argument("--masks", required=True, metavar="DIR", help="reference masks {case}.nii.gz")
    parser.add_argument("--meta", required=True, metavar="DIR", help="case metadata {case}.json (labels)")
    parser.add_argument("--out", required=True, metavar="TSV", help="metrics table to write")
    parser.add_argument(
        "--empty", default="{}", metavar="JSON",
        help="empty-mask conventions as inline JSON or a JSON/YAML file: {both: one | nan (overlap metrics when "
             "both masks are empty), distance: worst | nan (hd95 and asd when one is empty)}; default "
             '{"both": "one", "distance": "worst"}',
    )
    parser.add_argument(
        "--empty-policy", default=None, choices=[p.value for p in EmptyPolicy],
        help="shorthand for --empty '{\"both\": ...}'",
    )
    parser.add_argument(
        "--brain-dir", metavar="DIR",
        help="brain masks {case}.nii.gz: adds the lesion's distance to the inner skull and solidity, "
             "and the near_skull_geom and irregular_geom subgroup flags (paper 002)",
    )
    parser.add_argument("--classification", metavar="JSON",
                        help="the class target {label, positive} (datasets.<d>.classification): with a classes.tsv in "
                             "the prediction folders, adds cls_prob and cls_label")
    parser.add_argument("--near-skull-mm", type=float, default=3.0,
                        help="near-skull flag: lesion within this distance of the inner table (default 3 mm)")
    parser.add_argument("--irregular-solidity", type=float, default=0.8,
                        help="irregular flag: lesion solidity below this value (default 0.8)")
    parser.add_argument("--nsd-tolerance-mm", type=float, default=2.0,
                        help="tolerance of the normalised surface Dice column nsd, in mm (default 2)")


def run(args: argparse.Namespace) -> int:
    from lesionbench.io.settings import load_settings
    from lesionbench.metrics import EmptyConventions
    from lesionbench.metrics.evaluate import evaluate_experiment

    from lesionbench.classification.target import ClassTarget

    empty = load_settings(args.empty)
    class_target = ClassTarget.from_dict(load_settings(args.classification)) if args.classification else None
    if args.empty_policy is not None:
        empty["both"] = args.empty_policy
    evaluate_experiment(
        args.experiment, args.predictions, args.masks, args.meta, args.out,
        conventions=EmptyConventions.from_dict(empty, "--empty"),
        brain_dir=args.brain_dir, near_skull_mm=args.near_skull_mm, irregular_solidity=args.irregular_solidity,
        class_target=class_target, nsd_tolerance_mm=args.nsd_tolerance_mm,
    )
    return 0
