"""``lesionbench compare``: paired statistics, omnibus tests, tables in the papers' layouts,
rankings, volume and classification analyses of a dataset's experiments (the files are listed
in :mod:`lesionbench.stats.compare`).

Example (a Snakemake rule passes the lists and the config block as inline JSON)::

    lesionbench compare --metrics results/phantom/metrics/unet.tsv results/phantom/metrics/fcn8s.tsv \\
        --out-dir results/phantom/stats --settings '{"reference": "unet", "metrics": ["dice", "ppv"]}'
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--metrics", nargs="+", required=True, metavar="TSV",
                        help="metrics/{experiment}.tsv files, one per experiment")
    parser.add_argument("--out-dir", required=True, metavar="DIR",
                        help="output folder: tests.tsv, summary.tsv, table*.tsv/.md/.tex/.html, friedman.tsv, "
                             "ranking*.tsv, volume*.tsv, abc2_bands.tsv, classification.tsv, roc.tsv")
    parser.add_argument("--settings", required=True, metavar="JSON",
                        help="compare settings: a JSON file or inline JSON (needs 'reference')")


def run(args: argparse.Namespace) -> int:
    from lesionbench.stats import CompareSettings, compare, load_settings

    settings = CompareSettings.from_dict(load_settings(args.settings))
    for path in compare(args.metrics, args.out_dir, settings):
        print(path)
    return 0
