"""Pseudonymous case ids: a salted SHA-256 of the case id (docs/architecture.md, "Data flow")."""

from __future__ import annotations

import hashlib
import hmac

from lesionbench.ingest.settings import IngestSettings
from lesionbench.typing import PathLike


def pseudonymise(case_id: str, salt: str = "") -> str:
    """Salted SHA-256 of ``case_id`` as 64 hex characters.

    The salt is the HMAC key (HMAC-SHA256), the standard keyed construction: unlike
    ``sha256(salt + case_id)`` it cannot be confused by where the salt ends and the id
    begins. Without the salt the pseudonym cannot be recomputed from a guessed id.

    Args:
        case_id: the dataset's case id.
        salt: a secret kept outside the outputs ("" gives an unsalted, reproducible hash).
    """
    if not case_id:
        raise ValueError("pseudonymise: the case id is empty")
    return hmac.new(salt.encode("utf-8"), case_id.encode("utf-8"), hashlib.sha256).hexdigest()


def dicom_case_id(dicom_dir: PathLike, salt: str = "", settings: IngestSettings | None = None,
                  length: int = 12) -> str:
    """A pseudonymous case id for a DICOM study the sample sheet does not name.

    ``"c"`` + the first ``length`` hex digits of :func:`pseudonymise` of the selected series'
    PatientID and StudyInstanceUID: the same study always gets the same id under one salt,
    and neither value can be read back from it.

    Raises:
        DicomSeriesError: naming the folder if the series has neither attribute; the
            scanning and selection errors of :func:`lesionbench.ingest.dicom_to_image`.
    """
    from lesionbench.ingest.dicom_files import DicomSeriesError, scan_folder
    from lesionbench.ingest.series_select import select_series

    settings = settings or IngestSettings()
    chosen, _ = select_series(scan_folder(dicom_dir), settings.series)
    first = chosen.files[0].dataset
    key = "\\".join(str(first.get(k, "")) for k in ("PatientID", "StudyInstanceUID"))
    if key == "\\":
        raise DicomSeriesError(f"{dicom_dir}: neither PatientID nor StudyInstanceUID to derive a case id from")
    return "c" + pseudonymise(key, salt)[:length]
