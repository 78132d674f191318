"""``lesionbench folds``: patient-level stratified k-fold split with validation sets.

Example::

    lesionbench folds --meta results/phantom/meta/*.json --out results/phantom/folds.json \\
        --k 3 --seed 0 --stratify-by has_lesion lesion_class --val-fraction 0.2 [--group-by group] \\
        [--test-fraction 0.2 --test-seed 0 | --test-cases ph012 ph013]
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--meta", nargs="+", metavar="JSON",
                        help="ingest metadata {R}/meta/{case}.json (case_id and its 'labels')")
    source.add_argument("--cases-json", nargs="+", metavar="JSON",
                        help="flat per-case label files (case_id and labels at the top level)")
    source.add_argument("--cases-tsv", metavar="TSV", help="sample sheet with a case_id column and labels")
    parser.add_argument("--out", required=True, help="output folds.json")
    parser.add_argument("--k", type=int, required=True, help="number of folds")
    parser.add_argument("--seed", type=int, default=0, help="seed of the split (default 0)")
    parser.add_argument("--stratify-by", nargs="*", default=[], metavar="LABEL",
                        help="label columns whose combination defines the strata")
    parser.add_argument("--val-fraction", type=float, default=0.2,
                        help="fraction of each fold's training patients used for validation (default 0.2)")
    parser.add_argument("--group-by", default=None, metavar="LABEL",
                        help="label naming each case's patient: a patient's cases stay in one fold")
    test = parser.add_mutually_exclusive_group()
    test.add_argument("--test-cases", nargs="+", default=(), metavar="CASE",
                      help="held-out test cases (a separate test source): left out of the folds")
    test.add_argument("--test-fraction", type=float, default=None, metavar="F",
                      help="hold out this fraction of the patients (stratified, grouped) before the folds")
    parser.add_argument("--test-seed", type=int, default=0, help="seed of the held-out draw (default 0)")


def run(args: argparse.Namespace) -> int:
    from lesionbench.folds import cases_from_json, cases_from_tsv, write_folds

    cases = cases_from_tsv(args.cases_tsv) if args.cases_tsv else cases_from_json(args.meta or args.cases_json)
    write_folds(cases, args.out, args.k, args.seed, args.stratify_by, args.val_fraction, args.group_by,
                test_set=args.test_cases, test_fraction=args.test_fraction, test_seed=args.test_seed)
    return 0
