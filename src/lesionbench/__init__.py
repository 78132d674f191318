"""lesionbench: reproducible lesion segmentation benchmarks, from DICOM to paired statistics."""

__version__ = "0.1.0"
