"""``dicom2nifti``: one series to a NIfTI volume (plus its info as JSON)."""

from __future__ import annotations

from typing import Any

from lesionbench.ingest.dicom_series import dicom_to_image
from lesionbench.ingest.settings import IngestSettings
from lesionbench.io import provenance, write_image, write_json
from lesionbench.typing import PathLike


def convert_series(dicom_dir: PathLike, out_image: PathLike, out_info: PathLike | None = None,
                   settings: IngestSettings | None = None) -> dict[str, Any]:
    """Write the series the settings pick in ``dicom_dir`` as HU to ``out_image``; its info to ``out_info``.

    Nothing is written unless the whole series converts; the image is written first and
    the info JSON last.

    Returns:
        The info dict of :func:`lesionbench.ingest.dicom_to_image` (no identifying field),
        with provenance added.
    """
    settings = settings or IngestSettings()
    image, info = dicom_to_image(dicom_dir, settings)
    write_image(image, out_image)
    info = {**info, "provenance": provenance({"stage": "dicom2nifti", "settings": settings.to_dict()})}
    if out_info is not None:
        write_json(out_info, info)
    return info
