"""``lesionbench segment-volumes``: gather the workflow's per-case ``volumes.tsv`` into one table.

Example::

    lesionbench segment-volumes cases/a/volumes.tsv cases/b/volumes.tsv --out volumes.tsv
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("tables", nargs="*", metavar="TSV", help="volumes.tsv of each case (lesionbench segment)")
    parser.add_argument("--out", required=True, help="the gathered table")


def run(args: argparse.Namespace) -> int:
    from lesionbench.segment import gather_volumes

    gather_volumes(args.tables, args.out)
    return 0
