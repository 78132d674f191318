"""Ingest one case: image NIfTI in HU, reference mask on its grid, metadata JSON.

docs/file-formats.md, "Ingest". The mask is checked to lie on the image grid before anything
is written; the metadata JSON is written last, so its presence marks a complete case. No
DICOM patient-identifying field is copied: the metadata holds geometry, the allow-listed
acquisition facts of :mod:`lesionbench.ingest.deid`, warnings, labels and a salted pseudonym
of the case id.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import SimpleITK as sitk

from lesionbench.ingest.dicom_series import dicom_to_image
from lesionbench.ingest.pseudonym import pseudonymise
from lesionbench.ingest.settings import IngestSettings
from lesionbench.io import (
    ImageFileError,
    provenance,
    read_mask,
    same_grid,
    write_image,
    write_json,
)
from lesionbench.typing import PathLike

#: Label fields copied from a case JSON (e.g. the phantom's ``cases/{case}.json``) into meta.
LABEL_FIELDS = ("has_lesion", "lesion_class", "near_skull", "irregular", "intraventricular", "lesion_volume_ml")


def read_labels(path: PathLike, case_id: str | None = None) -> dict[str, Any]:
    """The label fields (:data:`LABEL_FIELDS`) of a case JSON.

    Raises:
        FileNotFoundError: if the file is missing.
        ValueError: naming the file if it is not a JSON object, holds none of the label
            fields, or names another case than ``case_id``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: labels JSON not found")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not valid JSON ({error})") from error
    if not isinstance(data, dict):
        raise ValueError(f"{path}: labels JSON must be an object, got {type(data).__name__}")
    if case_id is not None and "case_id" in data and str(data["case_id"]) != case_id:
        raise ValueError(f"{path}: labels are for case {data['case_id']!r}, not {case_id!r}")
    labels = {key: data[key] for key in LABEL_FIELDS if key in data}
    if not labels:
        raise ValueError(f"{path}: holds none of the label fields {list(LABEL_FIELDS)}")
    return labels


def ingest_case(case_id: str, dicom_dir: PathLike, mask_path: PathLike, out_image: PathLike,
                out_mask: PathLike, out_meta: PathLike, labels: Mapping[str, Any] | None = None,
                salt: str = "", settings: IngestSettings | None = None) -> dict[str, Any]:
    """Convert one case's DICOM series and copy its reference mask onto the image grid.

    Args:
        case_id: the case id (kept in ``meta["case_id"]``; ``meta["pseudonym"]`` is its
            salted SHA-256).
        dicom_dir: folder of the case's DICOM series.
        mask_path: reference lesion mask (any SimpleITK format) on the series' grid.
        out_image: image NIfTI to write (float32 or int16 HU, as ``settings.output_dtype``).
        out_mask: mask NIfTI to write (uint8 0/1, the image's exact geometry).
        out_meta: metadata JSON to write.
        labels: label fields to store in ``meta["labels"]`` (e.g. :func:`read_labels`).
        salt: pseudonymisation salt.
        settings: series rule, geometry policies and output type (:class:`IngestSettings`).

    Returns:
        The metadata dict written to ``out_meta``.

    Raises:
        FileNotFoundError: if the folder or the mask is missing.
        ImageFileError: naming both files if the mask is not on the image grid; DICOM
            errors of :func:`lesionbench.ingest.dicom_to_image`.
    """
    mask_path = Path(mask_path)
    if not mask_path.is_file():
        raise FileNotFoundError(f"{mask_path}: reference mask not found (a mask is required)")
    settings = settings or IngestSettings()
    image, info = dicom_to_image(dicom_dir, settings)
    mask = read_mask(mask_path)
    if not same_grid(image, mask):
        raise ImageFileError(
            f"{mask_path}: mask grid does not match the image from {dicom_dir}: "
            f"size {mask.GetSize()} vs {image.GetSize()}, spacing {_round(mask.GetSpacing())} vs "
            f"{_round(image.GetSpacing())}, origin {_round(mask.GetOrigin())} vs {_round(image.GetOrigin())}, "
            f"direction {_round(mask.GetDirection())} vs {_round(image.GetDirection())}"
        )
    mask.CopyInformation(image)  # within tolerance: take the DICOM geometry exactly
    meta = {
        "case_id": case_id,
        "pseudonym": pseudonymise(case_id, salt),
        "source": {"kind": "dicom", **info["source"], "geometry": info["geometry"],
                   "other_series": info["other_series"]},
        "size": info["size"],
        "spacing": info["spacing"],
        "origin": info["origin"],
        "direction": info["direction"],
        "orientation": info["orientation"],
        "modality": info["modality"],
        "warnings": list(info["warnings"]),
        "labels": dict(labels or {}),
        "provenance": provenance({"stage": "ingest", "settings": settings.to_dict(), "salted": bool(salt)},
                                 case_id=case_id),
    }
    mask_voxels = int(np.count_nonzero(sitk.GetArrayViewFromImage(mask)))
    meta["source"]["mask_voxels"] = mask_voxels
    write_image(image, out_image)
    write_image(sitk.Cast(mask, sitk.sitkUInt8), out_mask)
    write_json(out_meta, meta)
    return meta


def _round(values: tuple[float, ...]) -> list[float]:
    return [round(float(v), 4) for v in values]
