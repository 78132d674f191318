"""Brain (intracranial) masks: HU thresholds and morphology for head CT, and a QC picture."""

from lesionbench.brainmask.ct import BrainMaskError, brain_mask_file, ct_brain_mask
from lesionbench.brainmask.qc import qc_path_for, write_qc_png
from lesionbench.brainmask.settings import BrainMaskSettings

__all__ = ["BrainMaskError", "BrainMaskSettings", "brain_mask_file", "ct_brain_mask", "qc_path_for", "write_qc_png"]
