"""``lesionbench phantom``: generate a head-CT phantom dataset (docs/file-formats.md, "Phantom")."""

from __future__ import annotations

import argparse

from lesionbench.io.settings import load_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out_dir", metavar="OUT_DIR", help="dataset folder (dicom/, masks/, brain/, cases/)")
    parser.add_argument("--cases", type=int, help="number of cases of the dataset")
    parser.add_argument("--seed", type=int, help="dataset seed")
    parser.add_argument("--matrix", type=int, help="in-plane size in pixels (default 512)")
    parser.add_argument("--slices", type=int,
                        help="number of axial slices (5 mm unless slice_thickness_mm says otherwise; default 32)")
    parser.add_argument("--case-index", type=int, metavar="I",
                        help="write only case I (ph{I:03d}) into OUT_DIR, without samples.tsv")
    parser.add_argument("--settings", metavar="JSON",
                        help="PhantomSettings fields as inline JSON or a JSON file (the flags above override it)")


def run(args: argparse.Namespace) -> int:
    from lesionbench.phantom import PhantomSettings, generate_case, generate_dataset

    values = load_settings(args.settings) if args.settings else {}
    values.update({key: value for key, value in (("cases", args.cases), ("seed", args.seed),
                                                  ("matrix", args.matrix), ("slices", args.slices))
                   if value is not None})
    settings = PhantomSettings.from_dict(values)
    if args.case_index is not None:
        generate_case(args.out_dir, args.case_index, settings)
    else:
        generate_dataset(args.out_dir, settings)
    return 0
