"""``lesionbench samples``: the training samples of one preprocessed case, as a samples folder.

Example::

    lesionbench samples --input results/phantom/preprocessed/ph000.npz \\
        --out results/phantom/samples/2d/ph000 \\
        --settings '{"layout": "2d", "size": [416, 416], "fit": "pad", "lesion_free_fraction": 0.5, "seed": 0}'
"""

from __future__ import annotations

import argparse

from lesionbench.io.settings import load_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", required=True, help="preprocessed npz, {R}/preprocessed/{case}.npz")
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="the case's samples folder {R}/samples/{layout}/{case} (images.npy, masks.npy, index.json)")
    parser.add_argument("--settings", default="{}", metavar="JSON",
                        help="sample settings as inline JSON or a JSON file (layout, size, fit, lesion_free_fraction, "
                             "seed, min_brain_pixels, slice_offsets, stack_padding, resampling)")


def run(args: argparse.Namespace) -> int:
    from lesionbench.samples import SampleSettings, extract_samples

    settings = SampleSettings.from_dict(load_settings(args.settings))
    extract_samples(args.input, args.out, settings)
    return 0
