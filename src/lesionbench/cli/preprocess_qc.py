"""``lesionbench preprocess-qc``: the dataset's preprocessing QC table (lesion kept and lost per case).

Example::

    lesionbench preprocess-qc --meta results/phantom/meta/*.json --out results/phantom/qc/preprocess.tsv
"""

from __future__ import annotations

import argparse
import logging

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--meta", nargs="+", required=True, metavar="JSON", help="the cases' meta/{case}.json")
    parser.add_argument("--out", required=True, metavar="TSV", help="qc/preprocess.tsv")


def run(args: argparse.Namespace) -> int:
    from lesionbench.preprocess.qc import write_preprocess_qc

    frame = write_preprocess_qc(args.meta, args.out)
    lossy = frame[frame["lost_voxels"] > 0]
    log.info("%d cases; %d lost reference lesion in preprocessing (%.3f mL in all)", len(frame), len(lossy),
             float(lossy["lost_ml"].sum()))
    return 0
