"""``lesionbench preprocess``: resample, window, skull-strip and crop one case.

Example::

    lesionbench preprocess --image results/phantom/images/ph000.nii.gz \\
        --mask results/phantom/masks/ph000.nii.gz --brain results/phantom/brain/ph000.nii.gz \\
        --out results/phantom/preprocessed/ph000.npz \\
        --settings '{"spacing": [0.9, 0.9, 5.0], "window": [40, 80]}'
"""

from __future__ import annotations

import argparse

from lesionbench.io.settings import load_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--image", required=True, help="image in HU (NIfTI), {R}/images/{case}.nii.gz")
    parser.add_argument("--mask", default=None,
                        help="reference lesion mask on the image grid (omit for a scan without one)")
    parser.add_argument("--brain", default=None, help="brain mask on the image grid (optional)")
    parser.add_argument("--out", required=True, help="output npz, {R}/preprocessed/{case}.npz")
    parser.add_argument("--meta-in", default=None, metavar="JSON", help="the ingest metadata {R}/meta/ingest/{case}.json")
    parser.add_argument("--meta-out", default=None, metavar="JSON",
                        help="receives the metadata with the preprocessing report ({R}/meta/{case}.json)")
    parser.add_argument("--settings", default="{}", metavar="JSON",
                        help="preprocess settings as inline JSON (spacing, window, normalize, crop_to_brain, "
                             "crop_margin_mm, skull_strip, brain_mask, brain_dilation_mm, resampling)")


def run(args: argparse.Namespace) -> int:
    from lesionbench.preprocess import PreprocessSettings, preprocess_case

    settings = PreprocessSettings.from_dict(load_settings(args.settings))
    preprocess_case(args.image, args.mask, args.brain, args.out, settings, args.meta_in, args.meta_out)
    return 0
