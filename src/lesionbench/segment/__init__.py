"""Segment new scans with a model bundle (``lesionbench segment``)."""

from lesionbench.segment.inputs import (
    IMAGE_SUFFIXES,
    ScanInput,
    SegmentInputError,
    find_scans,
)
from lesionbench.segment.pipeline import (
    STAGES,
    VOLUME_COLUMNS,
    Ensemble,
    SegmentResult,
    load_models,
    segment_scan,
)
from lesionbench.segment.run import VOLUMES_TSV, SegmentRun, gather_volumes, segment_all, select_scans, write_volumes

__all__ = [
    "IMAGE_SUFFIXES", "STAGES", "VOLUMES_TSV", "VOLUME_COLUMNS", "Ensemble", "ScanInput", "SegmentInputError",
    "SegmentResult", "SegmentRun", "find_scans", "gather_volumes", "load_models", "segment_all", "segment_scan",
    "select_scans", "write_volumes",
]
