"""Ingest: DICOM series to NIfTI in HU, reference masks on the image grid, case metadata.

Public API: :func:`dicom_to_image`, :func:`ingest_case`, :func:`read_labels`,
:func:`pseudonymise` and the errors :class:`DicomFileError` (one bad file) and
:class:`DicomSeriesError` (a series that cannot be stacked), both ``ValueError`` subclasses.
"""

from lesionbench.ingest.case import LABEL_FIELDS, ingest_case, read_labels
from lesionbench.ingest.dicom_files import DicomFileError, DicomSeriesError
from lesionbench.ingest.dicom_series import dicom_to_image
from lesionbench.ingest.pseudonym import pseudonymise

__all__ = [
    "LABEL_FIELDS", "DicomFileError", "DicomSeriesError", "dicom_to_image", "ingest_case", "pseudonymise",
    "read_labels",
]
