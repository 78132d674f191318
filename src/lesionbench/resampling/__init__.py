"""Resampling of images, labels and probabilities: the one place that owns sampling grids.

Every resize or resample of a label uses the sampling grid of its image (centre-aligned), and
predictions go back by the exact inverse. Two scales of the same rules:

- :mod:`lesionbench.resampling.arrays`: array resizing (torch), used for the in-plane fit of a
  slice to the network input (:mod:`lesionbench.resampling.planar`) and any N-d resize;
- :mod:`lesionbench.resampling.physical`: resampling between physical grids (SimpleITK), used
  by preprocessing (to the target spacing) and by prediction (back to the original grid).

Labels are resampled by a method of :data:`LABEL_METHODS`: ``"nearest"`` (centre-aligned
nearest neighbour) or ``"soft"`` (the label resampled as a fraction with the image's
interpolation, antialiasing included). Between physical grids (preprocessing) a soft label is
thresholded at 0.5 into a mask; at network size it stays a fraction, the training target, and
the threshold is applied after the exact inverse, on the native grid.
``benchmarks/label_roundtrip.py`` measures both methods; ``soft`` is the default.
"""

from lesionbench.resampling.arrays import (
    LABEL_METHODS, ResamplingSettings, antialias_sigmas, label_fraction, resize, resize_label,
)
from lesionbench.resampling.physical import (
    resample_image, resample_label, resample_onto, resample_probability, resampled_grid,
)
from lesionbench.resampling.planar import FITS, PlaneFit, from_network, plan_fit, to_network

__all__ = [
    "FITS", "LABEL_METHODS", "PlaneFit", "ResamplingSettings", "antialias_sigmas", "from_network", "label_fraction", "plan_fit",
    "resample_image", "resample_label", "resample_onto", "resample_probability", "resampled_grid", "resize",
    "resize_label", "to_network",
]
