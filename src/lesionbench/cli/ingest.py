"""``lesionbench ingest``: ingest one case (docs/file-formats.md, "Ingest")."""

from __future__ import annotations

import argparse

from lesionbench.io.settings import load_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--case-id", required=True, help="case id")
    parser.add_argument("--dicom", required=True, metavar="DIR", help="folder of the case's DICOM series")
    parser.add_argument("--mask", required=True, metavar="NIFTI", help="reference lesion mask on the series grid")
    parser.add_argument("--labels-json", metavar="JSON",
                        help="case JSON whose label fields go into meta['labels'] (e.g. the phantom's)")
    parser.add_argument("--image", required=True, metavar="OUT", help="image NIfTI to write (HU)")
    parser.add_argument("--mask-out", required=True, metavar="OUT", help="mask NIfTI to write (uint8)")
    parser.add_argument("--meta", required=True, metavar="OUT", help="metadata JSON to write")
    parser.add_argument("--salt", default="", help="salt of the pseudonymous case id")
    parser.add_argument("--settings", default="{}", metavar="JSON",
                        help="ingest settings as inline JSON or a JSON file (series, uneven_spacing, gantry_tilt, "
                             "missing_slices, output_dtype, spacing_tolerance_mm, resample_spacing_mm, padding_hu)")


def run(args: argparse.Namespace) -> int:
    from lesionbench.ingest import IngestSettings, ingest_case, read_labels

    settings = IngestSettings.from_dict(load_settings(args.settings))
    labels = read_labels(args.labels_json, args.case_id) if args.labels_json else None
    ingest_case(args.case_id, args.dicom, args.mask, args.image, args.mask_out, args.meta,
                labels=labels, salt=args.salt, settings=settings)
    return 0
