"""Training samples cut from preprocessed volumes (2D slices for now)."""

from lesionbench.samples.slicing import from_network_slices, to_network_slices

__all__ = ["from_network_slices", "to_network_slices"]
