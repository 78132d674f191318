"""``dicom2nifti``: one series to a NIfTI volume (plus its info as JSON)."""

from __future__ import annotations

from typing import Any

import SimpleITK as sitk

from lesionbench.ingest.dicom_series import dicom_to_image
from lesionbench.io import provenance, write_image, write_json
from lesionbench.typing import PathLike


def convert_series(dicom_dir: PathLike, out_image: PathLike, out_info: PathLike | None = None) -> dict[str, Any]:
    """Write the series in ``dicom_dir`` as float32 HU to ``out_image``; its info to ``out_info``.

    Returns:
        The info dict of :func:`lesionbench.ingest.dicom_to_image` (no identifying field),
        with provenance added.
    """
    image, info = dicom_to_image(dicom_dir)
    write_image(sitk.Cast(image, sitk.sitkFloat32), out_image)
    info = {**info, "provenance": provenance({"stage": "dicom2nifti"})}
    if out_info is not None:
        write_json(out_info, info)
    return info
