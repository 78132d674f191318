"""Training samples cut from preprocessed volumes: 2D slices and 2.5D slice stacks."""

from lesionbench.samples.extract import (
    LAYOUTS, NETWORK_INPUTS, SAMPLE_KEYS, extract_samples, input_channels, network_inputs,
)
from lesionbench.samples.settings import SampleSettings
from lesionbench.samples.slicing import from_network_slices, to_network_slices, to_network_stacks

__all__ = [
    "LAYOUTS", "NETWORK_INPUTS", "SAMPLE_KEYS", "SampleSettings", "extract_samples", "from_network_slices",
    "input_channels", "network_inputs", "to_network_slices", "to_network_stacks",
]
