"""``lesionbench samples``: training samples (2D slices) of one preprocessed case.

Example::

    lesionbench samples --input results/phantom/preprocessed/ph000.npz \\
        --out results/phantom/samples/2d/ph000.npz \\
        --settings '{"layout": "2d", "size": [416, 416], "lesion_free_fraction": 0.5, "seed": 0}'
"""

from __future__ import annotations

import argparse

from lesionbench.io.settings import load_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", required=True, help="preprocessed npz, {R}/preprocessed/{case}.npz")
    parser.add_argument("--out", required=True, help="output npz, {R}/samples/{layout}/{case}.npz")
    parser.add_argument("--settings", default="{}", metavar="JSON",
                        help="sample settings as inline JSON (layout, size, lesion_free_fraction, seed, "
                             "min_brain_pixels)")


def run(args: argparse.Namespace) -> int:
    from lesionbench.samples import SampleSettings, extract_samples

    settings = SampleSettings.from_dict(load_settings(args.settings))
    extract_samples(args.input, args.out, settings)
    return 0
