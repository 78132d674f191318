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
    parser.add_argument("--meta", metavar="JSON",
                        help="the case's meta/{case}.json: its labels are kept in index.json (class targets)")
    parser.add_argument("--settings", default="{}", metavar="JSON",
                        help="sample settings as inline JSON or a JSON file (layout, size, fit, lesion_free_fraction, "
                             "seed, min_brain_pixels, slice_offsets, stack_padding, resampling)")


def case_labels(meta_json: str) -> dict:
    """The ``labels`` of a case's ``meta/{case}.json``.

    Raises:
        FileNotFoundError, ValueError: naming the file.
    """
    import json
    from pathlib import Path

    path = Path(meta_json)
    try:
        labels = json.loads(path.read_text(encoding="utf-8")).get("labels", {})
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: case metadata not found") from None
    except (json.JSONDecodeError, AttributeError) as error:
        raise ValueError(f"{path}: not a case metadata JSON object ({error})") from None
    if not isinstance(labels, dict):
        raise ValueError(f"{path}: 'labels' is not a mapping")
    return labels


def run(args: argparse.Namespace) -> int:
    from lesionbench.samples import SampleSettings, extract_samples

    settings = SampleSettings.from_dict(load_settings(args.settings))
    labels = case_labels(args.meta) if args.meta else None
    extract_samples(args.input, args.out, settings, labels)
    return 0
