"""``lesionbench dataset``: list the cases of a dataset recipe, or ingest one case.

Examples::

    lesionbench dataset cases --kind isles22 --source '{"root": "/data/ISLES-2022"}'
    lesionbench dataset ingest --kind isles22 --source '{"root": "/data/ISLES-2022"}' \\
        --case sub-strokecase0009 --image results/isles22/images/sub-strokecase0009.nii.gz \\
        --mask results/isles22/masks/sub-strokecase0009.nii.gz \\
        --meta results/isles22/meta/sub-strokecase0009.json
"""

from __future__ import annotations

import argparse

from lesionbench.io.settings import load_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    cases = actions.add_parser("cases", help="print the case ids, one a line")
    ingest = actions.add_parser("ingest", help="write the image, mask and metadata of one case")
    for sub in (cases, ingest):
        sub.add_argument("--kind", required=True, help="recipe: ct_ich, isles22, isles15, atlas, atlas_r1, "
                         "covid_semiseg_2d, sample_sheet, or phantom_mr (source: the generated folder)")
        sub.add_argument("--source", required=True, metavar="JSON",
                         help="the dataset's source settings as inline JSON or a JSON file (kind may be omitted)")
    ingest.add_argument("--case", required=True, help="case id (from 'dataset cases')")
    ingest.add_argument("--case-id", default=None,
                        help="the id stored in the metadata, if the workflow names the case otherwise (test_<case>)")
    ingest.add_argument("--image", required=True, metavar="OUT", help="image NIfTI to write, {R}/images/{case}.nii.gz")
    ingest.add_argument("--mask", required=True, metavar="OUT", help="mask NIfTI to write, {R}/masks/{case}.nii.gz")
    ingest.add_argument("--meta", required=True, metavar="OUT", help="metadata JSON to write, {R}/meta/{case}.json")
    ingest.add_argument("--salt", default="", help="salt of the pseudonym stored in the metadata")


def run(args: argparse.Namespace) -> int:
    from lesionbench.datasets import get_recipe

    recipe = get_recipe(args.kind)
    source = load_settings(args.source)
    if args.action == "cases":
        for case in recipe.case_ids(source):
            print(case)
        return 0
    recipe.ingest(source, args.case, args.image, args.mask, args.meta, salt=args.salt, case_id=args.case_id)
    return 0
