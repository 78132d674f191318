"""Ingest: DICOM series to NIfTI in HU, reference masks on the image grid, case metadata.

Public API: :func:`dicom_to_image`, :func:`convert_series`, :func:`ingest_case`,
:func:`read_labels`, :class:`IngestSettings`, :func:`pseudonymise`, :func:`dicom_case_id`
and the errors :class:`DicomFileError` (one bad file) and :class:`DicomSeriesError` (a series
that cannot be stacked), both ``ValueError`` subclasses. Privacy lists (the allow-list of
attributes that reach outputs, PS3.15 Table E.1-1) are in :mod:`lesionbench.ingest.deid`.
"""

from lesionbench.ingest.case import LABEL_FIELDS, ingest_case, read_labels
from lesionbench.ingest.convert import convert_series
from lesionbench.ingest.dicom_files import DicomFileError, DicomSeriesError
from lesionbench.ingest.dicom_series import dicom_to_image
from lesionbench.ingest.pseudonym import dicom_case_id, pseudonymise
from lesionbench.ingest.settings import IngestSettings

__all__ = [
    "LABEL_FIELDS", "DicomFileError", "DicomSeriesError", "IngestSettings", "convert_series", "dicom_case_id",
    "dicom_to_image", "ingest_case", "pseudonymise", "read_labels",
]
