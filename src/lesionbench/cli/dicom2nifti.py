"""``lesionbench dicom2nifti``: convert one DICOM series to a NIfTI volume in HU."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dicom_dir", metavar="DICOM_DIR", help="folder holding the series")
    parser.add_argument("out", metavar="OUT.nii.gz", help="NIfTI file to write (float32 HU)")
    parser.add_argument("--meta", metavar="OUT.json", help="also write the series info (geometry, warnings)")


def run(args: argparse.Namespace) -> int:
    from lesionbench.ingest.convert import convert_series

    convert_series(args.dicom_dir, args.out, args.meta)
    return 0
