"""``lesionbench brain-mask``: intracranial mask of one head CT.

Example::

    lesionbench brain-mask results/phantom/images/ph000.nii.gz results/phantom/brain/ph000.nii.gz \\
        --settings '{"tissue_hu": [-15, 100], "bone_hu": 300}'
"""

from __future__ import annotations

import argparse

from lesionbench.io.settings import load_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("image", metavar="IN", help="head CT in HU (NIfTI)")
    parser.add_argument("out", metavar="OUT", help="output brain mask (uint8 NIfTI on the image grid)")
    parser.add_argument("--settings", default="{}", metavar="JSON",
                        help="brain mask settings as inline JSON (tissue_hu, bone_hu, closing_mm, erosion_mm)")


def run(args: argparse.Namespace) -> int:
    from lesionbench.brainmask import BrainMaskSettings, brain_mask_file

    settings = BrainMaskSettings.from_dict(load_settings(args.settings))
    brain_mask_file(args.image, args.out, settings)
    return 0
