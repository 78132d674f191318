"""``lesionbench phantom``: generate a head-CT phantom dataset (docs/file-formats.md, "Phantom")."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out_dir", metavar="OUT_DIR", help="dataset folder (dicom/, masks/, brain/, cases/)")
    parser.add_argument("--cases", type=int, required=True, help="number of cases of the dataset")
    parser.add_argument("--seed", type=int, required=True, help="dataset seed")
    parser.add_argument("--matrix", type=int, help="in-plane size in pixels (default 512)")
    parser.add_argument("--slices", type=int, help="number of 5 mm axial slices (default 32)")
    parser.add_argument("--case-index", type=int, metavar="I",
                        help="write only case I (ph{I:03d}) into OUT_DIR, without samples.tsv")
    parser.add_argument("--settings", metavar="JSON",
                        help="JSON file of further PhantomSettings fields (the flags above override it)")


def run(args: argparse.Namespace) -> int:
    from lesionbench.phantom import PhantomSettings, generate_case, generate_dataset

    values = {}
    if args.settings:
        path = Path(args.settings)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: settings JSON not found")
        try:
            values = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}: not valid JSON ({error})") from error
    values.update({key: value for key, value in (("cases", args.cases), ("seed", args.seed),
                                                  ("matrix", args.matrix), ("slices", args.slices))
                   if value is not None})
    settings = PhantomSettings.from_dict(values)
    if args.case_index is not None:
        generate_case(args.out_dir, args.case_index, settings)
    else:
        generate_dataset(args.out_dir, settings)
    return 0
