"""``lesionbench phantom-mr``: generate a T1 MRI stroke phantom (docs/file-formats.md, "MRI phantom")."""

from __future__ import annotations

import argparse

from lesionbench.io.settings import load_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out_dir", metavar="OUT_DIR", help="dataset folder (images/, masks/, brain/, cases/)")
    parser.add_argument("--cohort", choices=("atlas", "isles2015"), help="cohort shape (default atlas)")
    parser.add_argument("--cases", type=int, help="number of cases of the dataset (default: the cohort's)")
    parser.add_argument("--seed", type=int, help="dataset seed")
    parser.add_argument("--scale", type=float, help="resolution factor of a demo grid (0.5: 2 mm voxels)")
    parser.add_argument("--case-index", type=int, metavar="I",
                        help="write only case I (mr{I:03d}) into OUT_DIR, without samples.tsv and truth.tsv")
    parser.add_argument("--settings", metavar="JSON",
                        help="MriPhantomSettings fields as inline JSON or a JSON file (the flags above override it; "
                             "a workflow source's kind and test_cases are ignored)")


def run(args: argparse.Namespace) -> int:
    from lesionbench.phantom.mri import MriPhantomSettings, generate_case, generate_dataset

    values = load_settings(args.settings) if args.settings else {}
    values.pop("test_cases", None)
    values.update({key: value for key, value in (("cohort", args.cohort), ("cases", args.cases),
                                                  ("seed", args.seed), ("scale", args.scale))
                   if value is not None})
    settings = MriPhantomSettings.from_dict(values)
    if args.case_index is not None:
        generate_case(args.out_dir, args.case_index, settings)
    else:
        generate_dataset(args.out_dir, settings)
    return 0
