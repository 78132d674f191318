"""Brain (intracranial) masks: HU thresholds and morphology for head CT."""

from lesionbench.brainmask.ct import BrainMaskError, brain_mask_file, ct_brain_mask
from lesionbench.brainmask.settings import BrainMaskSettings

__all__ = ["BrainMaskError", "BrainMaskSettings", "brain_mask_file", "ct_brain_mask"]
