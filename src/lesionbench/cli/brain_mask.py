"""``lesionbench brain-mask``: intracranial mask of one head CT, and its QC picture.

Example::

    lesionbench brain-mask results/phantom/images/ph000.nii.gz results/phantom/brain/ph000.nii.gz \\
        --settings '{"tissue_hu": [-15, 100], "bone_hu": 300}'

writes ``results/phantom/brain/ph000.nii.gz`` and its QC picture
``results/phantom/brain/ph000_qc.png`` (``--qc PATH`` elsewhere, ``--no-qc`` none).
"""

from __future__ import annotations

import argparse

from lesionbench.io.settings import load_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("image", metavar="IN", help="head CT in HU (NIfTI)")
    parser.add_argument("out", metavar="OUT", help="output brain mask (uint8 NIfTI on the image grid)")
    parser.add_argument("--settings", default="{}", metavar="JSON",
                        help="brain mask settings as inline JSON (tissue_hu, bone_hu, closing_mm, erosion_mm, "
                             "rim_mm, rim_hu)")
    qc = parser.add_mutually_exclusive_group()
    qc.add_argument("--qc", metavar="PNG", help="QC picture to write (default: OUT's name with _qc.png)")
    qc.add_argument("--no-qc", action="store_true", help="write no QC picture")
    parser.add_argument("--title", default="", help="title of the QC picture (e.g. the case id)")


def run(args: argparse.Namespace) -> int:
    from lesionbench.brainmask import BrainMaskSettings, brain_mask_file, qc_path_for

    settings = BrainMaskSettings.from_dict(load_settings(args.settings))
    qc_path = None if args.no_qc else (args.qc or qc_path_for(args.out))
    brain_mask_file(args.image, args.out, settings, qc_path=qc_path, title=args.title)
    return 0
