"""``lesionbench segment``: segment new scans with a trained model bundle.

Examples::

    lesionbench segment ct.nii.gz out/ --model results/phantom/models/unet
    lesionbench segment new_scans/ out/ --model unet.zip --tta flips --device cuda

INPUT is a DICOM series folder, an image file (NIfTI, NRRD, MHA, PNG, JPEG) or a folder of
these (one case per sub-folder or file, named after it). Per case OUTPUT receives
``{case}.nii.gz`` (the label map on the input's exact grid), ``{case}.seg.dcm`` (a DICOM
Segmentation object, for DICOM input), ``probabilities/{case}.nii.gz`` with
``--save-probabilities``, and one row of ``volumes.tsv``. A case that fails is reported in one
line and the others go on; the exit status is 1 if any failed.
"""

from __future__ import annotations

import argparse
import json
import sys


def _folds(text: str) -> str | list[int]:
    if text == "all":
        return text
    try:
        folds = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--folds: 'all' or comma-separated fold indices, got {text!r}") from None
    if not folds:
        raise argparse.ArgumentTypeError("--folds: no fold given")
    return folds


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", metavar="INPUT", help="a DICOM series folder, an image file, or a folder of these")
    parser.add_argument("output", metavar="OUTPUT", help="the folder to write the segmentations and volumes.tsv to")
    parser.add_argument("--model", required=True, metavar="BUNDLE",
                        help="an experiment's model folder (results/{dataset}/models/{experiment}) or an exported zip")
    parser.add_argument("--folds", type=_folds, default=None, metavar="all|0,2",
                        help="fold models to ensemble (default: the bundle's predict.folds)")
    parser.add_argument("--tta", choices=("none", "flips"), default=None,
                        help="test-time mirroring (default: the bundle's predict.tta)")
    parser.add_argument("--device", default="auto", help="auto (CUDA if available), cpu, cuda, cuda:1, ...")
    parser.add_argument("--batch-size", type=int, default=None, help="slices per forward pass (default: the bundle's)")
    parser.add_argument("--save-probabilities", action=argparse.BooleanOptionalAction, default=None,
                        help="also write the probability maps, probabilities/{case}.nii.gz (default: the bundle's)")
    parser.add_argument("--no-dicom-seg", dest="dicom_seg", action="store_false",
                        help="do not write a DICOM Segmentation object for DICOM input")
    parser.add_argument("--case", action="append", dest="cases", metavar="NAME",
                        help="segment only this scan of INPUT (repeatable; default: every scan)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from lesionbench.bundle import load_bundle
    from lesionbench.segment import segment_all

    if args.batch_size is not None and args.batch_size < 1:
        raise ValueError(f"--batch-size must be >= 1, got {args.batch_size}")
    bundle = load_bundle(args.model)
    result = segment_all(args.input, args.output, bundle, folds=args.folds, device=args.device, tta=args.tta,
                         batch_size=args.batch_size, save_probabilities=args.save_probabilities,
                         dicom_seg=args.dicom_seg, progress=not args.quiet, cases=args.cases)
    summary = {"segmented": len(result.results), "failed": len(result.failures), "volumes": str(result.table)}
    print(json.dumps(summary))
    if result.failures:
        print(f"lesionbench segment: {len(result.failures)} of {len(result.failures) + len(result.results)} "
              f"scan(s) failed: {', '.join(scan.name for scan, _ in result.failures)}", file=sys.stderr)
        return 1
    return 0
