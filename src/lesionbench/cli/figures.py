"""``lesionbench figures``: box plots, learning curves, overlays and the volume scatter.

Lists are space-separated so a Snakemake rule can pass ``{input.metrics}`` etc.; the
experiment name of a ``--histories`` or ``--predictions`` folder is the folder name::

    lesionbench figures --metrics results/ph/metrics/unet.tsv results/ph/metrics/fcn8s.tsv \\
        --histories results/ph/models/unet results/ph/models/fcn8s \\
        --images results/ph/images --masks results/ph/masks \\
        --predictions results/ph/predictions/unet results/ph/predictions/fcn8s \\
        --out-dir results/ph/figures --settings '{"reference": "unet", "metrics": ["dice"]}'

``--histories``, ``--predictions`` and ``--complexity`` may be left out: the learning curves,
the overlays or the complexity plot are then not drawn.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--metrics", nargs="+", required=True, metavar="TSV",
                        help="metrics/{experiment}.tsv files, one per experiment")
    parser.add_argument("--histories", nargs="*", default=[], metavar="DIR",
                        help="models/{experiment} folders holding fold-*/history.tsv")
    parser.add_argument("--images", metavar="DIR", help="images folder ({case}.nii.gz, HU)")
    parser.add_argument("--masks", metavar="DIR", help="reference masks folder ({case}.nii.gz)")
    parser.add_argument("--predictions", nargs="*", default=[], metavar="DIR",
                        help="predictions/{experiment} folders holding fold-*/{case}.nii.gz")
    parser.add_argument("--complexity", metavar="TSV",
                        help="complexity table (experiment, parameters, flops) from 'lesionbench complexity'")
    parser.add_argument("--out-dir", required=True, metavar="DIR", help="output folder for PNG and PDF files")
    parser.add_argument("--settings", default="{}", metavar="JSON",
                        help="figure settings: a JSON file or inline JSON (compare keys accepted)")


def run(args: argparse.Namespace) -> int:
    from lesionbench.figures import FigureSettings, figures_from_files
    from lesionbench.stats import load_settings

    if args.predictions and (args.images is None or args.masks is None):
        raise ValueError("--predictions needs --images and --masks for the overlay montage")
    settings = FigureSettings.from_dict(load_settings(args.settings))
    written = figures_from_files(args.metrics, args.out_dir, settings, model_dirs=args.histories,
                                 images_dir=args.images, masks_dir=args.masks,
                                 prediction_dirs=args.predictions, complexity_tsv=args.complexity)
    for path in written:
        print(path)
    return 0
