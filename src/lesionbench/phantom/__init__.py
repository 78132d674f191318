"""A procedural head-CT phantom with hematomas, written as real DICOM series.

Public API: :class:`PhantomSettings`, :func:`generate_case`, :func:`generate_dataset`,
:func:`write_sample_sheet`, :func:`render_case` (in memory), :data:`FAKE_IDENTIFIERS` and
:func:`fake_identifiers`. Layout of the outputs: docs/file-formats.md, "Phantom".
"""

from lesionbench.phantom.case import CaseTruth, PhantomCase, case_id, case_paths, generate_case, render_case
from lesionbench.phantom.dataset import SAMPLE_SHEET_COLUMNS, generate_dataset, write_sample_sheet
from lesionbench.phantom.identifiers import FAKE_IDENTIFIERS, fake_identifiers
from lesionbench.phantom.settings import PhantomSettings

__all__ = [
    "FAKE_IDENTIFIERS", "SAMPLE_SHEET_COLUMNS", "CaseTruth", "PhantomCase", "PhantomSettings", "case_id",
    "case_paths", "fake_identifiers", "generate_case", "generate_dataset", "render_case", "write_sample_sheet",
]
