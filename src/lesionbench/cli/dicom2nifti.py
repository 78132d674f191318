"""``lesionbench dicom2nifti``: convert one DICOM series to a NIfTI volume in HU.

Example::

    lesionbench dicom2nifti study/ ct.nii.gz --meta ct.json \\
        --settings '{"series": "largest_axial", "gantry_tilt": "correct", "uneven_spacing": "resample"}'
"""

from __future__ import annotations

import argparse

from lesionbench.io.settings import load_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dicom_dir", metavar="DICOM_DIR", help="folder holding the series")
    parser.add_argument("out", metavar="OUT.nii.gz", help="NIfTI file to write (HU)")
    parser.add_argument("--meta", metavar="OUT.json", help="also write the series info (geometry, warnings)")
    parser.add_argument("--settings", default="{}", metavar="JSON",
                        help="ingest settings as inline JSON or a JSON file (series, uneven_spacing, gantry_tilt, "
                             "missing_slices, output_dtype, spacing_tolerance_mm, resample_spacing_mm, padding_hu)")


def run(args: argparse.Namespace) -> int:
    from lesionbench.ingest import IngestSettings
    from lesionbench.ingest.convert import convert_series

    convert_series(args.dicom_dir, args.out, args.meta, IngestSettings.from_dict(load_settings(args.settings)))
    return 0
