"""Training samples cut from preprocessed volumes (2D slices, 2.5D slice stacks, 3D VOIs), stored per case.

:func:`extract_samples` writes ``{R}/samples/{layout}/{case}/`` (:mod:`lesionbench.samples.store`);
:class:`CaseSamples` reads it a few rows at a time; :data:`LAYOUTS` says how a stored case
becomes network inputs, for training (``read_sample``) and prediction (``network_inputs``).
"""

from lesionbench.samples.extract import case_rng, extract_samples
from lesionbench.samples.layouts import LAYOUTS, Layout, get_layout, input_channels
from lesionbench.samples.settings import PLACEMENTS, PREDICTION_ONLY_KEYS, TRAINING_ONLY_KEYS, SampleSettings
from lesionbench.samples.slices import fit_images, fit_labels, gather_stacks, select_slices, slice_fit
from lesionbench.samples.store import CaseSamples, NpyRows, SampleStoreError, write_case_samples
from lesionbench.samples.voi import crop_voi, paste_voi, voi_start

__all__ = [
    "LAYOUTS", "PLACEMENTS", "PREDICTION_ONLY_KEYS", "TRAINING_ONLY_KEYS", "CaseSamples", "Layout", "NpyRows",
    "SampleSettings", "SampleStoreError",
    "case_rng", "extract_samples", "fit_images", "fit_labels", "gather_stacks", "get_layout", "input_channels",
    "crop_voi", "paste_voi", "select_slices", "slice_fit", "voi_start", "write_case_samples",
]
