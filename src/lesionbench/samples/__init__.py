"""Training samples cut from preprocessed volumes (2D slices for now)."""

from lesionbench.samples.extract import LAYOUTS, SAMPLE_KEYS, extract_samples
from lesionbench.samples.settings import SampleSettings
from lesionbench.samples.slicing import from_network_slices, to_network_slices

__all__ = ["LAYOUTS", "SAMPLE_KEYS", "SampleSettings", "extract_samples", "from_network_slices", "to_network_slices"]
